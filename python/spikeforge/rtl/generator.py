"""`generate_rtl(model, out_dir, lanes=...)`: a synthesizable design folder for one hardware model.

The Verilog lives in template files under hls/rtl (parameterized modules plus a small top
template); this module fills them in with the core's parameters (spikeforge.core), writes the
$readmemh images of every layer (pointer memory, per-bank synapse lists, neuron ROM) and
manifest.json (SPEC 4). ``write_images`` packs any model that fits an existing (merged) core.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path
from string import Template
from typing import Any

import numpy as np

from spikeforge._files import packaged
from spikeforge.atomic import atomic_write, atomic_write_json, atomic_write_text
from spikeforge.core.layout import LayerLayout
from spikeforge.core.params import CoreParams, LayerParams, core_params, fits
from spikeforge.errors import SpikeforgeError
from spikeforge.hw.model import HardwareModel, file_sha256

SOURCES = ("sf_fifo.v", "sf_input.v", "sf_layer.v", "sf_spike_ser.v", "sf_readout_ser.v")
TOP = "spikeforge_core"


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


def bank_file(index: int, bank: int) -> str:
    """Name of layer ``index``'s bank ``bank`` synapse list image (sf_layer.v: W_FILE + hex digit)."""
    return f"l{index}_w{bank:x}.mem"


def image_texts(lays: list[LayerLayout], params: CoreParams) -> dict[str, str]:
    """The $readmemh images of every layer, file name -> text, padded to the memory depths."""
    files: dict[str, str] = {}
    for index, (lay, lp) in enumerate(zip(lays, params.layers, strict=True)):
        ptr_fields = (lay.first << lp.CB) | lay.count  # [n_in, P]: {first entry, count} per bank
        ptr = _pack((lay.first.shape[0], lp.P), [(ptr_fields, lp.SA + lp.CB)])
        files[f"l{index}_ptr.mem"] = _hex_lines(ptr + [0] * (lp.N_IN - len(ptr)), lp.P * (lp.SA + lp.CB))
        mask = (1 << lp.WB) - 1
        for bank in range(lp.P):
            words = ((lay.entry_row[bank] << lp.WB) | (lay.entry_weight[bank] & mask)).tolist()
            words += [0] * (lp.SLOTS - len(words))
            files[bank_file(index, bank)] = _hex_lines(words, lp.RB + lp.WB)
        theta = lay.threshold.reshape(lp.ROWS, lp.P)
        bias = lay.bias.reshape(lp.ROWS, lp.P)
        words = _pack((lp.ROWS, lp.P), [(theta, lp.M), (bias, lp.BW)])
        files[f"l{index}_nrn.mem"] = _hex_lines(words, lp.P * (lp.M + lp.BW))
    return files


def write_images(model: HardwareModel, out_dir: str | os.PathLike, params: CoreParams) -> None:
    """Write the model's memory images for an existing core ``params`` (which must fit the model)."""
    need, lays = core_params(model, [lp.P for lp in params.layers])
    if not fits(need, params):
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
        f'.{k}("l{index}_{s}")'
        for k, s in (("PTR_FILE", "ptr.mem"), ("W_FILE", "w"), ("NRN_FILE", "nrn.mem"))
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
    return [
        name
        for i, lp in enumerate(params.layers)
        for name in (f"l{i}_ptr.mem", *(bank_file(i, b) for b in range(lp.P)), f"l{i}_nrn.mem")
    ]
