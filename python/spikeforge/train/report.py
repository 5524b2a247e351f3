"""report.json, report.md and learning_curve.png of a training run (written atomically)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spikeforge.report import Figure, new_figure, write_report


def plot_learning_curve(history: list[dict[str, float]]) -> Figure:
    """Training loss and train/validation accuracy per epoch."""
    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc) = new_figure(1, 2, size=(9, 3.5))
    ax_loss.plot(epochs, [h["train_loss"] for h in history], marker=".")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="training loss")
    ax_acc.plot(epochs, [h["train_accuracy"] for h in history], marker=".", label="train (float)")
    ax_acc.plot(epochs, [h["val_accuracy"] for h in history], marker=".", label="validation (float)")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    ax_acc.legend()
    return fig


def markdown(report: dict[str, Any]) -> str:
    """The human-readable report."""
    cfg, tr, ds = report["train_config"], report["training"], report["dataset"]
    snn = cfg["snn"]
    fa, ha = report["float_accuracy"], report["hardware_accuracy"]
    sizes = " -> ".join(str(n) for n in [ds["n_inputs"], *cfg["hidden"], ds["n_classes"]])
    lines = [
        f"# Training report: {ds['name']}",
        "",
        f"Network {sizes}, {snn['weight_bits']}-bit weights, T={cfg['timesteps']} ({cfg['encoder']} code), "
        f"leak shift {snn['leak_shift']}, reset {snn['reset']}, readout {snn['readout']}, "
        f"seed {cfg['seed']}.",
        f"Splits (seed {ds['split_seed']}): " + ", ".join(f"{k} {v}" for k, v in ds["sizes"].items()) + ".",
        "",
        "| split | float accuracy | hardware accuracy (golden simulator) |",
        "|---|---|---|",
        *(f"| {s} | {100 * fa[s]:.2f}% | {100 * ha[s]:.2f}% |" for s in fa),
        "",
        f"Training: {tr['epochs_run']} epochs ({'stopped early' if tr['stopped_early'] else 'all'}), "
        "best epoch "
        f"{tr['best_epoch']}, {tr['train_seconds']:.1f} s.",
        f"Membrane bits per layer: {report['membrane_bits']}.",
        "",
        "![learning curve](learning_curve.png)",
        "",
    ]
    return "\n".join(lines)


def write_reports(report: dict[str, Any], output_dir: Path) -> dict[str, str]:
    """Write report.json, report.md and learning_curve.png; returns their paths."""
    names = {"report_json": "report.json", "report_md": "report.md", "learning_curve": "learning_curve.png"}
    files = {k: str(output_dir / v) for k, v in names.items()}
    full = {**report, "files": {**report["files"], **files}}
    write_report(
        output_dir,
        full,
        markdown(full),
        {"learning_curve": (names["learning_curve"], plot_learning_curve(report["history"]))},
    )
    return files
