"""An imported model on a registered dataset: membrane bits, the SPEC hardware model and its accuracy."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from spikeforge.data.datasets import load_dataset
from spikeforge.errors import SpikeforgeError
from spikeforge.hw.model import HardwareModel
from spikeforge.snn import SpikingMLP
from spikeforge.train.exported import export_and_check


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
    checked = export_and_check(model, data, timesteps, encoder, splits=("test",))
    evaluation = {
        "dataset": name,
        "timesteps": timesteps,
        "encoder": encoder,
        "membrane_bits": checked.membrane_bits,
        "float_accuracy": checked.float_accuracy["test"],
        "hardware_accuracy": checked.hardware_accuracy["test"],
    }
    extra = {
        **checked.hw.extra,
        **meta,
        "dataset": name,
        "split_seed": data.describe()["split_seed"],
        "timesteps": timesteps,
        "encoder": encoder,
        "float_accuracy": {"test": evaluation["float_accuracy"]},
        "hardware_accuracy": {"test": evaluation["hardware_accuracy"]},
    }
    return replace(checked.hw, extra=extra), evaluation
