"""Compression tables: minimax compression vs baselines, hardware accuracy (golden simulator) of exported models.

    python benchmarks/compress.py --checkpoint DIR/checkpoint.pt
        [--sweep connectivity|bram] [--seeds N] [--quick]
    python benchmarks/compress.py --grid CACHE [--bram 10 5]

grid: trains (or reuses from the CACHE folder) dense mnist5k 784-256-10 8-bit checkpoints over training seeds,
  T in {8, 16} and weight decay in {0, 1e-4}, compresses each at the BRAM18 budgets with minimax and one-shot
  magnitude pruning + finetune at equal epochs, and prints per-checkpoint rows and mean / worst per budget.
  Finished runs are appended to CACHE/grid.jsonl and not rerun.

connectivity: digits-style sweep of the fraction of nonzero synapses (50, 20, 10, 5, 2%), bit-widths fixed,
  for minimax (joint), sequential and one-shot magnitude pruning at equal epochs (magnitude and sequential
  finetune for the minimax run's total epochs, so sequential also gets its own compression epochs on top).
bram: the FPGA budget sweep (BRAM18 counts) for minimax, uniform-bits minimax, magnitude and IMP.
Timings are wall clock on a shared 2-core machine.
"""  # noqa: E501 - the docstring's first line is the --help description, kept whole

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import subprocess
import time
from dataclasses import replace
from pathlib import Path

from spikeforge.boards import get_board
from spikeforge.compress.minimax import MinimaxConfig
from spikeforge.compress.pipeline import Data, board_budget, compress, export, hardware_accuracy, measure
from spikeforge.compress.schedule import ScheduleConfig
from spikeforge.errors import SpikeforgeError
from spikeforge.report import format_table
from spikeforge.train.checkpoint import load_model


def run(args: argparse.Namespace) -> None:
    model, payload = load_model(args.checkpoint)
    data = Data.for_checkpoint(payload)
    board = get_board(args.board)
    dense_hw = export(model, data, {})
    dense = measure(dense_hw, data, board)
    dense_acc = hardware_accuracy(dense_hw, data, "test")
    print(
        f"dense: {data.name} {[la.n_in for la in dense_hw.layers] + [dense_hw.layers[-1].n_out]}, "
        f"bits {[la.weight_bits for la in dense_hw.layers]}, hardware test accuracy {100 * dense_acc:.2f}%, "
        f"bram18 {dense['bram18']:.0f}, lut {dense['lut']:.0f}, synapses {dense['synapses']:.0f}"
    )
    cfg = _config(args)
    rows = []
    if args.sweep == "connectivity":
        points = [float(c) / 100 for c in args.connectivity][: 2 if args.quick else None]
        methods = ["minimax", "sequential", "magnitude"] if args.sequential else ["minimax", "magnitude"]
    else:
        points = [float(b) for b in args.bram]
        methods = ["minimax", "uniform-bits", "magnitude", "imp"]
    for point in points:
        if args.sweep == "connectivity":
            budget = {"synapses": math.floor(point * dense["synapses"])}
        else:
            budget = board_budget(board, {"bram18": point})
        row: dict = {"budget": f"{100 * point:.0f}%" if args.sweep == "connectivity" else f"{point:g} BRAM18"}
        key = "synapses" if args.sweep == "connectivity" else "bram18"
        minimax_epochs: dict[int, int] = {}
        for method in methods:
            accs, epochs, used, failed = [], [], [], 0
            for seed in range(args.seeds):
                c = replace(cfg, seed=seed)
                if method in ("magnitude", "imp", "sequential"):  # equal epochs: the minimax run's, same seed
                    c = replace(c, finetune_epochs=minimax_epochs.get(seed, cfg.finetune_epochs))
                start = time.perf_counter()
                try:
                    out = compress(
                        model,
                        data,
                        board,
                        budget,
                        c,
                        method=method,
                        quiet=True,
                        connectivity=args.sweep == "connectivity",
                        dense_hw=dense_hw,
                    )
                except SpikeforgeError as exc:  # the exported core cannot meet this budget with this method
                    print(f"  {row['budget']} {method} seed {seed}: not met ({exc})", flush=True)
                    failed += 1
                    continue
                seconds = time.perf_counter() - start
                if method == "minimax":
                    minimax_epochs[seed] = math.ceil(out.result.epochs)
                accs.append(100 * out.accuracy["test"])
                epochs.append(out.result.epochs)
                used.append(out.measured[key])
                print(
                    f"  {row['budget']} {method} seed {seed}: test {accs[-1]:.2f}% in {seconds:.0f} s, "
                    f"{out.result.epochs:.1f} epochs, estimate {out.measured}, "
                    f"bits {[la.weight_bits for la in out.hw.layers]}",
                    flush=True,
                )
            row[f"{method} acc%"] = round(statistics.mean(accs), 2) if accs else "not met"
            if args.seeds > 1:
                row[f"{method} min-max"] = f"{min(accs):.2f}-{max(accs):.2f}" if accs else "-"
                row[f"{method} not met"] = failed
            row[f"{method} ep"] = round(statistics.mean(epochs), 1) if epochs else "-"
            row[f"{method} {key}"] = max(used) if used else "-"
        rows.append(row)
    print()
    print(format_table(rows, list(rows[0])))


