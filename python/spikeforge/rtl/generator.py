"""`generate_rtl(model, out_dir, lanes=...)`: a synthesizable design folder for one hardware model.

The Verilog lives in template files under hls/rtl (parameterized modules plus a small top
template); this module computes their parameters from the model, writes the $readmemh images of
every layer (pointer memory, P-lane weight slots, neuron ROM) and manifest.json (SPEC 4).
Designs of models with the same structure can share one compiled simulator: ``merge_params``
widens memories to fit all of them, and ``write_images`` packs any fitting model into them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from string import Template
from typing import Any

import numpy as np

from spikeforge._files import packaged
from spikeforge.atomic import atomic_write, atomic_write_json, atomic_write_text
from spikeforge.errors import SpikeforgeError
from spikeforge.hw.model import HardwareModel, file_sha256
from spikeforge.rtl.layout import LayerLayout, layer_layout

SOURCES = ("sf_fifo.v", "sf_input.v", "sf_layer.v", "sf_spike_ser.v", "sf_readout_ser.v")
TOP = "spikeforge_core"
LANES = (1, 2, 4, 8, 16)
# fields of LayerParams that may grow to fit several models in one build; the rest must match
_WIDENABLE = ("SLOTS", "CB", "AW", "BW")


def _bits(n: int) -> int:
    """Address bits for n entries (at least 1)."""
    return max(1, int(n - 1).bit_length())


@dataclass(frozen=True)
class LayerParams:
    """The Verilog parameters of one sf_layer instance (names as in sf_layer.v)."""

    P: int
    LP: int
    N_IN: int
    IA: int
    ROWS: int
    RB: int
    SLOTS: int
    SA: int
    CB: int
    WB: int
    M: int
    AW: int
    BW: int
    UW: int
    LEAK: int
    K: int
    RESET_ZERO: int
    FIRE: int
    LAST: int
    CW: int
    FIFO_LOG: int
    OUT_W: int

    def derived(self) -> LayerParams:
        """Recompute the widths that follow from the others (after widening)."""
        return replace(self, SA=_bits(self.SLOTS), UW=max(self.M, self.AW, self.BW) + 2)


@dataclass(frozen=True)
class CoreParams:
    """Top-level parameters: the model's interface plus every layer's sf_layer parameters."""

    n_inputs: int
    n_outputs: int
    readout: str
    layers: tuple[LayerParams, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "n_inputs": self.n_inputs,
            "n_outputs": self.n_outputs,
            "readout": self.readout,
            "lanes": [lp.P for lp in self.layers],
            "layers": [asdict(lp) for lp in self.layers],
        }


def _lanes_per_layer(lanes: int | list[int] | tuple[int, ...], n_layers: int) -> list[int]:
    per = list(lanes) if isinstance(lanes, list | tuple) else [lanes] * n_layers
    if len(per) != n_layers:
        raise SpikeforgeError(f"lanes gives {len(per)} values but the model has {n_layers} layers")
    for p in per:
        if p not in LANES:
            raise SpikeforgeError(f"lanes must be one of {', '.join(map(str, LANES))}, got {p}")
    return per


def layouts(model: HardwareModel, lanes: int | list[int] = 1) -> list[LayerLayout]:
    """Memory layout of every layer; a hidden layer's outputs are padded to ROWS*P next-layer inputs."""
    per = _lanes_per_layer(lanes, len(model.layers))
    out: list[LayerLayout] = []
    n_in = model.n_inputs
    for layer, p in zip(model.layers, per, strict=True):
        lay = layer_layout(layer.weight.astype(np.int64), layer.threshold, layer.bias, p, n_in)
        out.append(lay)
        n_in = lay.rows * p
    return out


