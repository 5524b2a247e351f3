"""DIR/report.json + DIR/report.md with PNG plots for one compression run (written atomically)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from spikeforge.compress.pipeline import Outcome
from spikeforge.report import Figure, new_figure, write_report


def build(
    outcome: Outcome, dense: dict[str, Any], budget: dict[str, float], context: dict[str, Any]
) -> dict[str, Any]:
    """The JSON report: estimate vs budget per resource, per-layer density/bits, accuracies, nodes, curves."""
    hw = outcome.hw
    resources = [
        {
            "resource": k,
            "dense": dense["measured"].get(k),
            "compressed": outcome.measured[k],
            "expected_model": outcome.expected.get(k),
            "budget": budget.get(k),
            "meets": budget.get(k) is None or outcome.measured[k] <= budget[k],
        }
        for k in outcome.measured
    ]
    layers = [
        {
            "layer": i,
            "n_in": layer.n_in,
            "n_out": layer.n_out,
            "nonzeros": int(np.count_nonzero(layer.weight)),
            "density": float(np.count_nonzero(layer.weight) / layer.weight.size),
            "weight_bits": layer.weight_bits,
            "membrane_bits": layer.membrane_bits,
        }
        for i, layer in enumerate(hw.layers)
    ]
    steps = outcome.result.history.steps
    return {
        **context,
        "method": outcome.method,
        "budget": budget,
        "meets_budget": all(r["meets"] for r in resources),
        "resources": resources,
        "layers": layers,
        "hardware_accuracy": {
            "dense": dense["accuracy"],
            "compressed": {k: v for k, v in outcome.accuracy.items() if not k.startswith("float")},
        },
        "float_accuracy": {
            k.removeprefix("float_"): v for k, v in outcome.accuracy.items() if k.startswith("float")
        },
        "epochs": outcome.result.epochs,
        "tightenings_after_export": outcome.tightenings,
        "nodes": [vars(n) for n in outcome.result.nodes],
        "effort": {
            "plan": [vars(p) for p in outcome.result.plan],
            "expected_seconds": outcome.result.seconds_estimate,
        },
        "warnings": [],
        "curves": {
            "phase": [s.phase for s in steps],
            "loss": [s.loss for s in steps],
            "z": [s.z for s in steps],
            "y": [s.y for s in steps],
            "density": [s.density for s in steps],
            "bits": [s.bits for s in steps],
            "estimate": [s.estimate for s in steps],
        },
    }


def figures(report: dict[str, Any]) -> dict[str, tuple[str, Figure]]:
    """Three PNGs: resources and duals over iterations, per-layer density and bits, accuracy vs resources."""
    figs = {}
    curves, budget = report["curves"], report["budget"]
    fig, (ax1, ax2) = new_figure(2, 1, size=(7, 6), sharex=True)
    for name, limit in budget.items():  # scaled as in the objective: a zero budget counts in units
        values = [e[name] / max(limit, 1.0) for e in curves["estimate"]]
        ax1.plot(values, label=f"{name} (budget {limit:g})")
    ax1.axhline(1.0, color="k", lw=0.8, ls="--")
    if any(limit < 1.0 for limit in budget.values()):
        ax1.axhline(0.0, color="k", lw=0.8, ls=":")
    ax1.set_ylabel("estimate / max(budget, 1)")
    ax1.legend(fontsize=7)
    z = np.array(curves["z"]) if curves["z"] else np.zeros((0, 0))
    names = report["resource_names"]
    for i in range(z.shape[1] if z.size else 0):
        if names[i] in budget:
            ax2.plot(z[:, i], label=f"z[{names[i]}]")
    y = np.array(curves["y"]) if curves["y"] else np.zeros((0, 0))
    for i in range(y.shape[1] if y.size else 0):
        ax2.plot(y[:, i], ls=":", label=f"y[layer {i}]")
    ax2.set_yscale("symlog")
    ax2.set_xlabel("minibatch")
    ax2.set_ylabel("dual")
    ax2.legend(fontsize=7)
    figs["iterations"] = ("iterations.png", fig)

    fig, ax = new_figure()
    layers = report["layers"]
    idx = np.arange(len(layers))
    ax.bar(idx - 0.2, [la["density"] for la in layers], 0.4, label="density")
    ax.set_ylabel("density")
    ax.set_xlabel("layer")
    twin = ax.twinx()
    twin.bar(idx + 0.2, [la["weight_bits"] for la in layers], 0.4, color="tab:orange", label="weight bits")
    twin.set_ylabel("weight bits")
    ax.set_xticks(idx)
    fig.legend(loc="upper right", fontsize=7)
    figs["layers"] = ("layers.png", fig)

    binding = report.get("binding_resource") or binding_resource(report)
    row = next(r for r in report["resources"] if r["resource"] == binding)
    fig, (left, right) = new_figure(1, 2, size=(9, 3.5), sharex=True)
    pts = [(n["estimate"][binding], n["val_accuracy"]) for n in report["nodes"]]
    left.plot([p[0] for p in pts], [100 * p[1] for p in pts], "o-", label=f"{report['method']} nodes")
    if "val" in report.get("float_accuracy", {}):
        left.plot(
            [row["compressed"]], [100 * report["float_accuracy"]["val"]], "*", ms=12, label="compressed"
        )
    left.set_title("float model (QAT), val", fontsize=9)
    right.plot([row["dense"]], [100 * report["hardware_accuracy"]["dense"]["val"]], "s", label="dense")
    right.plot(
        [row["compressed"]],
        [100 * report["hardware_accuracy"]["compressed"]["val"]],
        "*",
        ms=12,
        label="compressed",
    )
    right.set_title("hardware model (golden simulator), val", fontsize=9)
    for ax in (left, right):
        ax.axvline(budget[binding], color="k", lw=0.8, ls="--")
        ax.set_xlabel(f"{binding} (binding budget)")
        ax.set_ylabel("accuracy %")
        ax.legend(fontsize=7)
    figs["accuracy"] = ("accuracy_vs_resources.png", fig)
    return figs


def binding_resource(report: dict[str, Any]) -> str:
    """The budget that cuts deepest: the largest dense-estimate-to-budget ratio (a zero budget cuts
    deepest)."""

    def ratio(r: dict[str, Any]) -> float:
        dense = r["dense"] or 0.0
        return dense / r["budget"] if r["budget"] > 0 else (float("inf") if dense > 0 else 0.0)

    return max((r for r in report["resources"] if r["budget"] is not None), key=ratio)["resource"]


def markdown(report: dict[str, Any]) -> str:
    """The human report: estimate vs budget per resource, accuracies, layers, plots."""
    acc = report["hardware_accuracy"]
    lines = [
        f"# Compression report: {report['method']} on {report['board']}",
        "",
        f"Checkpoint `{report['checkpoint']}`, dataset {report['dataset']}, seed {report['seed']}, "
        f"{report['epochs']:.1f} training epochs. "
        f"Budget met by the resource model: **{report['meets_budget']}**.",
        "",
        *(
            ["## Warnings", "", *[f"- **{w}**" for w in report.get("warnings", [])], ""]
            if report.get("warnings")
            else []
        ),
        "| resource | dense | compressed | budget | meets |",
        "|---|---:|---:|---:|---|",
    ]
    for r in report["resources"]:
        budget = "-" if r["budget"] is None else f"{r['budget']:.6g}"
        dense = "-" if r["dense"] is None else f"{r['dense']:.6g}"
        lines.append(
            f"| {r['resource']} | {dense} | {r['compressed']:.6g} | {budget} | "
            f"{'yes' if r['meets'] else 'NO'} |"
        )
    lines += [
        "",
        "| hardware accuracy (golden simulator) | val | test |",
        "|---|---:|---:|",
        f"| dense | {100 * acc['dense']['val']:.2f}% | {100 * acc['dense']['test']:.2f}% |",
        f"| compressed | {100 * acc['compressed']['val']:.2f}% | {100 * acc['compressed']['test']:.2f}% |",
        "",
        "| layer | shape | nonzeros | density | weight bits | membrane bits |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for la in report["layers"]:
        lines.append(
            f"| {la['layer']} | {la['n_in']}x{la['n_out']} | {la['nonzeros']} | {la['density']:.4f} | "
            f"{la['weight_bits']} | {la['membrane_bits']} |"
        )
    lines += ["", "## Plots", ""]
    lines += [f"![{k}]({v})" for k, v in report.get("plots", {}).items()]
    return "\n".join(lines) + "\n"


def render(report: dict[str, Any]) -> tuple[str, dict[str, tuple[str, Figure]]]:
    """The Markdown and the figures, made in memory (adds ``report["plots"]``) before anything is written."""
    figs = figures(report)
    report["plots"] = {key: file for key, (file, _) in figs.items()}
    return markdown(report), figs


def write(
    report: dict[str, Any], out_dir: Path, rendered: tuple[str, dict[str, tuple[str, Figure]]] | None = None
) -> dict[str, str]:
    """report.json, report.md and the PNGs into ``out_dir``."""
    text, figs = rendered or render(report)
    return write_report(out_dir, report, text, figs)
