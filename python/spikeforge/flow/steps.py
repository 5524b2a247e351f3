"""The flow's steps: ``step(state, cfg) -> report entry``, each registered with the artifacts it needs
and makes. The default order trains, compresses under the budgets, runs the golden simulator, checks
the generated Verilog core in Verilator against it, and estimates resources beside Yosys."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spikeforge.atomic import atomic_write, atomic_write_json, atomic_write_text
from spikeforge.flow.config import FlowConfig
from spikeforge.flow.state import FlowState

StepFn = Callable[[FlowState, FlowConfig], dict[str, Any]]


@dataclass(frozen=True)
class Step:
    """A named step: what it needs from earlier steps, what it makes, and its body."""

    name: str
    run: StepFn
    needs: tuple[str, ...]
    makes: tuple[str, ...]

    @property
    def title(self) -> str:
        return (self.run.__doc__ or self.name).splitlines()[0]


STEPS: dict[str, Step] = {}


def step(
    name: str, *, needs: tuple[str, ...] = (), makes: tuple[str, ...] = ()
) -> Callable[[StepFn], StepFn]:
    """Register a step function under ``name`` (steps run in registration order by default)."""

    def register(fn: StepFn) -> StepFn:
        assert name not in STEPS, name
        STEPS[name] = Step(name, fn, needs, makes)
        return fn

    return register


def _lanes(state: FlowState, cfg: FlowConfig) -> int | list[int]:
    """The configured lanes; for "auto", the chooser's lanes for the board's LUT and BRAM18 budgets on the
    activity of the flow samples, chosen once and used by every step."""
    if cfg.lanes != "auto":
        return cfg.lanes
    if state.auto_lanes is not None:
        return state.auto_lanes
    from spikeforge.boards import get_board
    from spikeforge.estimate.activity import measured
    from spikeforge.estimate.lanes import choose_lanes

    model, (inputs, _) = state.model(), state.inputs()
    board = get_board(cfg.board)
    activity = measured(model, inputs, source="the flow samples")
    choice = choose_lanes(model, activity, board.budget("lut"), bram18_budget=board.budget("bram18"))
    state.auto_lanes = list(choice.lanes)
    return state.auto_lanes


def _sizes(model) -> str:
    return "-".join(str(n) for n in [model.n_inputs, *(layer.n_out for layer in model.layers)])


@step("model", makes=("checkpoint", "model"))
def step_model(state: FlowState, cfg: FlowConfig) -> dict[str, Any]:
    """Train a spiking MLP with brevitas QAT and export it as model.npz."""
    from spikeforge.train.run import run_training

    report = run_training(cfg.train, cfg.output_dir, quiet=cfg.quiet)
    state.set("checkpoint", Path(report.files["checkpoint"]))
    state.set("model", Path(report.files["model"]))
    model = state.model()
    return {
        "source": f"trained on {cfg.train.dataset} ({report.training['epochs_run']} epochs, "
        f"{report.training['train_seconds']:.1f} s)",
        "float_accuracy_test": report.float_accuracy["test"],
        "hardware_accuracy_test": report.hardware_accuracy["test"],
        "membrane_bits": report.membrane_bits,
        **report.model,
        "summary": f"{cfg.train.dataset} {_sizes(model)} trained: "
        f"float {100 * report.float_accuracy['test']:.1f}%, "
        f"hardware {100 * report.hardware_accuracy['test']:.1f}% (test)",
    }


@step("compress", needs=("checkpoint",), makes=("checkpoint", "model"))
def step_compress(state: FlowState, cfg: FlowConfig) -> dict[str, Any]:
    """Compress the trained model (minimax over sparsity and bit-widths) to fit the budgets on the board."""
    from spikeforge.compress.run import run_compress
    from spikeforge.compress.schedule import ScheduleConfig

    out = cfg.output_dir / "compressed"
    budgets: dict[str, float | None] = dict(cfg.budgets)
    report = run_compress(
        state.path("checkpoint"),
        cfg.board,
        budgets,
        out,
        ScheduleConfig(seed=cfg.train.seed),
        quiet=cfg.quiet,
    )
    state.set("checkpoint", out / report["files"]["checkpoint"])
    state.set("model", out / report["files"]["model"])
    resources = {
        r["resource"]: {k: r[k] for k in ("dense", "compressed", "budget")} for r in report["resources"]
    }
    accuracy = {k: v["test"] for k, v in report["hardware_accuracy"].items()}
    moved = ", ".join(
        f"{k.upper()} {resources[k]['dense']:g} -> {resources[k]['compressed']:g}"
        for k in cfg.budgets
        if k in resources
    )
    limits = ", ".join(f"{k} {v:g}" for k, v in cfg.budgets.items())
    return {
        "board": cfg.board,
        "resources": resources,
        "hardware_accuracy_test": accuracy,
        "report": str(out / "report.md"),
        "summary": f"{cfg.board}, budget {limits}: {moved}, "
        f"hardware accuracy {100 * accuracy['dense']:.1f}% -> "
        f"{100 * accuracy['compressed']:.1f}% (test)",
    }


@step("golden", needs=("model",), makes=("inputs",))
def step_golden(state: FlowState, cfg: FlowConfig) -> dict[str, Any]:
    """Run the test split through the golden simulator (hardware accuracy) and the event codec."""
    from spikeforge.data.datasets import encoded_for_model
    from spikeforge.hw import events, golden

    model = state.model()
    spikes, labels = encoded_for_model(model, cfg.train.dataset, "test")
    result = golden.run(model, spikes)
    spikes, flow_labels = spikes[: cfg.flow_samples], labels[: cfg.flow_samples]  # what later steps run
    stream = events.encode_spikes(spikes)
    if not (events.decode_spikes(stream, model.n_inputs).stack() == spikes).all():
        raise RuntimeError("the event codec did not round-trip the test spike trains")
    atomic_write(cfg.output_dir / "inputs.npy", lambda tmp: np.save(tmp, spikes.astype(np.uint8)))
    atomic_write(cfg.output_dir / "labels.npy", lambda tmp: np.save(tmp, flow_labels))
    state.set("inputs", cfg.output_dir)
    accuracy = float(np.mean(result.prediction == labels))
    return {
        "test_samples": int(labels.size),
        "hardware_accuracy_test": accuracy,
        "flow_samples": int(spikes.shape[0]),
        "input_events": int(spikes.sum()),
        "stream_words": len(stream),
        "summary": f"hardware accuracy {100 * accuracy:.1f}% on {labels.size} test samples",
    }


@step("rtl", needs=("model", "inputs"), makes=("design",))
def step_rtl(state: FlowState, cfg: FlowConfig) -> dict[str, Any]:
    """Generate the Verilog core and run the flow samples through it in Verilator; it must equal golden."""
    from spikeforge.hw import golden
    from spikeforge.hw.model import file_sha256
    from spikeforge.rtl.engine import simulate_design
    from spikeforge.rtl.generator import generate_rtl

    model, (inputs, _) = state.model(), state.inputs()
    design = cfg.output_dir / "rtl"
    generate_rtl(model, design, _lanes(state, cfg), model_sha256=file_sha256(state.path("model")))
    state.set("design", design)
    result = simulate_design(design, inputs, model.n_outputs, quiet=cfg.quiet, model=model)
    mismatching = int((result.readout != golden.run(model, inputs).readout).any(axis=1).sum())
    if mismatching:
        raise RuntimeError(f"the RTL core disagrees with the golden simulator on {mismatching} samples")
    lanes = result.stats["rtl_lanes"]
    p = str(lanes[0]) if len(set(lanes)) == 1 else "/".join(map(str, lanes))
    return {
        "design": str(design),
        "lanes": lanes,
        "samples": int(inputs.shape[0]),
        "mismatching_samples_vs_golden": mismatching,
        "cycles_per_sample_mean": result.stats["cycles_per_sample_mean"],
        "summary": f"{design}: {inputs.shape[0]} samples through Verilator, "
        f"{mismatching} mismatches vs golden, "
        f"{result.stats['cycles_per_sample_mean']:.0f} cycles/sample (P={p})",
    }


@step("hls", needs=("model", "inputs"), makes=("hls_project",))
def step_hls(state: FlowState, cfg: FlowConfig) -> dict[str, Any]:
    """Write the hls4ml project (HLS C++ for Vitis) and C-simulate the flow samples; it must equal golden."""
    from spikeforge.hls4ml_ext.engine import csim_project
    from spikeforge.hls4ml_ext.vitis import write_test_vectors
    from spikeforge.hw import golden
    from spikeforge.hw.model import file_sha256

    model, (inputs, _) = state.model(), state.inputs()
    project = cfg.output_dir / "hls"
    result = csim_project(
        model,
        inputs,
        project,
        lanes=_lanes(state, cfg),
        model_sha256=file_sha256(state.path("model")),
        quiet=cfg.quiet,
    )
    write_test_vectors(project, model, inputs)
    state.set("hls_project", project)
    mismatching = int((result.readout != golden.run(model, inputs).readout).any(axis=1).sum())
    if mismatching:
        raise RuntimeError(
            f"the HLS C simulation disagrees with the golden simulator on {mismatching} samples"
        )
    cycles = result.stats.get("modelled_cycles_per_sample_mean", 0.0)
    return {
        "project": str(project),
        "lanes": result.stats["hls_lanes"],
        "samples": int(inputs.shape[0]),
        "mismatching_samples_vs_golden": mismatching,
        "compile_seconds": result.stats["compile_seconds"],
        "modelled_cycles_per_sample_mean": cycles,
        "summary": f"{project}: {inputs.shape[0]} samples through the C simulation (g++), {mismatching} "
        f"mismatches vs golden, {cycles:.0f} cycles/sample modelled (unverified until Vitis HLS)",
    }


@step("estimate", needs=("model", "inputs", "design"))
def step_estimate(state: FlowState, cfg: FlowConfig) -> dict[str, Any]:
    """Estimate LUT, FF, BRAM18, DSP and latency on the board beside Yosys synthesis of the generated core."""
    from spikeforge.boards import get_board
    from spikeforge.estimate.activity import measured
    from spikeforge.estimate.report import build_report, format_report
    from spikeforge.synth.yosys import synthesize

    model, (inputs, _) = state.model(), state.inputs()
    synth = synthesize(state.path("design"))
    activity = measured(model, inputs, source=f"the {inputs.shape[0]} flow samples (golden simulator)")
    report = build_report(model, get_board(cfg.board), activity, lanes=_lanes(state, cfg), synth=synth)
    atomic_write_json(cfg.output_dir / "estimate.json", report)
    atomic_write_text(cfg.output_dir / "estimate.txt", format_report(report) + "\n")
    keys = ("lut", "ff", "bram18", "dsp")
    est = {k: report["total"][k] for k in (*keys, "cycles", "latency_us", "fps", "fits")}
    syn = {k: report["synth"][k] for k in keys}
    return {
        "board": cfg.board,
        "estimate": est,
        "yosys": syn,
        "summary": ", ".join(f"{k.upper()} {est[k]} (Yosys {syn[k]})" for k in keys)
        + f"; {est['latency_us']:.1f} us/sample at {report['board']['clock_mhz']:g} MHz; "
        + ("fits" if est["fits"] else "does NOT fit")
        + f" {cfg.board}",
    }


@step("package", needs=("model", "inputs"), makes=("package",))
def step_package(state: FlowState, cfg: FlowConfig) -> dict[str, Any]:
    """Package the core for the board (IP, Vivado recipe, PYNQ driver); run its driver on a simulated board.

    The packaged driver runs the flow samples on the simulated board; it must equal golden.
    """
    from spikeforge.deploy.package import package_model
    from spikeforge.deploy.simulate import check_package

    folder = cfg.output_dir / "package"
    meta = package_model(state.path("model"), cfg.board, folder, lanes=_lanes(state, cfg))
    state.set("package", folder)
    inputs, labels = state.inputs()
    result = check_package(folder, inputs, labels=labels)
    if result["mismatches"]:
        raise RuntimeError(
            f"the packaged driver disagrees with the golden simulator on {result['mismatches']} samples"
        )
    return {
        "folder": str(folder),
        "board": cfg.board,
        "files": sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()),
        "package": meta,
        "mismatching_samples_vs_golden": result["mismatches"],
        "dma_packets": result["dma_packets"],
        "summary": result["summary"],
    }