def layer_params(*, prev: LayerParams | None, n_inputs: int, p: int, rows: int, slots: int, max_slot_count: int,
                 wb: int, m: int, l1: int | float, bw: int, leak_shift: int | None, reset: str, last: bool,
                 readout: str) -> LayerParams:
    """The sf_layer parameters of one layer, as the generator builds them (and the differentiable resource
    model estimates them). ``prev``: the previous layer's parameters (None for the first layer, whose inputs
    are the model's ``n_inputs``); ``slots``: total weight slots; ``max_slot_count``: most slots of one input;
    ``l1``: largest L1 norm of one neuron's integer weights (the estimate passes its expected value, a
    float >= 1); ``bw``: bias width."""
    n_in, ia = (n_inputs, _bits(n_inputs)) if prev is None else (prev.ROWS * prev.P, prev.RB + prev.LP)
    fire = not (last and readout == "membrane")
    rb = _bits(rows)
    return LayerParams(
        P=p,
        LP=p.bit_length() - 1,
        N_IN=n_in,
        IA=ia,
        ROWS=rows,
        RB=rb,
        SLOTS=max(1, slots),
        SA=0,
        CB=max(1, int(max_slot_count).bit_length()),
        WB=wb,
        M=m,
        AW=max(int(l1).bit_length() + 1, wb + 1),
        BW=bw,
        UW=0,
        LEAK=int(leak_shift is not None),
        K=leak_shift or 0,
        RESET_ZERO=int(reset == "zero"),
        FIRE=int(fire),
        LAST=int(last),
        CW=32 if (last and fire) else 2,
        FIFO_LOG=min(4, _bits(rows + 1)) if last else min(9, max(2, _bits(rows + 2))),
        OUT_W=(rb + 32 * p) if last else (2 + rb + p),
    ).derived()


def core_params(model: HardwareModel, lanes: int | list[int] = 1) -> tuple[CoreParams, list[LayerLayout]]:
    """Parameters of the smallest core that holds ``model`` with ``lanes`` per layer, and its layouts."""
    lays = layouts(model, lanes)
    params: list[LayerParams] = []
    for index, (layer, lay) in enumerate(zip(model.layers, lays, strict=True)):
        params.append(layer_params(
            prev=params[-1] if params else None,
            n_inputs=model.n_inputs,
            p=lay.lanes,
            rows=lay.rows,
            slots=int(lay.slot_count.sum()),
            max_slot_count=int(lay.slot_count.max(initial=0)),
            wb=layer.weight_bits,
            m=layer.membrane_bits,
            l1=int(np.abs(lay.weight).sum(axis=1).max()),
            bw=max(2, int(np.abs(lay.bias).max(initial=0)).bit_length() + 1),
            leak_shift=layer.leak_shift,
            reset=layer.reset,
            last=index == len(model.layers) - 1,
            readout=model.readout,
        ))
    return CoreParams(model.n_inputs, model.n_outputs, model.readout, tuple(params)), lays


def _structure(params: CoreParams) -> tuple:
    """What must be equal for two models to share a core: everything but the widenable sizes."""
    derived = _WIDENABLE + ("SA", "UW")
    layers = tuple(tuple((k, v) for k, v in asdict(lp).items() if k not in derived) for lp in params.layers)
    return params.n_inputs, params.n_outputs, params.readout, layers


def merge_params(params: list[CoreParams]) -> CoreParams:
    """One core that fits every model of ``params`` (same structure): memories and widths widened."""
    first = params[0]
    if any(_structure(cp) != _structure(first) for cp in params):
        raise SpikeforgeError(
            "the models differ in structure (sizes, bits, leak, reset, readout, lanes); they cannot share a core"
        )
    layers = [
        replace(lp, **{k: max(getattr(cp.layers[i], k) for cp in params) for k in _WIDENABLE}).derived()
        for i, lp in enumerate(first.layers)
    ]
    return replace(first, layers=tuple(layers))


def _fits(need: CoreParams, have: CoreParams) -> bool:
    return _structure(need) == _structure(have) and all(
        getattr(a, k) <= getattr(b, k)
        for a, b in zip(need.layers, have.layers, strict=True)
        for k in _WIDENABLE
    )


