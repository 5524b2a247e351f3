"""The golden simulator: SPEC section 1 semantics, bit for bit, vectorized over a batch.

Layers are feed-forward and a layer's spikes at ``t`` depend only on its inputs up to ``t``, so
the simulator runs layer by layer over all timesteps at once: one matrix product per layer for
the synaptic currents of every (sample, timestep), then a short elementwise loop over time for
the neuron state. The matrix product runs in floating point only when that is provably exact:
inputs are 0/1, so every partial sum of a row is bounded by the row's L1 norm, and float32
(float64) represent all integers up to 2^24 (2^53) exactly. Otherwise it runs in int64.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spikeforge.errors import SpikeforgeError
from spikeforge.hw.model import DenseLayer, HardwareModel, signed_range

_FLOAT32_EXACT = 1 << 24
FLOAT64_EXACT = 1 << 53


@dataclass(frozen=True)
class GoldenResult:
    """Readout [B, n_out] int32 and, when recorded, every layer's output spikes [B, T, n_out] (bool)."""

    readout: np.ndarray
    layer_spikes: tuple[np.ndarray, ...] | None = None

    @property
    def prediction(self) -> np.ndarray:
        return predict(self.readout)


def predict(readout: np.ndarray) -> np.ndarray:
    """Index of the largest readout per sample; ties go to the lowest index (numpy argmax does that)."""
    return np.argmax(readout, axis=-1)


def check_spike_trains(spikes: np.ndarray, n_inputs: int) -> np.ndarray:
    """Validate a [B, T, n_inputs] array of 0/1 values and return it as bool; SpikeforgeError otherwise."""
    spikes = np.asarray(spikes)
    if spikes.ndim != 3:
        raise SpikeforgeError(f"spike trains must have shape [batch, timesteps, {n_inputs}], got {list(spikes.shape)}")
    if spikes.shape[2] != n_inputs:
        raise SpikeforgeError(f"spike trains have {spikes.shape[2]} inputs but the model has n_inputs={n_inputs}")
    if spikes.shape[1] < 1:
        raise SpikeforgeError("spike trains must have at least one timestep")
    if spikes.dtype != np.bool_:
        if spikes.dtype.kind not in "biuf":
            raise SpikeforgeError(f"spike trains must be numeric 0/1 values, got dtype {spikes.dtype}")
        if spikes.size and not np.isin(spikes, (0, 1)).all():
            raise SpikeforgeError("spike trains must hold only 0 and 1")
        spikes = spikes.astype(bool)
    return spikes


def synaptic_current(layer: DenseLayer, spikes: np.ndarray) -> np.ndarray:
    """Exact sum_i w[j][i] * s[..., i] for 0/1 spikes [..., n_in], as int64 [..., n_out]."""
    bound = int(np.abs(layer.weight.astype(np.int64)).sum(axis=1).max())
    if bound < _FLOAT32_EXACT:
        dtype = np.float32
    elif bound < FLOAT64_EXACT:
        dtype = np.float64
    else:  # pragma: no cover - needs > 2^53 / 2^15 inputs
        dtype = np.int64
    flat = spikes.reshape(-1, layer.n_in).astype(dtype)
    current = flat @ layer.weight.T.astype(dtype)
    return current.astype(np.int64).reshape(*spikes.shape[:-1], layer.n_out)


def run(model: HardwareModel, spikes: np.ndarray, *, record: bool = False) -> GoldenResult:
    """Simulate a batch of samples. ``spikes``: [B, T, n_inputs] of 0/1."""
    x = check_spike_trains(spikes, model.n_inputs)
    batch, steps, _ = x.shape
    recorded = []
    v = None
    for index, layer in enumerate(model.layers):
        fires = not (index == len(model.layers) - 1 and model.readout == "membrane")
        current = synaptic_current(layer, x) + layer.bias.astype(np.int64)
        theta = layer.threshold.astype(np.int64)
        lo, hi = signed_range(layer.membrane_bits)
        k = layer.leak_shift
        v = np.zeros((batch, layer.n_out), dtype=np.int64)
        out = np.zeros((batch, steps, layer.n_out), dtype=bool)
        for t in range(steps):
            if k is not None:
                v = v - (v >> k)  # numpy >> on signed ints is arithmetic: floor division by 2^k
            u = np.clip(v + current[:, t], lo, hi)
            if not fires:
                v = u
                continue
            spike = u >= theta
            v = np.where(spike, u - theta if layer.reset == "subtract" else 0, u)
            out[:, t] = spike
        recorded.append(out)
        x = out
    readout = recorded[-1].sum(axis=1, dtype=np.int64) if model.readout == "count" else v
    return GoldenResult(
        readout=readout.astype(np.int32),
        layer_spikes=tuple(recorded) if record else None,
    )
