"""Run a package's driver, unchanged, against the simulated board: what `spikeforge deploy simulate` does.

The overlay files the board would get from Vivado are written from the same per-board data the
recipe reads: the .hwh of the block design, spikeforge.json, and a stand-in .bit.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from spikeforge.deploy.boards import OVERLAY, deploy_board
from spikeforge.deploy.hwh import achieved_clock, hwh_text, stand_in_bitfile
from spikeforge.deploy.package import load_package
from spikeforge.deploy.recipe import overlay_json
from spikeforge.deploy.simboard import GoldenCore, RtlCore, SimulatedBoard
from spikeforge.errors import SpikeforgeError
from spikeforge.hw.golden import check_spike_trains, predict
from spikeforge.hw.model import HardwareModel

CORES = ("golden", "rtl")


def write_overlay(package_dir: str | os.PathLike, out_dir: str | os.PathLike) -> Path:
    """The files of a built overlay for a package (simulated): .bit (stand-in), .hwh, spikeforge.json."""
    meta = load_package(package_dir)
    board = deploy_board(meta["board"])
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    clock = float(meta["clock_mhz"])
    (out / f"{OVERLAY}.hwh").write_text(hwh_text(board, clock))
    (out / f"{OVERLAY}.bit").write_bytes(stand_in_bitfile(board.part))
    info = overlay_json(
        board,
        model_sha256=meta["model_sha256"],
        n_inputs=meta["n_inputs"],
        n_outputs=meta["n_outputs"],
        backend=meta["backend"],
        clock_requested=clock,
        clock_achieved=achieved_clock(board, clock),
        wns_ns=0.0,
    )
    (out / "spikeforge.json").write_text(json.dumps(info, indent=2) + "\n")
    return out / f"{OVERLAY}.bit"


def load_driver(package_dir: str | os.PathLike) -> ModuleType:
    """The package's driver/driver.py as a module (the file itself, not spikeforge's copy)."""
    path = Path(package_dir) / "driver" / "driver.py"
    if not path.is_file():
        raise SpikeforgeError(f"{package_dir}: the package has no driver/driver.py")
    name = f"spikeforge_package_driver_{abs(hash(str(path.resolve())))}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def simulated_board(
    package_dir: str | os.PathLike,
    core: str = "golden",
    *,
    watchdog_s: float = 30.0,
    work_dir: str | os.PathLike | None = None,
) -> SimulatedBoard:
    """A simulated board of the package's board family, its core backed by golden or the packaged Verilog."""
    meta = load_package(package_dir)
    board = deploy_board(meta["board"])
    if core not in CORES:
        raise SpikeforgeError(f"unknown core {core!r}; choose one of {', '.join(CORES)}")
    if core == "golden":
        backing: GoldenCore | RtlCore = GoldenCore(HardwareModel.load(Path(package_dir) / "model.npz"))
    else:
        if meta["backend"] != "rtl":
            raise SpikeforgeError(
                "--core rtl simulates the packaged Verilog core; this package holds an HLS IP"
            )
        backing = RtlCore(Path(package_dir) / meta["ip_dir"], meta["n_outputs"], work_dir=work_dir)
    ps = board.ps
    return SimulatedBoard(
        backing,
        arch=ps["arch"],
        ddr_base=int(ps["ddr_base"], 16),
        ddr_size=int(ps["memory_size"], 16),
        watchdog_s=watchdog_s,
        tag=f"spikeforge_sim_{board.key}",
    )


def simulate_package(
    package_dir: str | os.PathLike,
    spikes: np.ndarray,
    *,
    core: str = "golden",
    labels: np.ndarray | None = None,
    batch_size: int = 256,
    timeout: float = 10.0,
    work_dir: str | os.PathLike | None = None,
) -> dict[str, Any]:
    """Readouts, predictions and the driver's throughput figures of ``spikes`` through the package's
    driver on the simulated board (one DMA packet per batch of ``batch_size``)."""
    meta = load_package(package_dir)
    spikes = check_spike_trains(spikes, int(meta["n_inputs"]))
    driver = load_driver(package_dir)
    board = simulated_board(package_dir, core, work_dir=work_dir)
    with tempfile.TemporaryDirectory(prefix="spikeforge-overlay-") as tmp:
        bitfile = write_overlay(package_dir, tmp)
        overlay = driver.SpikeforgeOverlay(str(bitfile), device=board, download=True, timeout=timeout)
        chunks = [overlay.execute(spikes[i : i + batch_size]) for i in range(0, spikes.shape[0], batch_size)]
        readout = np.concatenate(chunks) if chunks else np.zeros((0, meta["n_outputs"]), dtype=np.int32)
        throughput = overlay.throughput_test(spikes=spikes[:batch_size]) if spikes.shape[0] else {}
    out: dict[str, Any] = {
        "engine": f"pynq-sim:{core}",
        "board": meta["board"],
        "samples": int(spikes.shape[0]),
        "timesteps": int(spikes.shape[1]),
        "readout": readout,
        "prediction": predict(readout),
    }
    if labels is not None:
        out["accuracy"] = float(np.mean(out["prediction"] == labels)) if labels.size else None
    out["throughput"] = throughput
    out["dma_packets"] = sum(d.packets_in for d in board.dmas.values())
    if board.core.cycles_per_sample:
        cycles = board.core.cycles_per_sample[: spikes.shape[0]]
        out["cycles_per_sample_mean"] = float(np.mean(cycles))
    if isinstance(board.core, RtlCore):
        board.core.close()
    return out


def check_package(
    package_dir: str | os.PathLike,
    spikes: np.ndarray,
    *,
    labels: np.ndarray | None = None,
    core: str = "golden",
    batch_size: int = 256,
) -> dict[str, Any]:
    """``simulate_package`` checked against the golden simulator on the package's own model: adds
    ``mismatches`` (samples whose readout differs) and a one-line ``summary``."""
    from spikeforge.hw import golden

    out = simulate_package(package_dir, spikes, core=core, labels=labels, batch_size=batch_size)
    model = HardwareModel.load(Path(package_dir) / "model.npz")
    expected = golden.run(model, check_spike_trains(spikes, model.n_inputs)).readout
    out["mismatches"] = int(np.any(out["readout"] != expected, axis=1).sum()) if expected.size else 0
    tp = out["throughput"]
    host = f", {1e6 * tp['host_per_sample_s']:.1f} us/sample through the driver" if tp else ""
    out["summary"] = (
        f"{package_dir}: {out['board']} package, {out['samples']} samples through the packaged driver on "
        f"the simulated board ({core} core, {out['dma_packets']} DMA packets), "
        f"{out['mismatches']} mismatches vs golden{host}"
    )
    return out
