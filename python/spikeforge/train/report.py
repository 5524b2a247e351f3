"""report.json, report.md and learning_curve.png of a training run (written atomically)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from spikeforge.atomic import atomic_write, atomic_write_json, atomic_write_text


def plot_learning_curve(history: list[dict[str, float]], path: Path) -> None:
    """Training loss and train/validation accuracy per epoch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(9, 3.5))
    ax_loss.plot(epochs, [h["train_loss"] for h in history], marker=".")
    ax_loss.set(xlabel="epoch", ylabel="cross-entropy", title="training loss")
    ax_acc.plot(epochs, [h["train_accuracy"] for h in history], marker=".", label="train (float)")
    ax_acc.plot(epochs, [h["val_accuracy"] for h in history], marker=".", label="validation (float)")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy")
    ax_acc.legend()
    fig.tight_layout()
    atomic_write(path, lambda tmp: fig.savefig(tmp, dpi=100, format="png"))
    plt.close(fig)


def markdown(report: dict[str, Any]) -> str:
    """The human-readable report."""
    cfg, tr, ds = report["train_config"], report["training"], report["dataset"]
    fa, ha = report["float_accuracy"], report["hardware_accuracy"]
    sizes = " -> ".join(str(n) for n in [ds["n_inputs"], *cfg["hidden"], ds["n_classes"]])
    lines = [
        f"# Training report: {ds['name']}",
        "",
        f"Network {sizes}, {cfg['weight_bits']}-bit weights, T={cfg['timesteps']} ({cfg['encoder']} code), "
        f"leak shift {cfg['leak_shift']}, reset {cfg['reset']}, readout {cfg['readout']}, seed {cfg['seed']}.",
        f"Splits (seed {ds['split_seed']}): " + ", ".join(f"{k} {v}" for k, v in ds["sizes"].items()) + ".",
        "",
        "| split | float accuracy | hardware accuracy (golden simulator) |",
        "|---|---|---|",
        *(f"| {s} | {100 * fa[s]:.2f}% | {100 * ha[s]:.2f}% |" for s in fa),
        "",
        f"Training: {tr['epochs_run']} epochs ({'stopped early' if tr['stopped_early'] else 'all'}), best epoch "
        f"{tr['best_epoch']}, {tr['train_seconds']:.1f} s.",
        f"Membrane bits per layer: {report['membrane_bits']}.",
        f"Integer-exact torch mode vs golden simulator on the test split: {report['integer_exact_mismatches']} "
        "mismatching readouts.",
        "",
        "![learning curve](learning_curve.png)",
        "",
    ]
    return "\n".join(lines)


def write_reports(report: dict[str, Any], output_dir: Path) -> dict[str, str]:
    """Write report.json, report.md and learning_curve.png; returns their paths."""
    output_dir.mkdir(parents=True, exist_ok=True)
    paths = {
        "report_json": output_dir / "report.json",
        "report_md": output_dir / "report.md",
        "learning_curve": output_dir / "learning_curve.png",
    }
    plot_learning_curve(report["history"], paths["learning_curve"])
    files = {k: str(v) for k, v in paths.items()}
    full = {**report, "files": {**report["files"], **files}}
    atomic_write_json(paths["report_json"], full)
    atomic_write_text(paths["report_md"], markdown(full))
    return files
