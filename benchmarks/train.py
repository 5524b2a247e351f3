"""Training targets, measured: train, export and evaluate the two reference networks; print a table.

    python benchmarks/train.py [--quick] [-o build/bench_train]

Rows: digits 64-128-10 and mnist5k 784-256-10, 4-bit weights, T=8 rate code. "Hardware
accuracy" is the exported model under the golden simulator on the test split.
Timings are wall-clock on whatever machine runs this (shared machines make them noisy).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from spikeforge.report import format_table
from spikeforge.snn import SNNOptions
from spikeforge.train.config import TrainConfig
from spikeforge.train.run import run_training


@dataclass
class Target:
    """One reference network and the numbers it must reach."""

    name: str
    config: TrainConfig
    min_hardware_accuracy: float
    max_train_seconds: float | None


TARGETS = [
    Target(
        "digits 64-128-10 4b",
        TrainConfig(dataset="digits", hidden=[128], snn=SNNOptions(weight_bits=4), epochs=30),
        0.95,
        120.0,
    ),
    Target(
        "mnist5k 784-256-10 4b",
        TrainConfig(
            dataset="mnist5k", hidden=[256], snn=SNNOptions(weight_bits=4), epochs=30, weight_decay=1e-4
        ),
        0.93,
        None,
    ),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=Path("build/bench_train"))
    parser.add_argument("--quick", action="store_true", help="digits only")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    rows = []
    for target in TARGETS[:1] if args.quick else TARGETS:
        report = run_training(target.config, args.output / target.config.dataset, quiet=args.quiet)
        hw, seconds = report.hardware_accuracy["test"], report.training["train_seconds"]
        ok = hw >= target.min_hardware_accuracy
        if target.max_train_seconds is not None:
            ok = ok and seconds < target.max_train_seconds
        rows.append(
            {
                "network": target.name,
                "epochs": report.training["epochs_run"],
                "train_s": round(seconds, 1),
                "target_s": target.max_train_seconds,
                "float_acc": f"{100 * report.float_accuracy['test']:.2f}%",
                "hw_acc": f"{100 * hw:.2f}%",
                "target_acc": f">={100 * target.min_hardware_accuracy:.0f}%",
                "test_n": report.dataset["sizes"]["test"],
                "membrane_bits": "/".join(map(str, report.membrane_bits)),
                "met": "yes" if ok else "NO",
            }
        )
    columns = list(rows[0])
    print(format_table(rows, columns))
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / "results.json").write_text(json.dumps(rows, indent=2))
    return 0 if all(r["met"] == "yes" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
