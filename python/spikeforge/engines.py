"""Execution engines of a hardware model, by name: the golden simulator here; RTL and HLS engines
register themselves in ENGINES as "module:function" and are imported only when chosen.

An engine is ``fn(model, spikes, *, model_path, quiet) -> EngineResult``; every engine returns the
SPEC readout for the same inputs, so the CLI and the tests can compare them array for array.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm.auto import tqdm

from spikeforge.errors import SpikeforgeError
from spikeforge.hw import golden
from spikeforge.hw.model import HardwareModel

ENGINES: dict[str, str] = {
    "golden": "spikeforge.engines:golden_engine",
    "rtl": "spikeforge.rtl.engine:rtl_engine",
}

GOLDEN_BATCH = 256


@dataclass(frozen=True)
class EngineResult:
    """Readout [B, n_out] int32 plus engine-specific JSON-able statistics (e.g. cycles per sample)."""

    readout: np.ndarray
    stats: dict[str, Any] = field(default_factory=dict)


Engine = Callable[..., EngineResult]


def get_engine(name: str) -> Engine:
    if name not in ENGINES:
        raise SpikeforgeError(f"unknown engine {name!r}; choose one of {', '.join(sorted(ENGINES))}")
    module, attr = ENGINES[name].split(":")
    return getattr(importlib.import_module(module), attr)


def golden_engine(
    model: HardwareModel, spikes: np.ndarray, *, model_path: Path | None = None, quiet: bool = False
) -> EngineResult:
    """The golden simulator in batches of GOLDEN_BATCH samples, with a progress bar."""
    spikes = golden.check_spike_trains(spikes, model.n_inputs)
    chunks = range(0, spikes.shape[0], GOLDEN_BATCH)
    parts = [
        golden.run(model, spikes[i : i + GOLDEN_BATCH]).readout
        for i in tqdm(chunks, desc="golden", unit="batch", disable=quiet or len(chunks) < 2)
    ]
    readout = np.concatenate(parts) if parts else np.zeros((0, model.n_outputs), dtype=np.int32)
    return EngineResult(readout=readout)
