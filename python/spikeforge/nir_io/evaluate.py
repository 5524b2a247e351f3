"""An imported model on a registered dataset: membrane bits, the SPEC hardware model and its accuracy."""

from __future__ import annotations

from typing import Any

import numpy as np

from spikeforge.data.datasets import load_dataset
from spikeforge.errors import SpikeforgeError
from spikeforge.export.hardware import choose_membrane_bits, integer_readout, to_hardware_model
from spikeforge.hw import golden
from spikeforge.hw.model import HardwareModel
from spikeforge.snn import SpikingMLP
from spikeforge.train.loop import float_accuracy


def evaluate_on_dataset(
    model: SpikingMLP, name: str, timesteps: int, encoder: str, meta: dict[str, Any]
) -> tuple[HardwareModel, dict[str, Any]]:
    """Calibrate membrane bits on the train split; float and hardware (golden) accuracy on the test split.

    The hardware model's meta records the encoding, so ``spikeforge simulate --dataset`` can re-encode.
    """
    data = load_dataset(name)
    n_in = model.config.sizes[0]
    if data.n_inputs != n_in:
        raise SpikeforgeError(f"dataset {name} has {data.n_inputs} inputs but the NIR graph takes {n_in}")
    train, test, labels = data.spike_trains("train", timesteps, encoder), data.spike_trains("test", timesteps, encoder), data.labels("test")
    bits = choose_membrane_bits(model, train)
    hw = to_hardware_model(model, bits)
    reference = golden.run(hw, test)
    evaluation = {
        "dataset": name, "timesteps": timesteps, "encoder": encoder, "membrane_bits": bits,
        "float_accuracy": float_accuracy(model, test, labels),
        "hardware_accuracy": float(np.mean(reference.prediction == labels)),
        "integer_exact_mismatches": int(np.any(integer_readout(model, hw, test) != reference.readout, axis=1).sum()),
    }
    extra = {**hw.extra, **meta, "dataset": name, "split_seed": data.describe()["split_seed"], "timesteps": timesteps,
             "encoder": encoder, "float_accuracy": {"test": evaluation["float_accuracy"]},
             "hardware_accuracy": {"test": evaluation["hardware_accuracy"]}}
    return HardwareModel(layers=hw.layers, readout=hw.readout, extra=extra), evaluation
