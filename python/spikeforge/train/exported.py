"""A trained model exported and checked on its dataset: membrane widths from the train split, then float and
hardware (golden simulator) accuracy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spikeforge.data.datasets import Dataset
from spikeforge.export.hardware import choose_membrane_bits, to_hardware_model
from spikeforge.hw import golden
from spikeforge.hw.model import HardwareModel
from spikeforge.snn import SpikingMLP
from spikeforge.train.loop import float_accuracy


@dataclass
class CheckedExport:
    hw: HardwareModel
    membrane_bits: list[int]
    float_accuracy: dict[str, float]
    hardware_accuracy: dict[str, float]


def export_and_check(
    model: SpikingMLP,
    dataset: Dataset,
    timesteps: int,
    encoder: str,
    splits: tuple[str, ...] = ("val", "test"),
) -> CheckedExport:
    """Export ``model`` (membrane widths calibrated on the train split) and evaluate it on ``splits`` (which
    must include test); the golden simulator runs once per split."""
    spikes = {s: dataset.spike_trains(s, timesteps, encoder) for s in ("train", *splits)}
    bits = choose_membrane_bits(model, spikes["train"])
    hw = to_hardware_model(model, bits)
    runs = {s: golden.run(hw, spikes[s]) for s in splits}
    return CheckedExport(
        hw=hw,
        membrane_bits=bits,
        float_accuracy={s: float_accuracy(model, spikes[s], dataset.labels(s)) for s in splits},
        hardware_accuracy={s: float(np.mean(runs[s].prediction == dataset.labels(s))) for s in splits},
    )
