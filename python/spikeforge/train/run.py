"""Train, export and evaluate in one call (what `spikeforge train` and the demo flow run).

Writes DIR/checkpoint.pt, DIR/model.npz, DIR/report.json, DIR/report.md and
DIR/learning_curve.png. "Hardware accuracy" is the exported integer model's accuracy under the
golden simulator.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from spikeforge.atomic import incomplete_while_writing
from spikeforge.data.datasets import load_dataset
from spikeforge.train.checkpoint import save_checkpoint
from spikeforge.train.config import TrainConfig
from spikeforge.train.exported import export_and_check
from spikeforge.train.loop import train
from spikeforge.train.report import write_reports


@dataclass
class TrainReport:
    """Measured outcome of one run (report.json)."""

    dataset: dict[str, Any]
    train_config: dict[str, Any]
    training: dict[str, Any]
    float_accuracy: dict[str, float]
    hardware_accuracy: dict[str, float]
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

    checked = export_and_check(model, dataset, cfg.timesteps, cfg.encoder)
    float_acc, hw_acc = checked.float_accuracy, checked.hardware_accuracy
    extra = {
        **checked.hw.extra,
        "dataset": cfg.dataset,
        "split_seed": dataset.describe()["split_seed"],
        "timesteps": cfg.timesteps,
        "encoder": cfg.encoder,
        "seed": cfg.seed,
        "float_accuracy": float_acc,
        "hardware_accuracy": hw_acc,
        "train_config": cfg.to_json(),
    }
    hw = replace(checked.hw, extra=extra)
    with incomplete_while_writing(output_dir, "spikeforge train"):
        files = {
            "checkpoint": str(
                save_checkpoint(
                    output_dir / "checkpoint.pt",
                    model,
                    train_config=cfg.to_json(),
                    meta={k: v for k, v in extra.items() if k != "train_config"},
                )
            ),
            "model": str(hw.save(output_dir / "model.npz")),
        }
        report = TrainReport(
            dataset=dataset.describe(),
            train_config=cfg.to_json(),
            training=result.summary(),
            float_accuracy=float_acc,
            hardware_accuracy=hw_acc,
            membrane_bits=checked.membrane_bits,
            model=hw.summary()["total"],
            history=result.history,
            files=files,
        )
        report.files |= write_reports(report.to_json(), output_dir)
    return report
