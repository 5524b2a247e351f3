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
    """Until training lands (issue 3), a seeded random sparse model stands in for a trained one."""
    from spikeforge.hw.random_model import random_model

    model = random_model([64, cfg.hidden, 10], seed=cfg.seed, weight_bits=cfg.weight_bits, density=0.5)
    state.model_path = model.save(cfg.output_dir / "model.npz")
    state.report["model"] = {"source": "random (training not built yet)", **model.summary()["total"]}
    return state


def step_golden(state: FlowState, cfg: FlowConfig) -> FlowState:
    """Rate-encode seeded random intensities and run them through the golden simulator and the event codec."""
    from spikeforge.data.encoders import rate_encode
    from spikeforge.hw import events, golden
    from spikeforge.hw.model import HardwareModel

    model = HardwareModel.load(state.model_path)
    rng = np.random.default_rng(cfg.seed)
    spikes = rate_encode(rng.random((32, model.n_inputs)), cfg.timesteps)
    result = golden.run(model, spikes)
    stream = events.encode_spikes(spikes)
    assert (events.decode_spikes(stream, model.n_inputs).stack() == spikes).all()
    np.save(cfg.output_dir / "inputs.npy", spikes.astype(np.uint8))
    state.inputs = spikes
    state.report["golden"] = {
        "samples": int(spikes.shape[0]),
        "input_events": int(spikes.sum()),
        "stream_words": len(stream),
        "readout_sum": int(result.readout.sum()),
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
