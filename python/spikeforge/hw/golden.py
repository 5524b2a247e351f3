"""The golden simulator: SPEC section 1 semantics, bit for bit, vectorized over a batch.

Layers are feed-forward and a layer's spikes at ``t`` depend only on its inputs up to ``t``, so
the simulator runs layer by layer over all timesteps at once: the layer type forms the exact
synaptic currents of every (sample, timestep) in one vectorized step, then a short elementwise
loop over time updates the neuron state. This is the one implementation of the semantics in the
package; the export measures membrane peaks with it, and the tests check it against an
independent event-by-event reference.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spikeforge.errors import SpikeforgeError
from spikeforge.hw.layers import signed_range
from spikeforge.hw.model import HardwareModel


@dataclass(frozen=True)
class GoldenResult:
    """Readout [B, n_out] int32; when recorded, every layer's output spikes [B, T, n_out] (bool) and its
    peak ``|v_leak + I|`` before the clamp (how many membrane bits the data needs)."""

    readout: np.ndarray
    layer_spikes: tuple[np.ndarray, ...] | None = None
    peaks: tuple[int, ...] | None = None

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
        raise SpikeforgeError(
            f"spike trains must have shape [batch, timesteps, {n_inputs}], got {list(spikes.shape)}"
        )
    if spikes.shape[2] != n_inputs:
        raise SpikeforgeError(
            f"spike trains have {spikes.shape[2]} inputs but the model has n_inputs={n_inputs}"
        )
    if spikes.shape[1] < 1:
        raise SpikeforgeError("spike trains must have at least one timestep")
    if spikes.dtype != np.bool_:
        if spikes.dtype.kind not in "biuf":
            raise SpikeforgeError(f"spike trains must be numeric 0/1 values, got dtype {spikes.dtype}")
        if spikes.size and not np.isin(spikes, (0, 1)).all():
            raise SpikeforgeError("spike trains must hold only 0 and 1")
        spikes = spikes.astype(bool)
    return spikes


def run(model: HardwareModel, spikes: np.ndarray, *, record: bool = False) -> GoldenResult:
    """Simulate a batch of samples. ``spikes``: [B, T, n_inputs] of 0/1."""
    x = check_spike_trains(spikes, model.n_inputs)
    batch, steps, _ = x.shape
    recorded, peaks = [], []
    v = None
    for index, layer in enumerate(model.layers):
        fires = not (index == len(model.layers) - 1 and model.readout == "membrane")
        current = layer.synaptic_current(x) + layer.neuron_bias()
        theta = layer.neuron_threshold()
        lo, hi = signed_range(layer.membrane_bits)
        k = layer.leak_shift
        v = np.zeros((batch, layer.n_out), dtype=np.int64)
        out = np.zeros((batch, steps, layer.n_out), dtype=bool)
        peak = 0
        for t in range(steps):
            if k is not None:
                v = v - (v >> k)  # numpy >> on signed ints is arithmetic: floor division by 2^k
            u = v + current[:, t]
            if record and u.size:
                peak = max(peak, int(np.abs(u).max()))
            u = np.clip(u, lo, hi)
            if not fires:
                v = u
                continue
            spike = u >= theta
            v = np.where(spike, u - theta if layer.reset == "subtract" else 0, u)
            out[:, t] = spike
        recorded.append(out)
        peaks.append(peak)
        x = out
    readout = recorded[-1].sum(axis=1, dtype=np.int64) if model.readout == "count" else v
    return GoldenResult(
        readout=readout.astype(np.int32),
        layer_spikes=tuple(recorded) if record else None,
        peaks=tuple(peaks) if record else None,
    )
