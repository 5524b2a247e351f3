"""The end-to-end flow as a list of named steps over one state object (FINN-style build steps).

``run_flow(cfg)`` runs ``cfg.steps`` in order; each step is ``step(state, cfg) -> state`` and
records what it produced in ``state.report``. The report is written as JSON next to the outputs.
The default steps are the whole flow: train, compress under a BRAM budget, golden simulation,
RTL generation checked in Verilator against golden, and the resource/latency estimate beside Yosys.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spikeforge.atomic import atomic_write_json
from spikeforge.errors import SpikeforgeError
from spikeforge.hw.model import HardwareModel


@dataclass
class FlowConfig:
    """Everything a flow run depends on; round-trips to JSON (written to the output folder)."""

    output_dir: Path = Path("build/demo")
    dataset: str = "digits"
    timesteps: int = 8
    hidden: int = 128
    weight_bits: int = 4
    seed: int = 0
    epochs: int = 15
    flow_samples: int = 32  # test samples handed to the later (simulation) steps
    board: str = "pynq-z2"
    bram_budget: float = 2.0  # BRAM18 budget of the compress step (the dense digits core needs 4)
    lanes: int = 1  # synapses per cycle of the generated core (P); the compress step budgets a P=1 core
    quiet: bool = False
    steps: list[str] = field(default_factory=lambda: list(DEFAULT_STEPS))

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["output_dir"] = str(self.output_dir)
        return d


@dataclass
class FlowState:
    """What the steps hand each other: the hardware model file, inputs, and the growing report."""

    model_path: Path | None = None
    model: HardwareModel | None = None  # the file at model_path, loaded once by the step that wrote it
    checkpoint_path: Path | None = None
    inputs: np.ndarray | None = None
    report: dict[str, Any] = field(default_factory=dict)


def step_model(state: FlowState, cfg: FlowConfig) -> FlowState:
    """Train a spiking MLP on cfg.dataset with brevitas QAT and export it as model.npz (issue 3)."""
    from spikeforge.train.config import TrainConfig
    from spikeforge.train.run import run_training

    train_cfg = TrainConfig(
        dataset=cfg.dataset, hidden=[cfg.hidden], timesteps=cfg.timesteps, weight_bits=cfg.weight_bits,
        epochs=cfg.epochs, seed=cfg.seed,
    )
    report = run_training(train_cfg, cfg.output_dir, quiet=cfg.quiet)
    state.model_path = Path(report.files["model"])
    state.model = HardwareModel.load(state.model_path)
    state.checkpoint_path = Path(report.files["checkpoint"])
    state.report["model"] = {
        "source": f"trained on {cfg.dataset} ({report.training['epochs_run']} epochs, {report.training['train_seconds']:.1f} s)",
        "float_accuracy_test": report.float_accuracy["test"],
        "hardware_accuracy_test": report.hardware_accuracy["test"],
        "membrane_bits": report.membrane_bits,
        **report.model,
    }
    state.report["model"]["summary"] = (
        f"{cfg.dataset} {'-'.join(str(n) for n in [state.model.n_inputs, *(layer.n_out for layer in state.model.layers)])} trained: "
        f"float {100 * report.float_accuracy['test']:.1f}%, hardware {100 * report.hardware_accuracy['test']:.1f}% (test)"
    )
    return state


def step_golden(state: FlowState, cfg: FlowConfig) -> FlowState:
    """Run the test split through the golden simulator (hardware accuracy) and the event codec."""
    from spikeforge.atomic import atomic_write
    from spikeforge.data.datasets import encoded_for_model
    from spikeforge.hw import events, golden

    model = state.model
    spikes, labels = encoded_for_model(model, cfg.dataset, "test")
    result = golden.run(model, spikes)
    spikes = spikes[: cfg.flow_samples]  # the samples later (slower) stages run
    stream = events.encode_spikes(spikes)
    if not (events.decode_spikes(stream, model.n_inputs).stack() == spikes).all():
        raise RuntimeError("the event codec did not round-trip the test spike trains")
    atomic_write(cfg.output_dir / "inputs.npy", lambda tmp: np.save(tmp, spikes.astype(np.uint8)))
    atomic_write(cfg.output_dir / "labels.npy", lambda tmp: np.save(tmp, labels[: cfg.flow_samples]))
    state.inputs = spikes
    state.report["golden"] = {
        "test_samples": int(labels.size),
        "hardware_accuracy_test": float(np.mean(result.prediction == labels)),
        "flow_samples": int(spikes.shape[0]),
        "input_events": int(spikes.sum()),
        "stream_words": len(stream),
    }
    state.report["golden"]["summary"] = (
        f"hardware accuracy {100 * state.report['golden']['hardware_accuracy_test']:.1f}% on {labels.size} test samples"
    )
    return state


def step_compress(state: FlowState, cfg: FlowConfig) -> FlowState:
    """Compress the trained model (minimax over sparsity and bit-widths) to fit the BRAM18 budget on the board."""
    from spikeforge.compress.run import run_compress
    from spikeforge.compress.schedule import ScheduleConfig

    out = cfg.output_dir / "compressed"
    report = run_compress(state.checkpoint_path, cfg.board, {"bram18": cfg.bram_budget}, out,
                          ScheduleConfig(seed=cfg.seed), quiet=cfg.quiet)
    state.model_path, state.checkpoint_path = out / report["files"]["model"], out / report["files"]["checkpoint"]
    state.model = HardwareModel.load(state.model_path)
    state.report["compress"] = {
        "board": cfg.board,
        "resources": {r["resource"]: {k: r[k] for k in ("dense", "compressed", "budget")} for r in report["resources"]},
        "hardware_accuracy_test": {k: v["test"] for k, v in report["hardware_accuracy"].items()},
        "report": str(out / "report.md"),
    }
    res, acc = state.report["compress"]["resources"], state.report["compress"]["hardware_accuracy_test"]
    state.report["compress"]["summary"] = (
        f"{cfg.board}, BRAM18 budget {cfg.bram_budget:g}: BRAM18 {res['bram18']['dense']:g} -> {res['bram18']['compressed']:g}, "
        f"hardware accuracy {100 * acc['dense']:.1f}% -> {100 * acc['compressed']:.1f}% (test)"
    )
    return state


def step_rtl(state: FlowState, cfg: FlowConfig) -> FlowState:
    """Generate the Verilog core and run the flow samples through it in Verilator; it must equal golden."""
    from spikeforge.hw import golden
    from spikeforge.hw.model import file_sha256
    from spikeforge.rtl.engine import simulate_design
    from spikeforge.rtl.generator import generate_rtl

    model = state.model
    design = cfg.output_dir / "rtl"
    generate_rtl(model, design, cfg.lanes, model_sha256=file_sha256(state.model_path))
    result = simulate_design(design, state.inputs, model.n_outputs, quiet=cfg.quiet)
    want = golden.run(model, state.inputs).readout
    mismatching = int((result.readout != want).any(axis=1).sum())
    if mismatching:
        raise RuntimeError(f"the RTL core disagrees with the golden simulator on {mismatching} samples")
    state.report["rtl"] = {
        "design": str(design),
        "lanes": result.stats["rtl_lanes"],
        "samples": int(state.inputs.shape[0]),
        "mismatching_samples_vs_golden": mismatching,
        "cycles_per_sample_mean": result.stats["cycles_per_sample_mean"],
    }
    state.report["rtl"]["summary"] = (
        f"{design}: {state.inputs.shape[0]} samples through Verilator, {mismatching} mismatches vs golden, "
        f"{result.stats['cycles_per_sample_mean']:.0f} cycles/sample (P={cfg.lanes})"
    )
    return state


def step_estimate(state: FlowState, cfg: FlowConfig) -> FlowState:
    """Estimate LUT, FF, BRAM18, DSP and latency on the board, beside Yosys synthesis of the generated core."""
    from spikeforge.atomic import atomic_write_text
    from spikeforge.boards import get_board
    from spikeforge.estimate.activity import measured
    from spikeforge.estimate.report import build_report, format_report
    from spikeforge.synth.yosys import synthesize

    model = state.model
    synth = synthesize(cfg.output_dir / "rtl")
    activity = measured(model, state.inputs, source=f"the {state.inputs.shape[0]} flow samples (golden simulator)")
    report = build_report(model, get_board(cfg.board), activity, lanes=cfg.lanes, synth=synth)
    atomic_write_json(cfg.output_dir / "estimate.json", report)
    atomic_write_text(cfg.output_dir / "estimate.txt", format_report(report) + "\n")
    keys = ("lut", "ff", "bram18", "dsp")
    state.report["estimate"] = {
        "board": cfg.board,
        "estimate": {k: report["total"][k] for k in (*keys, "cycles", "latency_us", "fps", "fits")},
        "yosys": {k: report["synth"][k] for k in keys},
    }
    est, syn = state.report["estimate"]["estimate"], state.report["estimate"]["yosys"]
    state.report["estimate"]["summary"] = (
        ", ".join(f"{k.upper()} {est[k]} (Yosys {syn[k]})" for k in keys)
        + f"; {est['latency_us']:.1f} us/sample at {report['board']['clock_mhz']:g} MHz; "
        + ("fits" if est["fits"] else "does NOT fit") + f" {cfg.board}"
    )
    return state


STEPS: dict[str, Callable[[FlowState, FlowConfig], FlowState]] = {
    "model": step_model,
    "compress": step_compress,
    "golden": step_golden,
    "rtl": step_rtl,
    "estimate": step_estimate,
}
DEFAULT_STEPS = tuple(STEPS)


def run_flow(cfg: FlowConfig, echo: Callable[[str], None] = print) -> FlowState:
    """Run the configured steps in order and write flow_config.json and flow_report.json."""
    unknown = [name for name in cfg.steps if name not in STEPS]
    if unknown:
        raise SpikeforgeError(f"unknown flow step {unknown[0]!r}; the steps are {', '.join(STEPS)}")
    atomic_write_json(cfg.output_dir / "flow_config.json", cfg.to_json())
    state = FlowState()
    for name in cfg.steps:
        echo(f"[{name}] {STEPS[name].__doc__.splitlines()[0]}")
        state = STEPS[name](state, cfg)
        atomic_write_json(cfg.output_dir / "flow_report.json", state.report)
    return state
