"""Random valid hardware models, for tests, benchmarks and the demo before a trained model exists."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from spikeforge.hw.layers import DenseLayer, signed_range, weight_dtype
from spikeforge.hw.model import HardwareModel


def random_model(
    sizes: Sequence[int],
    *,
    seed: int = 0,
    weight_bits: int | Sequence[int] = 4,
    membrane_bits: int | Sequence[int] = 16,
    density: float | Sequence[float] = 0.5,
    leak_shift: int | None | Sequence[int | None] = 4,
    reset: str | Sequence[str] = "subtract",
    readout: str = "count",
    threshold_scale: float = 1.0,
) -> HardwareModel:
    """A model with layer widths ``sizes`` (n_inputs first); per-layer options take a scalar or a list.

    Thresholds are drawn around the typical input current (so neurons do fire) times
    ``threshold_scale``, clipped to the membrane range; biases are small.
    """
    rng = np.random.default_rng(seed)
    n_layers = len(sizes) - 1

    def per_layer(value, i):
        return value[i] if isinstance(value, list | tuple) else value

    layers = []
    for i in range(n_layers):
        n_in, n_out = int(sizes[i]), int(sizes[i + 1])
        wb, m = per_layer(weight_bits, i), per_layer(membrane_bits, i)
        lo, hi = signed_range(wb)
        weight = rng.integers(lo, hi + 1, size=(n_out, n_in))
        weight[rng.random(weight.shape) >= per_layer(density, i)] = 0
        typical = max(1.0, np.abs(weight).sum(axis=1).mean() * 0.15)
        theta_hi = signed_range(m)[1]
        threshold = np.clip(rng.uniform(0.5, 1.5, n_out) * typical * threshold_scale, 1, theta_hi).astype(
            np.int32
        )
        bias_mag = max(1, int(typical // 4))
        bias = rng.integers(-bias_mag, bias_mag + 1, size=n_out).astype(np.int32)
        layers.append(
            DenseLayer(
                weight=weight.astype(weight_dtype(wb)),
                threshold=threshold,
                bias=bias,
                weight_bits=wb,
                membrane_bits=m,
                leak_shift=per_layer(leak_shift, i),
                reset=per_layer(reset, i),
                name=f"layer{i}",
            )
        )
    return HardwareModel(
        layers=tuple(layers), readout=readout, extra={"source": "random_model", "seed": seed}
    )
