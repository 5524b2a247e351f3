"""The `golden` engine: the numpy golden simulator in batches, with a progress bar."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from spikeforge.hw import golden
from spikeforge.hw.engine import EngineResult
from spikeforge.hw.model import HardwareModel

GOLDEN_BATCH = 256


def golden_engine(
    model: HardwareModel, spikes: np.ndarray, *, model_path: Path | None = None, quiet: bool = False
) -> EngineResult:
    """The golden simulator in batches of GOLDEN_BATCH samples."""
    spikes = golden.check_spike_trains(spikes, model.n_inputs)
    chunks = range(0, spikes.shape[0], GOLDEN_BATCH)
    parts = [
        golden.run(model, spikes[i : i + GOLDEN_BATCH]).readout
        for i in tqdm(chunks, desc="golden", unit="batch", disable=quiet or len(chunks) < 2)
    ]
    readout = np.concatenate(parts) if parts else np.zeros((0, model.n_outputs), dtype=np.int32)
    return EngineResult(readout=readout)
