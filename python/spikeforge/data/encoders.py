"""Deterministic spike encoders for static data: intensities in [0, 1] -> spike trains [..., T, n].

No random numbers: the same image always gives the same spikes, so a hardware run can be
replayed and compared bit for bit.
"""

from __future__ import annotations

import numpy as np

from spikeforge.errors import SpikeforgeError


def _check(intensity: np.ndarray, timesteps: int) -> np.ndarray:
    x = np.asarray(intensity, dtype=np.float64)
    if timesteps < 1:
        raise SpikeforgeError(f"timesteps must be at least 1, got {timesteps}")
    if x.size and (np.isnan(x).any() or x.min() < 0.0 or x.max() > 1.0):
        raise SpikeforgeError("intensities must lie in [0, 1]; scale the data first")
    return x


def rate_encode(intensity: np.ndarray, timesteps: int) -> np.ndarray:
    """Integrate-and-fire rate code: an input accumulates x per step and spikes on each integer crossing.

    Input [..., n] -> bool [..., T, n]; an input of intensity x spikes floor(x * T) times
    (within float rounding of x * T), spread evenly, the first spike at step ceil(1/x) - 1.
    """
    x = _check(intensity, timesteps)
    t = np.arange(1, timesteps + 1, dtype=np.float64).reshape(timesteps, 1)
    level = np.floor(x[..., None, :] * t)  # accumulated charge after each step, in whole spikes
    previous = np.concatenate([np.zeros_like(level[..., :1, :]), level[..., :-1, :]], axis=-2)
    return level > previous


def latency_encode(intensity: np.ndarray, timesteps: int, threshold: float = 0.0) -> np.ndarray:
    """Time-to-first-spike code: one spike per input, at t = round((1 - x) * (T - 1)); none if x <= threshold.

    Input [..., n] -> bool [..., T, n]; brighter inputs spike earlier.
    """
    x = _check(intensity, timesteps)
    when = np.rint((1.0 - x) * (timesteps - 1)).astype(np.int64)
    fires = x > threshold
    steps = np.arange(timesteps).reshape(timesteps, 1)
    return (when[..., None, :] == steps) & fires[..., None, :]


ENCODERS = {"rate": rate_encode, "latency": latency_encode}


def encode(intensity: np.ndarray, timesteps: int, encoder: str = "rate") -> np.ndarray:
    """Encode with the named encoder (``rate`` or ``latency``)."""
    try:
        fn = ENCODERS[encoder]
    except KeyError:
        raise SpikeforgeError(f"unknown encoder {encoder!r}; choose one of {', '.join(ENCODERS)}") from None
    return fn(intensity, timesteps)
