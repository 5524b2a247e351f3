"""Hypothesis strategies for valid hardware models and spike trains across the SPEC parameter space."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from spikeforge.hw.layers import DenseLayer, signed_range
from spikeforge.hw.model import HardwareModel


@st.composite
def dense_layers(draw, n_in: int, n_out: int, name: str) -> DenseLayer:
    wb = draw(st.integers(2, 16))
    m = draw(st.integers(2, 32))
    lo, hi = signed_range(wb)
    density = draw(st.sampled_from([0.0, 0.2, 0.5, 1.0]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    weight = rng.integers(lo, hi + 1, size=(n_out, n_in))
    weight[rng.random(weight.shape) >= density] = 0
    theta_hi = 2 ** (m - 1) - 1
    # Thresholds near the reachable current so that neurons fire, saturate, or both.
    scale = max(1, min(theta_hi, int(np.abs(weight).sum(axis=1).max() or 1)))
    threshold = rng.integers(1, scale + 1, size=n_out).clip(1, theta_hi).astype(np.int32)
    bias_mag = draw(st.sampled_from([0, 1, scale, 2**31 - 1]))
    bias = rng.integers(-bias_mag, bias_mag, size=n_out, endpoint=True).astype(np.int32)
    leak = draw(st.one_of(st.none(), st.integers(0, m - 1)))
    reset = draw(st.sampled_from(["subtract", "zero"]))
    dtype = np.int8 if wb <= 8 else np.int16
    return DenseLayer(weight.astype(dtype), threshold, bias, wb, m, leak, reset, name)


@st.composite
def hardware_models(draw, max_layers: int = 3, max_width: int = 12) -> HardwareModel:
    n_layers = draw(st.integers(1, max_layers))
    sizes = [draw(st.integers(1, max_width)) for _ in range(n_layers + 1)]
    layers = [draw(dense_layers(sizes[i], sizes[i + 1], f"layer{i}")) for i in range(n_layers)]
    readout = draw(st.sampled_from(["count", "membrane"]))
    return HardwareModel(tuple(layers), readout, {"source": "hypothesis"})


@st.composite
def spike_trains(draw, n_inputs: int, max_batch: int = 4, max_steps: int = 8) -> np.ndarray:
    batch = draw(st.integers(1, max_batch))
    steps = draw(st.integers(1, max_steps))
    p = draw(st.sampled_from([0.0, 0.1, 0.5, 1.0]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return rng.random((batch, steps, n_inputs)) < p
