"""The end-to-end flow as named steps over one state (FINN-style build steps): each step declares the
artifacts it needs and makes, a JSON-round-tripping config selects them (with start and stop steps),
and the run writes its config, state and a report with its status beside the outputs."""

from spikeforge.flow.config import FlowConfig
from spikeforge.flow.run import run_flow, select_steps
from spikeforge.flow.state import FlowState
from spikeforge.flow.steps import STEPS

__all__ = ["STEPS", "FlowConfig", "FlowState", "run_flow", "select_steps"]
