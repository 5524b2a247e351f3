"""The flow's configuration: one dataclass that nests the training configuration, round-trips to JSON
(written beside the outputs), and names the steps to run with FINN-style start and stop steps."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from spikeforge.boards import DEFAULT_BOARD
from spikeforge.errors import SpikeforgeError, checked_fields
from spikeforge.snn import SNNOptions
from spikeforge.train.config import TrainConfig

BUDGET_KEYS = ("lut", "ff", "bram18", "dsp", "latency_us")


def _demo_training() -> TrainConfig:
    return TrainConfig(
        dataset="digits", hidden=[128], timesteps=8, snn=SNNOptions(weight_bits=4), epochs=15, seed=0
    )


@dataclass
class FlowConfig:
    """Everything a flow run depends on. ``budgets`` are the compress step's absolute limits (resources of
    the board not named keep its headroom limits); ``lanes`` is one P for every layer or one per layer."""

    output_dir: Path = Path("build/demo")
    train: TrainConfig = field(default_factory=_demo_training)
    board: str = DEFAULT_BOARD
    budgets: dict[str, float] = field(
        default_factory=lambda: {"bram18": 2.0}
    )  # the dense digits core needs 4
    lanes: int | list[int] | str = (
        1  # P of the generated core, one per layer, or "auto"; compress budgets P=1
    )
    flow_samples: int = 32  # test samples handed to the later (simulation) steps
    steps: list[str] | None = None  # None: every step, in order
    start_step: str | None = None  # first step to run; earlier steps' outputs are read from output_dir
    stop_step: str | None = None  # last step to run (inclusive)
    quiet: bool = False

    def __post_init__(self) -> None:
        self.output_dir = Path(self.output_dir)
        if isinstance(self.train, dict):
            self.train = TrainConfig.from_json(self.train)
        unknown = set(self.budgets) - set(BUDGET_KEYS)
        if unknown:
            raise SpikeforgeError(
                f"unknown budget {sorted(unknown)[0]!r}; budgets are {', '.join(BUDGET_KEYS)}"
            )
        for key, value in self.budgets.items():
            if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value < float("inf"):
                raise SpikeforgeError(f"budget {key} must be a finite number >= 0, got {value!r}")
        if isinstance(self.lanes, str) and self.lanes != "auto":
            raise SpikeforgeError(f"lanes must be a number, one per layer, or 'auto', got {self.lanes!r}")
        if self.flow_samples < 1:
            raise SpikeforgeError(f"flow_samples must be at least 1, got {self.flow_samples}")

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["output_dir"] = str(self.output_dir)
        d["train"] = self.train.to_json()
        return d

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FlowConfig:
        """The config of a JSON object (as ``to_json`` writes it); unknown keys are refused."""
        return cls(**checked_fields(data, cls, "flow config"))

    @classmethod
    def load(cls, path: Path) -> FlowConfig:
        """Read a flow config file (JSON)."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise SpikeforgeError(f"{path}: cannot read the flow config ({exc})") from None
        except json.JSONDecodeError as exc:
            raise SpikeforgeError(
                f"{path}: the flow config is not valid JSON ({exc.msg} at line {exc.lineno})"
            ) from None
        try:
            return cls.from_json(data)
        except (TypeError, SpikeforgeError) as exc:
            raise SpikeforgeError(f"{path}: {exc}") from None
