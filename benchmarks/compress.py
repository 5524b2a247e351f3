"""Compression tables: minimax compression vs baselines, hardware accuracy (golden simulator) of exported models.

    python benchmarks/compress.py --checkpoint DIR/checkpoint.pt
        [--sweep connectivity|bram] [--seeds N] [--quick]

connectivity: digits-style sweep of the fraction of nonzero synapses (50, 20, 10, 5, 2%), bit-widths fixed,
  for minimax (joint), sequential and one-shot magnitude pruning at equal epochs (magnitude gets the
  minimax run's total epochs as finetuning).
bram: the FPGA budget sweep (BRAM18 counts) for minimax, uniform-bits minimax, magnitude and IMP.
Timings are wall clock on a shared 2-core machine.
"""  # noqa: E501 - the docstring's first line is the --help description, kept whole

from __future__ import annotations

import argparse
import math
import statistics
import time
from dataclasses import replace

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
    cfg = ScheduleConfig(
        finetune_epochs=args.finetune_epochs,
        max_compress_epochs=args.max_compress_epochs,
        seed=0,
        minimax=MinimaxConfig(y_init=args.y_init),
    )
    rows = []
    if args.sweep == "connectivity":
        points = [0.5, 0.2, 0.1, 0.05, 0.02][: 2 if args.quick else None]
        methods = ["minimax", "sequential", "magnitude"]
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
                if method in ("magnitude", "imp"):  # equal epochs: the minimax run's, same seed
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True)
    parser.add_argument("--board", default="pynq-z2")
    parser.add_argument("--sweep", choices=["connectivity", "bram"], default="connectivity")
    parser.add_argument("--bram", nargs="+", default=["3", "2", "1"], help="BRAM18 budgets of the bram sweep")
    parser.add_argument("--finetune-epochs", type=int, default=6)
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
    run(parser.parse_args())


if __name__ == "__main__":
    main()
