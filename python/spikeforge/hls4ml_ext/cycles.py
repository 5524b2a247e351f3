"""Cycles model of the HLS kernel, read off its loop structure (unverified until Vitis HLS reports it).

Per layer and sample: every input word costs one cycle to read, plus one cycle per fan-out slot it
walks (PIPELINE II=1, ``ceil(fan-out / P)`` slots); every end-of-timestep marker costs one cycle
plus one per neuron update (II=1, one neuron per cycle); each packet starts with a one-per-neuron
clearing loop. Layers run concurrently under DATAFLOW, so a sample's interval is the busiest
layer's count. Pipeline fill and FIFO latency are not counted.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from spikeforge.hls4ml_ext.convert import dense_view, lanes_per_layer
from spikeforge.hw import golden
from spikeforge.hw.model import HardwareModel


def hls_layer_cycles(model: HardwareModel, spikes: np.ndarray, lanes: int | Sequence[int] = 1) -> np.ndarray:
    """Modelled cycles of every layer for every sample, [L, B], samples one per packet."""
    per = lanes_per_layer(model, lanes)
    spikes = golden.check_spike_trains(spikes, model.n_inputs)
    hidden = golden.run(model, spikes, record=True).layer_spikes
    inputs = [spikes, *hidden[:-1]]
    steps = spikes.shape[1]
    rows = []
    for layer, x, p in zip(model.layers, inputs, per, strict=True):
        weight, _, _ = dense_view(layer)
        slots = -(-np.count_nonzero(weight, axis=0) // p)  # [n_in]
        x = x.astype(np.int64)
        events = x.sum(axis=(1, 2))  # [B]
        walks = (x @ slots).sum(axis=1)  # [B]
        markers = steps * (1 + layer.n_out)
        rows.append(layer.n_out + events + walks + markers)
    return np.stack(rows)


def hls_cycles_per_sample(model: HardwareModel, spikes: np.ndarray, lanes: int | Sequence[int] = 1) -> np.ndarray:
    """Modelled interval of each sample [B] in cycles: the busiest layer (DATAFLOW), one sample per packet."""
    return hls_layer_cycles(model, spikes, lanes).max(axis=0)
