"""The `hls` engine: a hardware model's spike trains through the HLS C simulation (g++, SFVitis backend).

Same readouts as the golden engine, bit for bit, plus the kernel's modelled cycles per sample.
The hls4ml project is written and compiled in a temporary folder with ENGINE_LANES lanes.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from spikeforge.core.params import lanes_per_layer
from spikeforge.hls4ml_ext.convert import to_graph
from spikeforge.hls4ml_ext.cycles import hls_cycles_per_sample
from spikeforge.hw.engine import EngineResult
from spikeforge.hw.golden import check_spike_trains
from spikeforge.hw.model import HardwareModel, file_sha256

ENGINE_LANES = 4
CHUNK = 256  # samples per call into the C simulation (progress granularity)


def hls_engine(
    model: HardwareModel,
    spikes: np.ndarray,
    *,
    model_path: Path | None = None,
    quiet: bool = False,
    lanes: int | Sequence[int] = ENGINE_LANES,
) -> EngineResult:
    """Write and compile the HLS project of ``model`` (``lanes`` per layer) in a temporary folder, then
    C-simulate ``spikes``."""
    sha = file_sha256(model_path) if model_path is not None else None
    with tempfile.TemporaryDirectory(prefix="spikeforge-hls-") as tmp:
        return csim_project(model, spikes, Path(tmp) / "project", lanes=lanes, model_sha256=sha, quiet=quiet)


def csim_project(
    model: HardwareModel,
    spikes: np.ndarray,
    project_dir: Path,
    *,
    lanes: int | Sequence[int] = ENGINE_LANES,
    model_sha256: str | None = None,
    quiet: bool = False,
) -> EngineResult:
    """Write the HLS project of ``model`` into ``project_dir``, compile it with g++ and C-simulate
    ``spikes``."""
    spikes = check_spike_trains(spikes, model.n_inputs)
    per_layer = lanes_per_layer(lanes, len(model.layers))
    stats: dict = {"hls_lanes": per_layer}
    graph = to_graph(model, project_dir, lanes=per_layer, model_sha256=model_sha256)
    chunks = range(0, spikes.shape[0], CHUNK)
    with tqdm(total=len(chunks) + 1, desc="hls", unit="step", disable=quiet) as bar:
        bar.set_postfix_str("g++ build")
        t0 = time.perf_counter()
        graph.compile()
        stats["compile_seconds"] = round(time.perf_counter() - t0, 2)
        bar.update()
        bar.set_postfix_str("C simulation")
        parts = []
        for i in chunks:
            parts.append(graph.predict(spikes[i : i + CHUNK]))
            bar.update()
    readout = np.concatenate(parts) if parts else np.zeros((0, model.n_outputs), dtype=np.int32)
    if spikes.shape[0]:
        cycles = hls_cycles_per_sample(model, spikes, per_layer)
        stats |= {"modelled_cycles_per_sample_mean": float(cycles.mean()), "cycles_model": "unverified"}
    return EngineResult(readout=readout, stats=stats)
