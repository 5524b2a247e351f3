"""Running the flow: choose the steps (all, a list, or a start/stop range), check before any work that
every step finds what it needs, then run them, saving the state and a report with its status
("running", "complete", "failed", "interrupted") after every step."""

from __future__ import annotations

from collections.abc import Callable

from spikeforge.atomic import atomic_write_json
from spikeforge.errors import SpikeforgeError
from spikeforge.flow.config import FlowConfig
from spikeforge.flow.state import ARTIFACTS, FlowState
from spikeforge.flow.steps import STEPS

REPORT_FILE = "flow_report.json"
CONFIG_FILE = "flow_config.json"


def select_steps(cfg: FlowConfig) -> list[str]:
    """The steps this run executes, in order: ``cfg.steps`` (default: all), cut to start..stop."""
    names = list(cfg.steps) if cfg.steps is not None else list(STEPS)
    for name in [*names, cfg.start_step, cfg.stop_step]:
        if name is not None and name not in STEPS:
            raise SpikeforgeError(f"unknown flow step {name!r}; the steps are {', '.join(STEPS)}")
    for bound in (cfg.start_step, cfg.stop_step):
        if bound is not None and bound not in names:
            raise SpikeforgeError(f"the start or stop step {bound!r} is not among the selected steps")
    start = names.index(cfg.start_step) if cfg.start_step is not None else 0
    stop = names.index(cfg.stop_step) + 1 if cfg.stop_step is not None else len(names)
    if start >= stop:
        raise SpikeforgeError(
            f"the stop step {cfg.stop_step!r} comes before the start step {cfg.start_step!r}"
        )
    return names[start:stop]


def _check_needs(names: list[str], state: FlowState) -> None:
    available = set(state.artifacts)
    for name in names:
        for need in STEPS[name].needs:
            if need not in available:
                makers = [s.name for s in STEPS.values() if need in s.makes]
                raise SpikeforgeError(
                    f"step {name!r} needs {ARTIFACTS[need]}, which no earlier step of this run makes and "
                    f"{state.output_dir} does not hold from a previous run; run step {makers[0]!r} first"
                )
        available |= set(STEPS[name].makes)


def run_flow(cfg: FlowConfig, echo: Callable[[str], None] = print) -> FlowState:
    """Run the selected steps; returns the state (artifacts and the report of every step run so far)."""
    names = select_steps(cfg)
    partial = cfg.steps is not None or cfg.start_step is not None
    state = FlowState.resume(cfg.output_dir) if partial else FlowState(cfg.output_dir)
    _check_needs(names, state)
    cfg.output_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(cfg.output_dir / CONFIG_FILE, cfg.to_json())

    def write(status: str, **extra: object) -> None:
        state.save()
        atomic_write_json(cfg.output_dir / REPORT_FILE, {"status": status, **extra, "steps": state.report})

    current = None
    try:
        for current in names:
            echo(f"[{current}] {STEPS[current].title}")
            write("running", step=current)
            state.report[current] = STEPS[current].run(state, cfg)
        write("complete")
    except KeyboardInterrupt:
        write("interrupted", step=current)
        raise
    except Exception as exc:
        write("failed", step=current, error=str(exc) or type(exc).__name__)
        raise
    return state
