"""The engine protocol: every execution of a hardware model (golden simulator, Verilog core, HLS C
simulation, a board) takes spike trains and returns the SPEC readout, so results compare array for array."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from spikeforge.hw.model import HardwareModel


@dataclass(frozen=True)
class EngineResult:
    """Readout [B, n_out] int32 plus engine-specific JSON-able statistics (e.g. cycles per sample)."""

    readout: np.ndarray
    stats: dict[str, Any] = field(default_factory=dict)


class Engine(Protocol):
    """``engine(model, spikes[B, T, n_in], *, model_path, quiet) -> EngineResult``."""

    def __call__(
        self, model: HardwareModel, spikes: np.ndarray, *, model_path: Path | None = None, quiet: bool = False
    ) -> EngineResult: ...
