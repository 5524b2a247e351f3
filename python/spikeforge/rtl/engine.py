"""The `rtl` engine: a hardware model's spike trains through its generated Verilog core in Verilator.

Same readouts as the golden engine (bit for bit) plus measured cycles per sample. The core is
generated with ENGINE_LANES lanes per layer into a temporary folder, built, and fed the whole
batch back to back in one simulation (no stalls).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from spikeforge.engines import EngineResult
from spikeforge.hw.events import encode_spikes
from spikeforge.hw.golden import check_spike_trains
from spikeforge.hw.model import HardwareModel, file_sha256
from spikeforge.rtl.generator import generate_rtl
from spikeforge.rtl.runner import SimCase, build, run

ENGINE_LANES = 4


def rtl_engine(
    model: HardwareModel, spikes: np.ndarray, *, model_path: Path | None = None, quiet: bool = False
) -> EngineResult:
    """Generate, build and simulate the core for ``model``; readouts and cycle counts."""
    spikes = check_spike_trains(spikes, model.n_inputs)
    sha = file_sha256(model_path) if model_path is not None else None
    with (
        tempfile.TemporaryDirectory(prefix="spikeforge-rtl-") as tmp,
        tqdm(total=3, desc="rtl", unit="step", disable=quiet) as bar,
    ):
        design, build_dir = Path(tmp) / "design", Path(tmp) / "build"
        bar.set_postfix_str("generate")
        manifest = generate_rtl(model, design, ENGINE_LANES, model_sha256=sha)
        bar.update()
        bar.set_postfix_str("verilator build")
        build(design, build_dir)
        bar.update()
        bar.set_postfix_str("simulate")
        if spikes.shape[0] == 0:
            return EngineResult(
                readout=np.zeros((0, model.n_outputs), dtype=np.int32), stats={"rtl_lanes": ENGINE_LANES}
            )
        case = SimCase.from_stream(design, encode_spikes(spikes), model.n_outputs)
        (result,) = run(build_dir, [case])
        bar.update()
    ends = np.array(result.end_cycles, dtype=np.int64)
    per_sample = np.diff(np.concatenate(([result.start_cycle - 1], ends)))
    return EngineResult(
        readout=result.readout,
        stats={
            "rtl_lanes": manifest["parameters"]["lanes"],
            "cycles_total": int(result.cycles),
            "cycles_per_sample_mean": float(per_sample.mean()),
            "cycles_per_sample": per_sample.tolist(),
        },
    )
