"""Export a SpikingMLP to a HardwareModel (SPEC sections 1-2) and evaluate it in integer-exact mode.

Weights are the quantizer's integers (the scale is a power of two, so w_float = w_int * s exactly);
thresholds and biases are divided by s and rounded; the leak shift is copied. The membrane width m
of each layer is the smallest that holds the largest |v_leak + I| measured on calibration data
(without saturation) and the threshold, plus ``guard_bits`` of headroom.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from spikeforge.errors import SpikeforgeError
from spikeforge.hw import golden
from spikeforge.hw.layers import MEMBRANE_BITS_MAX, DenseLayer, signed_range, weight_dtype
from spikeforge.hw.model import HardwareModel
from spikeforge.snn import SpikingMLP


def integer_readout(
    model: SpikingMLP, spikes: np.ndarray, membrane_bits: list[int] | None = None
) -> tuple[np.ndarray, list[int]]:
    """SPEC readouts [B, n_out] of the model's exported integers (golden simulator) and each layer's peak
    ``|v_leak + I|``; ``membrane_bits=None`` uses the widest (32-bit) membranes, to measure the peaks."""
    bits = membrane_bits or [MEMBRANE_BITS_MAX] * len(model.layers)
    result = golden.run(to_hardware_model(model, bits), spikes, record=True)
    return result.readout, list(result.peaks)


def choose_membrane_bits(model: SpikingMLP, calibration: np.ndarray, guard_bits: int = 1) -> list[int]:
    """Per-layer m: sign bit + bits of max(peak |v_leak + I| on ``calibration``, threshold) + guard bits, and
    at least leak_shift + 1 (the contract's leak shift is below m)."""
    _, peaks = integer_readout(model, calibration)
    bits = []
    for i, (ints, peak) in enumerate(zip(model.integer_layers(), peaks, strict=True)):
        largest = max(peak, int(ints.threshold.max()), int(np.abs(ints.bias).max(initial=0)))
        m = max(1 + largest.bit_length() + guard_bits, (ints.leak_shift or 0) + 1)
        if m > MEMBRANE_BITS_MAX:
            raise SpikeforgeError(
                f"layer {i} needs a {m}-bit membrane, more than the {MEMBRANE_BITS_MAX} SPEC allows"
            )
        bits.append(m)  # >= 2 + guard_bits: the threshold is at least 1
    return bits


def to_hardware_model(
    model: SpikingMLP, membrane_bits: list[int], extra: dict[str, Any] | None = None
) -> HardwareModel:
    """The model's integers as a validated HardwareModel; ``extra`` goes into the file's meta."""
    layers = []
    scales = []
    for i, (ints, m) in enumerate(zip(model.integer_layers(), membrane_bits, strict=True)):
        if ints.threshold.max() > signed_range(m)[1]:
            raise SpikeforgeError(
                f"layer {i} threshold {int(ints.threshold.max())} does not fit a {m}-bit membrane"
            )
        layers.append(
            DenseLayer(
                weight=ints.weight.astype(weight_dtype(ints.weight_bits)),
                threshold=ints.threshold.astype(np.int32),
                bias=ints.bias.astype(np.int32),
                weight_bits=ints.weight_bits,
                membrane_bits=m,
                leak_shift=ints.leak_shift,
                reset=ints.reset,
                name=f"layer{i}",
            )
        )
        scales.append(ints.scale)
    meta = {"source": "spikeforge.export", "weight_scales": scales, **(extra or {})}
    return HardwareModel(layers=tuple(layers), readout=model.readout, extra=meta)
