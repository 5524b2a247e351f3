"""What the flow's steps hand each other: named artifacts (files in the output folder) and the report.

The state is saved as flow_state.json after every step, so a later run can start at any step and find
what the earlier steps made. A step that needs an artifact nobody made fails with one sentence.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spikeforge.atomic import atomic_write_json
from spikeforge.errors import SpikeforgeError
from spikeforge.hw.model import HardwareModel

STATE_FILE = "flow_state.json"
# what each artifact is, for the messages that name a missing one
ARTIFACTS = {
    "checkpoint": "a trained checkpoint",
    "model": "a hardware model file",
    "inputs": "the flow samples (inputs.npy, labels.npy)",
    "design": "a generated Verilog design folder",
    "hls_project": "an hls4ml (Vitis HLS) project folder",
    "package": "a deployable package folder",
}


@dataclass
class FlowState:
    """Artifacts by name (paths relative to ``output_dir``) and every step's report entry."""

    output_dir: Path
    artifacts: dict[str, str] = field(default_factory=dict)
    report: dict[str, dict[str, Any]] = field(default_factory=dict)
    _model: HardwareModel | None = field(default=None, repr=False)
    auto_lanes: list[int] | None = field(default=None, repr=False)  # the lanes "auto" chose, once per run

    def set(self, name: str, path: Path) -> None:
        assert name in ARTIFACTS, name
        self.artifacts[name] = str(Path(path).relative_to(self.output_dir))
        if name == "model":
            self._model = None
        if name in ("model", "inputs"):  # what the lanes were chosen for has changed
            self.auto_lanes = None

    def path(self, name: str) -> Path:
        if name not in self.artifacts:
            raise SpikeforgeError(f"the flow has no {ARTIFACTS[name]} in {self.output_dir}")
        return self.output_dir / self.artifacts[name]

    def model(self) -> HardwareModel:
        """The current hardware model (the latest file a step made), loaded once."""
        if self._model is None:
            self._model = HardwareModel.load(self.path("model"))
        return self._model

    def inputs(self) -> tuple[np.ndarray, np.ndarray]:
        """The flow samples: spike trains [B, T, n_in] (bool) and labels [B]."""
        folder = self.path("inputs")
        return np.load(folder / "inputs.npy").astype(bool), np.load(folder / "labels.npy")

    def save(self) -> None:
        atomic_write_json(self.output_dir / STATE_FILE, {"artifacts": self.artifacts, "report": self.report})

    @classmethod
    def resume(cls, output_dir: Path) -> FlowState:
        """The state a previous run left in ``output_dir`` (empty when there is none)."""
        path = Path(output_dir) / STATE_FILE
        if not path.is_file():
            return cls(Path(output_dir))
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            artifacts, report = dict(saved["artifacts"]), dict(saved["report"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SpikeforgeError(f"{path}: cannot read the previous flow state ({exc})") from None
        known = {k: v for k, v in artifacts.items() if k in ARTIFACTS and (Path(output_dir) / v).exists()}
        return cls(Path(output_dir), known, report)
