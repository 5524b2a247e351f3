"""Parameters of the event-driven core: one ``LayerParams`` per layer (names as in hls/rtl/sf_layer.v)
and the ``CoreParams`` of a whole design, computed from a hardware model and a lane count per layer.

The Verilog writer turns them into module parameters and memory images; the resource model prices
them. Designs of models with the same structure can share one compiled simulator: ``merge_params``
widens memories to fit all of them, and ``fits`` says whether a model fits a given core.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np

from spikeforge.core.layout import LayerLayout, layer_layout
from spikeforge.errors import SpikeforgeError
from spikeforge.hw.model import HardwareModel

LANES = (1, 2, 4, 8, 16)
# fields of LayerParams that may grow to fit several models in one build; the rest must match
WIDENABLE = ("SLOTS", "CB", "AW", "BW")
EQ_LOG = 5  # log2 depth of each bank's event queue: absorbs the banks' per-event imbalance


def address_bits(n: int) -> int:
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
    EQ_LOG: int
    OUT_W: int

    def derived(self) -> LayerParams:
        """Recompute the widths that follow from the others (after widening)."""
        return replace(self, SA=address_bits(self.SLOTS), UW=max(self.M, self.AW, self.BW) + 2)


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


def lanes_per_layer(lanes: int | list[int] | tuple[int, ...], n_layers: int) -> list[int]:
    per = list(lanes) if isinstance(lanes, list | tuple) else [lanes] * n_layers
    if len(per) != n_layers:
        raise SpikeforgeError(f"lanes gives {len(per)} values but the model has {n_layers} layers")
    for p in per:
        if p not in LANES:
            raise SpikeforgeError(f"lanes must be one of {', '.join(map(str, LANES))}, got {p}")
    return per


def layouts(model: HardwareModel, lanes: int | list[int] = 1) -> list[LayerLayout]:
    """Memory layout of every layer; a hidden layer's outputs are padded to ROWS*P next-layer inputs."""
    per = lanes_per_layer(lanes, len(model.layers))
    out: list[LayerLayout] = []
    n_in = model.n_inputs
    for layer, p in zip(model.layers, per, strict=True):
        lay = layer_layout(layer.weight.astype(np.int64), layer.threshold, layer.bias, p, n_in)
        out.append(lay)
        n_in = lay.rows * p
    return out


def layer_params(
    *,
    prev: LayerParams | None,
    n_inputs: int,
    p: int,
    rows: int,
    slots: int,
    max_slot_count: int,
    wb: int,
    m: int,
    l1: int | float,
    bw: int,
    leak_shift: int | None,
    reset: str,
    last: bool,
    readout: str,
) -> LayerParams:
    """The sf_layer parameters of one layer, as the generator builds them (and the differentiable resource
    model estimates them). ``prev``: the previous layer's parameters (None for the first layer, whose inputs
    are the model's ``n_inputs``); ``slots``: depth of the deepest bank's synapse list;
    ``max_slot_count``: most
    synapses of one input onto one bank;
    ``l1``: largest L1 norm of one neuron's integer weights (the estimate passes its expected value, a
    float >= 1); ``bw``: bias width."""
    n_in, ia = (n_inputs, address_bits(n_inputs)) if prev is None else (prev.ROWS * prev.P, prev.RB + prev.LP)
    fire = not (last and readout == "membrane")
    rb = address_bits(rows)
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
        FIFO_LOG=min(4, address_bits(rows + 1)) if last else min(9, max(3, address_bits(rows + 6))),
        EQ_LOG=EQ_LOG,
        OUT_W=(rb + 32 * p) if last else (2 + rb + p),
    ).derived()


def core_params(model: HardwareModel, lanes: int | list[int] = 1) -> tuple[CoreParams, list[LayerLayout]]:
    """Parameters of the smallest core that holds ``model`` with ``lanes`` per layer, and its layouts."""
    lays = layouts(model, lanes)
    params: list[LayerParams] = []
    for index, (layer, lay) in enumerate(zip(model.layers, lays, strict=True)):
        params.append(
            layer_params(
                prev=params[-1] if params else None,
                n_inputs=model.n_inputs,
                p=lay.lanes,
                rows=lay.rows,
                slots=lay.slots,
                max_slot_count=int(lay.count.max(initial=0)),
                wb=layer.weight_bits,
                m=layer.membrane_bits,
                l1=int(np.abs(lay.weight).sum(axis=1).max()),
                bw=max(2, int(np.abs(lay.bias).max(initial=0)).bit_length() + 1),
                leak_shift=layer.leak_shift,
                reset=layer.reset,
                last=index == len(model.layers) - 1,
                readout=model.readout,
            )
        )
    return CoreParams(model.n_inputs, model.n_outputs, model.readout, tuple(params)), lays


def _structure(params: CoreParams) -> tuple:
    """What must be equal for two models to share a core: everything but the widenable sizes."""
    derived = WIDENABLE + ("SA", "UW")
    layers = tuple(tuple((k, v) for k, v in asdict(lp).items() if k not in derived) for lp in params.layers)
    return params.n_inputs, params.n_outputs, params.readout, layers


def merge_params(params: list[CoreParams]) -> CoreParams:
    """One core that fits every model of ``params`` (same structure): memories and widths widened."""
    first = params[0]
    if any(_structure(cp) != _structure(first) for cp in params):
        raise SpikeforgeError(
            "the models differ in structure (sizes, bits, leak, reset, readout, lanes); "
            "they cannot share a core"
        )
    layers = [
        replace(lp, **{k: max(getattr(cp.layers[i], k) for cp in params) for k in WIDENABLE}).derived()
        for i, lp in enumerate(first.layers)
    ]
    return replace(first, layers=tuple(layers))


def fits(need: CoreParams, have: CoreParams) -> bool:
    return _structure(need) == _structure(have) and all(
        getattr(a, k) <= getattr(b, k)
        for a, b in zip(need.layers, have.layers, strict=True)
        for k in WIDENABLE
    )
