"""Cycles model of the HLS kernel, read off its loop structure (unverified until Vitis HLS reports it).

Per layer and sample: every input word costs one cycle to read, plus one cycle per fan-out slot it
walks (PIPELINE II=1, ``ceil(fan-out / P)`` slots); every end-of-timestep marker costs one cycle
plus one per neuron update (II=1, one neuron per cycle); each packet starts with a one-per-neuron
clearing loop. Layers run concurrently under DATAFLOW, so a sample's interval is the busiest
layer's count. Pipeline fill and FIFO latency are not counted; samples go one per packet.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from spikeforge.core.params import lanes_per_layer
from spikeforge.estimate.activity import Activity, measured
from spikeforge.hw.model import HardwareModel

VERIFIED = False  # no Vitis HLS report has confirmed these counts


def _activity(model: HardwareModel, activity: Activity | np.ndarray) -> Activity:
    return activity if isinstance(activity, Activity) else measured(model, activity)


def hls_layer_cycles(
    model: HardwareModel, activity: Activity | np.ndarray, lanes: int | Sequence[int] = 1
) -> np.ndarray:
    """Modelled cycles [L, B] of every layer for every sample. ``activity``: an estimate Activity (measured
    or assumed rates per layer input) or input spike trains [B, T, n_inputs] (measured with golden)."""
    per = lanes_per_layer(lanes, len(model.layers))
    act = _activity(model, activity)
    rows = []
    for layer, x, p in zip(model.layers, act.layers, per, strict=True):
        slots = -(-layer.fanout() // p)  # fan-out slots of each input [n_in]
        x = np.asarray(x, dtype=np.float64)
        steps = x.shape[1]
        events = x.sum(axis=(1, 2))
        walks = (x @ slots.astype(np.float64)).sum(axis=1)
        rows.append(layer.n_out + events + walks + steps * (1 + layer.n_out))
    return np.stack(rows)


def hls_cycles_per_sample(
    model: HardwareModel, activity: Activity | np.ndarray, lanes: int | Sequence[int] = 1
) -> np.ndarray:
    """Modelled interval of each sample [B] in cycles: the busiest layer (DATAFLOW)."""
    return hls_layer_cycles(model, activity, lanes).max(axis=0)


def hls_cycles_report(
    model: HardwareModel,
    activity: Activity | np.ndarray,
    lanes: int | Sequence[int] = 1,
    clock_mhz: float = 100.0,
) -> dict[str, Any]:
    """JSON-able summary of the modelled HLS kernel timing, labelled unverified."""
    layers = hls_layer_cycles(model, activity, lanes)
    cycles = float(layers.max(axis=0).mean())
    return {
        "backend": "hls",
        "verified": VERIFIED,
        "basis": "loop structure of the HLS kernel (II=1 per word, fan-out slot and neuron update), "
        "unverified until Vitis HLS synthesizes it",
        "lanes": lanes_per_layer(lanes, len(model.layers)),
        "cycles_per_sample": cycles,
        "layer_cycles": [float(c) for c in layers.mean(axis=1)],
        "clock_mhz": clock_mhz,
        "latency_us": cycles / clock_mhz,
        "samples_per_s": clock_mhz * 1e6 / cycles if cycles else None,
    }