def _hex_lines(values: list[int], bits: int) -> str:
    digits = max(1, -(-bits // 4))
    return "".join(f"{v:0{digits}x}\n" for v in values)


def _pack(lanes: np.ndarray, fields: list[tuple[np.ndarray, int]]) -> list[int]:
    """Pack per-lane fields (value array [n, P], bits), most significant field first, lane 0 lowest."""
    n, p = lanes
    words = []
    for r in range(n):
        word = 0
        for q in reversed(range(p)):
            lane = 0
            for values, bits in fields:
                lane = (lane << bits) | (int(values[r, q]) & ((1 << bits) - 1))
            word = (word << sum(b for _, b in fields)) | lane
        words.append(word)
    return words


def image_texts(lays: list[LayerLayout], params: CoreParams) -> dict[str, str]:
    """The $readmemh images of every layer, file name -> text, padded to the memory depths."""
    files: dict[str, str] = {}
    for index, (lay, lp) in enumerate(zip(lays, params.layers, strict=True)):
        ptr = [(int(f) << lp.CB) | int(c) for f, c in zip(lay.first_slot, lay.slot_count, strict=True)]
        files[f"l{index}_ptr.mem"] = _hex_lines(ptr + [0] * (lp.N_IN - len(ptr)), lp.SA + lp.CB)
        pad = lp.SLOTS - lay.slot_neuron.shape[0]
        neuron = np.concatenate([lay.slot_neuron, np.zeros((pad, lp.P), dtype=np.int64)])
        sw = np.concatenate([lay.slot_weight, np.zeros((pad, lp.P), dtype=np.int64)])
        words = _pack((lp.SLOTS, lp.P), [(neuron, lp.RB + lp.LP), (sw, lp.WB)])
        files[f"l{index}_w.mem"] = _hex_lines(words, lp.P * (lp.RB + lp.LP + lp.WB))
        theta = lay.threshold.reshape(lp.ROWS, lp.P)
        bias = lay.bias.reshape(lp.ROWS, lp.P)
        words = _pack((lp.ROWS, lp.P), [(theta, lp.M), (bias, lp.BW)])
        files[f"l{index}_nrn.mem"] = _hex_lines(words, lp.P * (lp.M + lp.BW))
    return files


def write_images(model: HardwareModel, out_dir: str | os.PathLike, params: CoreParams) -> None:
    """Write the model's memory images for an existing core ``params`` (which must fit the model)."""
    need, lays = core_params(model, [lp.P for lp in params.layers])
    if not _fits(need, params):
        raise SpikeforgeError(
            "the model does not fit the given core parameters (different structure or larger memories)"
        )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in image_texts(lays, params).items():
        atomic_write_text(out / name, text)


def _verilog_params(lp: LayerParams, index: int) -> str:
    fields = [f".{k}({v})" for k, v in asdict(lp).items()]
    fields += [
        f'.{k}("l{index}_{s}.mem")' for k, s in (("PTR_FILE", "ptr"), ("W_FILE", "w"), ("NRN_FILE", "nrn"))
    ]
    return ", ".join(fields)


def top_text(params: CoreParams, model_sha256: str) -> str:
    """The generated top module (sf_top*.v.tpl filled in)."""
    tpl = {
        name: Template(packaged("hls", "rtl", f"{name}.v.tpl").read_text())
        for name in ("sf_top", "sf_top_layer", "sf_top_hidden", "sf_top_readout")
    }
    blocks = []
    for index, lp in enumerate(params.layers):
        blocks.append(
            tpl["sf_top_layer"].substitute(l=index, out_w=lp.OUT_W, params=_verilog_params(lp, index))
        )
        common = {"l": index, "p": lp.P, "lp": lp.LP, "rb": lp.RB}
        if lp.LAST:
            blocks.append(tpl["sf_top_readout"].substitute(common, n_out=params.n_outputs))
        else:
            blocks.append(tpl["sf_top_hidden"].substitute(common, n=index + 1, ia=lp.RB + lp.LP))
    return tpl["sf_top"].substitute(
        top=TOP,
        model_sha256=model_sha256,
        n_inputs=params.n_inputs,
        ia0=params.layers[0].IA,
        layers="".join(blocks),
    )


def generate_rtl(
    model: HardwareModel,
    out_dir: str | os.PathLike,
    lanes: int | list[int] = 1,
    *,
    model_sha256: str | None = None,
    params: CoreParams | None = None,
) -> dict[str, Any]:
    """Write sources, memory images and manifest.json for ``model`` into ``out_dir``; return the manifest.

    ``params`` (from ``merge_params``) builds a wider core that several same-shaped models share.
    Without ``model_sha256`` the hash is that of the model as ``HardwareModel.save`` writes it;
    pass the hash of the user's file (as the CLI does) to tie the design to that file.
    """
    if model_sha256 is None:
        with tempfile.TemporaryDirectory() as tmp:
            model_sha256 = file_sha256(model.save(Path(tmp) / "model.npz"))
    need, _ = core_params(model, lanes)
    params = params or need
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in SOURCES:
        atomic_write(out / name, lambda tmp, name=name: shutil.copyfile(packaged("hls", "rtl", name), tmp))
    atomic_write_text(out / f"{TOP}.v", top_text(params, model_sha256))
    write_images(model, out, params)
    manifest = {
        "top": TOP,
        "sources": [*SOURCES, f"{TOP}.v"],
        "include_dirs": [],
        "model_sha256": model_sha256,
        "parameters": params.to_json(),
        "memory_images": _image_names(params),
    }
    atomic_write_json(out / "manifest.json", manifest)
    return manifest


def _image_names(params: CoreParams) -> list[str]:
    return [f"l{i}_{s}.mem" for i in range(len(params.layers)) for s in ("ptr", "w", "nrn")]
