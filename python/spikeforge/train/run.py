"""Train, export and evaluate in one call (what `spikeforge train` and the demo flow run).

Writes DIR/checkpoint.pt, DIR/model.npz, DIR/report.json, DIR/report.md and
DIR/learning_curve.png. "Hardware accuracy" is the exported integer model's accuracy under the
golden simulator; the torch integer-exact mode is checked against it on the whole test split.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spikeforge.data.datasets import load_dataset
from spikeforge.export import choose_membrane_bits, integer_readout, to_hardware_model
from spikeforge.hw import golden
from spikeforge.hw.model import HardwareModel
from spikeforge.train.checkpoint import save_checkpoint
from spikeforge.train.config import TrainConfig
from spikeforge.train.loop import float_accuracy, train
from spikeforge.train.report import write_reports


@dataclass
class TrainReport:
    """Measured outcome of one run (report.json)."""

    dataset: dict[str, Any]
    train_config: dict[str, Any]
    training: dict[str, Any]
    float_accuracy: dict[str, float]
    hardware_accuracy: dict[str, float]
    integer_exact_mismatches: int  # test samples whose torch integer-mode readout differs from golden's
    membrane_bits: list[int]
    model: dict[str, Any]
    history: list[dict[str, float]]
    files: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def run_training(cfg: TrainConfig, output_dir: Path, *, quiet: bool = False) -> TrainReport:
    """Train on cfg.dataset, export the hardware model and write every output file into ``output_dir``."""
    output_dir = Path(output_dir)
    dataset = load_dataset(cfg.dataset)
    result = train(dataset, cfg, quiet=quiet)
    model = result.model

    def spikes(split: str) -> np.ndarray:
        return dataset.spike_trains(split, cfg.timesteps, cfg.encoder)

    float_acc = {s: float_accuracy(model, spikes(s), dataset.labels(s)) for s in ("val", "test")}
    bits = choose_membrane_bits(model, spikes("train"))
    hw = to_hardware_model(model, bits)
    hw_acc = {s: float(np.mean(golden.run(hw, spikes(s)).prediction == dataset.labels(s))) for s in ("val", "test")}
    golden_test = golden.run(hw, spikes("test")).readout
    mismatches = int(np.any(integer_readout(model, hw, spikes("test")) != golden_test, axis=1).sum())
    extra = {
        **hw.extra,
        "dataset": cfg.dataset,
        "split_seed": dataset.describe()["split_seed"],
        "timesteps": cfg.timesteps,
        "encoder": cfg.encoder,
        "seed": cfg.seed,
        "float_accuracy": float_acc,
        "hardware_accuracy": hw_acc,
        "train_config": cfg.to_json(),
    }
    hw = HardwareModel(layers=hw.layers, readout=hw.readout, extra=extra)
    files = {
        "checkpoint": str(save_checkpoint(output_dir / "checkpoint.pt", model, train_config=cfg.to_json(),
                                          meta={k: v for k, v in extra.items() if k != "train_config"})),
        "model": str(hw.save(output_dir / "model.npz")),
    }
    report = TrainReport(
        dataset=dataset.describe(),
        train_config=cfg.to_json(),
        training=result.summary(),
        float_accuracy=float_acc,
        hardware_accuracy=hw_acc,
        integer_exact_mismatches=mismatches,
        membrane_bits=bits,
        model=hw.summary()["total"],
        history=result.history,
        files=files,
    )
    report.files |= write_reports(report.to_json(), output_dir)
    return report
