"""The `rtl` engine: a hardware model's spike trains through its generated Verilog core in Verilator.

Same readouts as the golden engine (bit for bit) plus measured cycles per sample. The core is
generated with ENGINE_LANES lanes per layer into a temporary folder, built, and fed the whole
batch back to back in one simulation (no stalls). ``simulate_design`` does the same for a design
folder that ``spikeforge generate rtl`` already wrote.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from spikeforge.hw.engine import EngineResult
from spikeforge.hw.events import encode_spikes
from spikeforge.hw.golden import check_spike_trains
from spikeforge.hw.model import HardwareModel, file_sha256
from spikeforge.rtl.generator import generate_rtl
from spikeforge.rtl.runner import SimCase, build, run

ENGINE_LANES = 4


def rtl_engine(
    model: HardwareModel, spikes: np.ndarray, *, model_path: Path | None = None, quiet: bool = False
) -> EngineResult:
    """Generate the core for ``model`` (ENGINE_LANES lanes) in a temporary folder and simulate it."""
    spikes = check_spike_trains(spikes, model.n_inputs)
    sha = file_sha256(model_path) if model_path is not None else None
    with tempfile.TemporaryDirectory(prefix="spikeforge-rtl-") as tmp:
        design = Path(tmp) / "design"
        generate_rtl(model, design, ENGINE_LANES, model_sha256=sha)
        return simulate_design(design, spikes, model.n_outputs, quiet=quiet)


def simulate_design(design: Path, spikes: np.ndarray, n_outputs: int, *, quiet: bool = False) -> EngineResult:
    """Build a generated design folder with Verilator and stream ``spikes`` through it back to back."""
    manifest = json.loads((Path(design) / "manifest.json").read_text())
    stats: dict = {"rtl_lanes": manifest["parameters"]["lanes"]}
    if spikes.shape[0] == 0:
        return EngineResult(readout=np.zeros((0, n_outputs), dtype=np.int32), stats=stats)
    with (
        tempfile.TemporaryDirectory(prefix="spikeforge-build-") as build_dir,
        tqdm(total=2, desc="rtl", unit="step", disable=quiet) as bar,
    ):
        bar.set_postfix_str("verilator build")
        build(Path(design), Path(build_dir))
        bar.update()
        bar.set_postfix_str("simulate")
        case = SimCase.from_stream(Path(design), encode_spikes(spikes), n_outputs)
        (result,) = run(Path(build_dir), [case])
        bar.update()
    ends = np.array(result.end_cycles, dtype=np.int64)
    per_sample = np.diff(np.concatenate(([result.start_cycle - 1], ends)))
    return EngineResult(
        readout=result.readout,
        stats=stats | {
            "cycles_total": int(result.cycles),
            "cycles_per_sample_mean": float(per_sample.mean()),
            "cycles_per_sample": per_sample.tolist(),
        },
    )