GRID = (  # (timesteps, weight decay, training seed)
    (8, 1e-4, 0),
    (16, 0.0, 1),
    (8, 0.0, 2),
    (16, 1e-4, 3),
    (16, 0.0, 4),
)
GRID_METHODS = ("minimax", "magnitude")


def grid_checkpoint(cache: Path, timesteps: int, weight_decay: float, seed: int) -> Path:
    """The dense checkpoint of one grid point: reused from ``cache``, or trained there (``spikeforge train``,
    its defaults otherwise). A folder still being trained by another run (``.tmp``) is waited for."""
    folder = cache / f"mnist5k-h256-b8-T{timesteps}-wd{weight_decay:g}-s{seed}"
    partial = folder.with_name(folder.name + ".tmp")
    while not folder.exists() and partial.exists() and time.time() - partial.stat().st_mtime < 3600:
        time.sleep(30)
    if not folder.exists():
        shutil.rmtree(partial, ignore_errors=True)
        command = ["spikeforge", "train", "--dataset", "mnist5k", "--hidden", "256", "--weight-bits", "8"]
        command += ["--timesteps", str(timesteps), "--weight-decay", f"{weight_decay:g}", "--seed", str(seed)]
        subprocess.run([*command, "-o", str(partial), "--quiet"], check=True)
        partial.rename(folder)
    return folder / "checkpoint.pt"


def run_grid(args: argparse.Namespace) -> None:
    cache = Path(args.grid)
    cache.mkdir(parents=True, exist_ok=True)
    log = cache / "grid.jsonl"
    done = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    board = get_board(args.board)
    budgets = [float(b) for b in args.bram]
    for index, (timesteps, decay, seed) in enumerate(GRID):
        if args.grid_points and index not in args.grid_points:
            continue
        ckpt = grid_checkpoint(cache, timesteps, decay, seed)
        name = ckpt.parent.name
        if all(
            any(r["checkpoint"] == name and r["bram18"] == b and r["method"] == m for r in done)
            for b in budgets
            for m in GRID_METHODS
        ):
            continue
        model, payload = load_model(ckpt)
        data = Data.for_checkpoint(payload)
        dense_hw = export(model, data, {})
        dense_acc = {s: 100 * hardware_accuracy(dense_hw, data, s) for s in ("val", "test")}
        for b in budgets:
            cfg = _config(args)
            for method in GRID_METHODS:
                if any(r["checkpoint"] == name and r["bram18"] == b and r["method"] == method for r in done):
                    prev = next(
                        r
                        for r in done
                        if r["checkpoint"] == name and r["bram18"] == b and r["method"] == "minimax"
                    )
                    cfg = replace(cfg, finetune_epochs=math.ceil(prev["epochs"]))
                    continue
                start, cpu = time.perf_counter(), time.process_time()
                out = compress(
                    model,
                    data,
                    board,
                    board_budget(board, {"bram18": b}),
                    cfg,
                    method=method,
                    quiet=True,
                    dense_hw=dense_hw,
                )
                row = {
                    "checkpoint": name,
                    "timesteps": timesteps,
                    "weight_decay": decay,
                    "seed": seed,
                    "bram18": b,
                    "method": method,
                    "dense_val": dense_acc["val"],
                    "dense_test": dense_acc["test"],
                    "val": 100 * out.accuracy["val"],
                    "test": 100 * out.accuracy["test"],
                    "epochs": out.result.epochs,
                    "seconds": time.perf_counter() - start,
                    "cpu_seconds": time.process_time() - cpu,
                    "measured_bram18": out.measured["bram18"],
                    "bits": [la.weight_bits for la in out.hw.layers],
                    "nodes": [
                        [n.finetune_epochs, n.max_finetune_epochs, n.stopped] for n in out.result.nodes
                    ],
                }
                print(json.dumps(row), flush=True)
                done.append(row)
                with log.open("a") as f:
                    f.write(json.dumps(row) + "\n")
                if method == "minimax":  # equal epochs: the baseline finetunes as long as minimax ran in all
                    cfg = replace(cfg, finetune_epochs=math.ceil(out.result.epochs))
    if log.exists():  # with the rows other runs on the same cache appended meanwhile
        done = [json.loads(line) for line in log.read_text().splitlines()]
    print_grid(done, budgets)


