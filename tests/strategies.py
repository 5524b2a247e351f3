"""Hypothesis strategies for valid hardware models and spike trains across the SPEC parameter space,
and the seeded random model structures of the random-model suites (RTL, HLS)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st

from spikeforge.hw.layers import DenseLayer, signed_range
from spikeforge.hw.model import HardwareModel
from spikeforge.hw.random_model import random_model


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


def random_shape(
    seed: int,
    *,
    seed_base: int,
    layer_cycle: Sequence[int],
    lanes: Sequence[int],
    lanes_per_layer: bool = False,
) -> dict:
    """A random model structure for the random-model suites (RTL, HLS), fixed by ``seed``.

    Sizes, per-layer bits/leak/reset from ``default_rng(seed_base + seed)``; the layer count cycles
    through ``layer_cycle``; every fourth seed has k = 0 in the first layer; odd seeds read out the
    membrane. ``lanes``: one P per layer drawn from it (``lanes_per_layer``), else ``lanes[seed % len]``.
    """
    rng = np.random.default_rng(seed_base + seed)
    n_layers = layer_cycle[seed % len(layer_cycle)]
    sizes = [int(rng.integers(1, 40))] + [int(rng.integers(1, 24)) for _ in range(n_layers)]
    wb = [int(rng.integers(2, 17)) for _ in range(n_layers)]
    m = [int(rng.choice([2, 3, 8, 12, 16, 24, 32])) for _ in range(n_layers)]
    leak = [None if rng.random() < 0.3 else int(rng.integers(0, min(mi, 6))) for mi in m]
    if seed % 4 == 0:
        leak[0] = 0  # k = 0: the leak empties the membrane every step
    reset = [str(rng.choice(["subtract", "zero"])) for _ in range(n_layers)]
    if lanes_per_layer:
        p: int | list[int] = [int(rng.choice(lanes)) for _ in range(n_layers)]
    else:
        p = lanes[seed % len(lanes)]
    return dict(
        sizes=sizes,
        weight_bits=wb,
        membrane_bits=m,
        leak_shift=leak,
        reset=reset,
        readout="membrane" if seed % 2 else "count",
        lanes=p,
    )


def shape_model(shape: dict, seed: int) -> HardwareModel:
    """A random model of ``shape``: random density and thresholds; sometimes biases anywhere in int32."""
    rng = np.random.default_rng(seed)
    n = len(shape["sizes"]) - 1
    density = [float(rng.choice([0.05, 0.3, 0.7, 1.0])) for _ in range(n)]
    model = random_model(
        shape["sizes"],
        seed=seed,
        weight_bits=shape["weight_bits"],
        membrane_bits=shape["membrane_bits"],
        density=density,
        leak_shift=shape["leak_shift"],
        reset=shape["reset"],
        readout=shape["readout"],
        threshold_scale=float(rng.choice([0.3, 1.0, 3.0])),
    )
    if rng.random() < 0.3:  # exercise the clamp and the guard bits
        layers = []
        for layer in model.layers:
            lo, hi = signed_range(int(rng.choice([4, 16, 32])))
            bias = rng.integers(lo, hi + 1, size=layer.n_out, dtype=np.int64).astype(np.int32)
            layers.append(dataclasses.replace(layer, bias=bias))
        model = dataclasses.replace(model, layers=tuple(layers))
    return model
