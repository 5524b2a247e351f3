"""The end-to-end flow as a list of named steps over one state object (FINN-style build steps).

``run_flow(cfg)`` runs ``cfg.steps`` in order; each step is ``step(state, cfg) -> state`` and
records what it produced in ``state.report``. The report is written as JSON next to the outputs.
Stages that are not built yet are simply not in STEPS: the demo says which ones ran.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


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
    state.report["model"] = {
        "source": f"trained on {cfg.dataset} ({report.training['epochs_run']} epochs, {report.training['train_seconds']:.1f} s)",
        "float_accuracy_test": report.float_accuracy["test"],
        "hardware_accuracy_test": report.hardware_accuracy["test"],
        "membrane_bits": report.membrane_bits,
        **report.model,
    }
    return state


def step_golden(state: FlowState, cfg: FlowConfig) -> FlowState:
    """Run the test split through the golden simulator (hardware accuracy) and the event codec."""
    from spikeforge.data.datasets import load_dataset
    from spikeforge.hw import events, golden
    from spikeforge.hw.model import HardwareModel

    model = HardwareModel.load(state.model_path)
    data = load_dataset(cfg.dataset)
    spikes = data.spike_trains("test", int(model.extra["timesteps"]), str(model.extra["encoder"]))
    labels = data.labels("test")
    result = golden.run(model, spikes)
    spikes = spikes[: cfg.flow_samples]  # the samples later (slower) stages run
    stream = events.encode_spikes(spikes)
    if not (events.decode_spikes(stream, model.n_inputs).stack() == spikes).all():
        raise RuntimeError("the event codec did not round-trip the test spike trains")
    np.save(cfg.output_dir / "inputs.npy", spikes.astype(np.uint8))
    np.save(cfg.output_dir / "labels.npy", labels[: cfg.flow_samples])
    state.inputs = spikes
    state.report["golden"] = {
        "test_samples": int(labels.size),
        "hardware_accuracy_test": float(np.mean(result.prediction == labels)),
        "flow_samples": int(spikes.shape[0]),
        "input_events": int(spikes.sum()),
        "stream_words": len(stream),
    }
    return state


STEPS: dict[str, Callable[[FlowState, FlowConfig], FlowState]] = {
    "model": step_model,
    "golden": step_golden,
}
DEFAULT_STEPS = ("model", "golden")


def run_flow(cfg: FlowConfig, echo: Callable[[str], None] = print) -> FlowState:
    """Run the configured steps in order and write flow_config.json and flow_report.json."""
    cfg.output_dir.mkdir(parents=True, exist_ok=True)
    (cfg.output_dir / "flow_config.json").write_text(json.dumps(cfg.to_json(), indent=2))
    state = FlowState()
    for name in cfg.steps:
        echo(f"[{name}] {STEPS[name].__doc__.splitlines()[0]}")
        state = STEPS[name](state, cfg)
        (cfg.output_dir / "flow_report.json").write_text(json.dumps(state.report, indent=2))
    return state
