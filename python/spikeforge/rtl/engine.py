"""The `rtl` engine: a hardware model's spike trains through its generated Verilog core in Verilator.

Same readouts as the golden engine (bit for bit) plus measured cycles per sample. The core is
generated with ``lanes`` per layer (ENGINE_LANES by default) into a temporary folder, built, and fed
the whole batch back to back in one simulation (no stalls). ``simulate_design`` does the same for a
design folder that ``spikeforge generate rtl`` already wrote (nothing is written into that folder).

A sample that produces no readout within its cycle limit is reported as hung. The limit comes from
the latency model: HANG_MARGIN times the sample's cycles with every layer's work done one after the
other (an upper bound of the pipelined core's), plus HANG_SLACK; ``max_cycles`` replaces it.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from spikeforge.errors import SpikeforgeError
from spikeforge.hw.engine import EngineResult
from spikeforge.hw.events import encode_spikes
from spikeforge.hw.golden import check_spike_trains
from spikeforge.hw.model import HardwareModel, file_sha256
from spikeforge.rtl.generator import generate_rtl
from spikeforge.rtl.runner import RTLHang, SimCase, build, run

ENGINE_LANES = 4
HANG_MARGIN = 4
HANG_SLACK = 10_000
SLOW_FACTOR = 1.5  # measured cycles per sample above this times the model's estimate: reported as slow


def cycle_bounds(model: HardwareModel, spikes: np.ndarray, lanes: list[int]) -> tuple[np.ndarray, float]:
    """Per sample, the latency model's cycles with no overlap between layers (an upper bound), and the
    model's pipelined cycles per sample for the whole batch (the estimate `spikeforge estimate` gives)."""
    from spikeforge.estimate.activity import measured
    from spikeforge.estimate.calibration import load_constants
    from spikeforge.estimate.latency import cycles_per_sample, layer_work, slots_per_input

    const = load_constants()["latency"]
    activity = measured(model, spikes)
    serial = np.zeros(spikes.shape[0])
    for layer, events, p in zip(model.layers, activity.layers, lanes, strict=True):
        work = layer_work(events.astype(np.float64), slots_per_input(layer, p), -(-layer.n_out // p), const)
        serial += work.sum(axis=1)
    serial += const["readout_cycles"] * model.n_outputs + const["sample_cycles"]
    return serial, cycles_per_sample(model, activity, lanes).cycles


def rtl_engine(
    model: HardwareModel,
    spikes: np.ndarray,
    *,
    model_path: Path | None = None,
    quiet: bool = False,
    lanes: int | list[int] = ENGINE_LANES,
    max_cycles: int | None = None,
) -> EngineResult:
    """Generate the core for ``model`` (``lanes`` per layer) in a temporary folder and simulate it."""
    spikes = check_spike_trains(spikes, model.n_inputs)
    sha = file_sha256(model_path) if model_path is not None else None
    with tempfile.TemporaryDirectory(prefix="spikeforge-rtl-") as tmp:
        design = Path(tmp) / "design"
        generate_rtl(model, design, lanes, model_sha256=sha)
        return simulate_design(
            design, spikes, model.n_outputs, quiet=quiet, model=model, max_cycles=max_cycles
        )


def simulate_design(
    design: Path,
    spikes: np.ndarray,
    n_outputs: int,
    *,
    quiet: bool = False,
    model: HardwareModel | None = None,
    max_cycles: int | None = None,
) -> EngineResult:
    """Build a generated design folder with Verilator and stream ``spikes`` through it back to back.

    With ``model`` the hang limit comes from its latency model (see the module docstring), else it is
    ``max_cycles`` or the runner's default.
    """
    try:
        manifest = json.loads((Path(design) / "manifest.json").read_text())
        lanes = list(manifest["parameters"]["lanes"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SpikeforgeError(
            f"{design}: not a design folder written by `spikeforge generate rtl` (manifest.json: {exc})"
        ) from None
    stats: dict = {"rtl_lanes": lanes}
    if spikes.shape[0] == 0:
        return EngineResult(readout=np.zeros((0, n_outputs), dtype=np.int32), stats=stats)
    serial, estimate = cycle_bounds(model, spikes, lanes) if model is not None else (None, None)
    limit = max_cycles
    if limit is None and serial is not None:
        limit = int(HANG_MARGIN * serial.max()) + HANG_SLACK
    with (
        tempfile.TemporaryDirectory(prefix="spikeforge-build-") as build_dir,
        tqdm(total=2, desc="rtl", unit="step", disable=quiet) as bar,
    ):
        bar.set_postfix_str("verilator build")
        try:
            build(Path(design), Path(build_dir))
            bar.update()
            bar.set_postfix_str("simulate")
            case = SimCase.from_stream(Path(design), encode_spikes(spikes), n_outputs)
            (result,) = run(Path(build_dir), [case], **({"max_cycles": limit} if limit else {}))
        except RTLHang as exc:
            raise _hang_error(exc, serial, spikes.shape[0]) from None
        except SpikeforgeError as exc:
            raise SpikeforgeError(_keep_logs(str(exc), Path(build_dir))) from None
        bar.update()
    ends = np.array(result.end_cycles, dtype=np.int64)
    per_sample = np.diff(np.concatenate(([result.start_cycle - 1], ends)))
    stats |= {
        "cycles_total": int(result.cycles),
        "cycles_per_sample_mean": float(per_sample.mean()),
        "cycles_per_sample": per_sample.tolist(),
    }
    if estimate is not None:
        stats |= {
            "cycles_per_sample_model": round(float(estimate), 1),
            "cycle_limit_per_sample": limit,
            "slow": bool(per_sample.mean() > SLOW_FACTOR * estimate),
        }
    return EngineResult(readout=result.readout, stats=stats)


def _hang_error(exc: RTLHang, serial: np.ndarray | None, samples: int) -> SpikeforgeError:
    where = f"sample {exc.sample} of {samples}"
    if serial is None or exc.sample >= serial.size:
        return SpikeforgeError(
            f"the RTL core is hung: {where} produced no readout within {exc.max_cycles} cycles; "
            "if it is only slow, raise --max-cycles"
        )
    return SpikeforgeError(
        f"the RTL core is hung: {where} produced no readout within {exc.max_cycles} cycles, "
        f"{exc.max_cycles / serial[exc.sample]:.1f}x the latency model's "
        f"{serial[exc.sample]:.0f} cycles for it with "
        "no overlap between layers; if it is only slow, raise --max-cycles"
    )


def _keep_logs(message: str, build_dir: Path) -> str:
    """Copy the build's logs to the user cache (the build folder is temporary) and name them there instead."""
    if str(build_dir) not in message:
        return message
    from spikeforge._files import cache_dir

    kept = cache_dir("rtl-logs", time.strftime("%Y%m%d-%H%M%S"))
    for log in build_dir.glob("*.log"):
        shutil.copy2(log, kept / log.name)
    return message.replace(str(build_dir.resolve()), str(kept)).replace(str(build_dir), str(kept))