def print_grid(rows: list[dict], budgets: list[float]) -> None:
    """Per checkpoint: dense and compressed test accuracy; per budget: mean and worst over checkpoints."""
    table, summary = [], []
    for b in budgets:
        names = sorted({r["checkpoint"] for r in rows if r["bram18"] == b})
        deltas: dict[str, list[float]] = {m: [] for m in GRID_METHODS}
        leads = []
        for name in names:
            got = {r["method"]: r for r in rows if r["checkpoint"] == name and r["bram18"] == b}
            if not all(m in got for m in GRID_METHODS):
                continue
            mm, mag = got["minimax"], got["magnitude"]
            table.append(
                {
                    "checkpoint": name,
                    "BRAM18": f"{b:g}",
                    "dense": f"{mm['dense_test']:.2f}",
                    "minimax": f"{mm['test']:.2f}",
                    "vs dense": f"{mm['test'] - mm['dense_test']:+.2f}",
                    "magnitude": f"{mag['test']:.2f}",
                    "minimax - magnitude": f"{mm['test'] - mag['test']:+.2f}",
                    "epochs": f"{mm['epochs']:.1f}",
                    "minimax s": f"{mm['seconds']:.0f}",
                    "minimax cpu s": f"{mm.get('cpu_seconds', math.nan):.0f}",
                }
            )
            for m in GRID_METHODS:
                deltas[m].append(got[m]["test"] - got[m]["dense_test"])
            leads.append(mm["test"] - mag["test"])
        if leads:
            summary.append(
                {
                    "BRAM18": f"{b:g}",
                    "checkpoints": len(leads),
                    **{f"{m} vs dense mean": f"{statistics.mean(deltas[m]):+.2f}" for m in GRID_METHODS},
                    **{f"{m} vs dense worst": f"{min(deltas[m]):+.2f}" for m in GRID_METHODS},
                    "minimax - magnitude worst": f"{min(leads):+.2f}",
                }
            )
    if table:
        print()
        print(format_table(table, list(table[0])))
        print()
        print(format_table(summary, list(summary[0])))


def _config(args: argparse.Namespace) -> ScheduleConfig:
    return ScheduleConfig(
        finetune_epochs=args.finetune_epochs,
        max_compress_epochs=args.max_compress_epochs,
        seed=0,
        minimax=MinimaxConfig(y_init=args.y_init),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint")
    parser.add_argument(
        "--grid-points",
        type=int,
        nargs="+",
        help="Only these grid checkpoints (indices), e.g. one per process.",
    )
    parser.add_argument(
        "--grid", help="Checkpoint grid with this cache folder (trained checkpoints, results)."
    )
    parser.add_argument("--board", default="pynq-z2")
    parser.add_argument("--sweep", choices=["connectivity", "bram"], default="connectivity")
    parser.add_argument("--bram", nargs="+", default=["3", "2", "1"], help="BRAM18 budgets of the bram sweep")
    parser.add_argument(
        "--finetune-epochs",
        type=int,
        default=None,
        help="Fixed total (default: the effort rule, early stopping).",
    )
    parser.add_argument("--max-compress-epochs", type=int, default=10)
    parser.add_argument(
        "--y-init", type=float, default=10.0, help="Initial LeastS duals (MinimaxConfig.y_init)"
    )
    parser.add_argument(
        "--seeds",
        type=int,
        default=1,
        help="Seeds 0..N-1 per point (batch order, torch seed): mean and range.",
    )
    parser.add_argument("--quick", action="store_true", help="Two points only.")
    parser.add_argument(
        "--connectivity",
        nargs="+",
        default=["50", "20", "10", "5", "2"],
        help="Percentages of the connectivity sweep",
    )
    parser.add_argument(
        "--no-sequential",
        dest="sequential",
        action="store_false",
        help="Connectivity sweep without sequential.",
    )
    args = parser.parse_args()
    if args.grid:
        run_grid(args)
    elif args.checkpoint:
        run(args)
    else:
        parser.error("give --checkpoint or --grid")


if __name__ == "__main__":
    main()
