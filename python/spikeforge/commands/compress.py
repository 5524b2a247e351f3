"""`spikeforge compress CHECKPOINT --board pynq-z2 [--bram N] [--lut N] [--latency-us X] -o DIR`."""

from __future__ import annotations

from pathlib import Path

import click

from spikeforge.boards import DEFAULT_BOARD
from spikeforge.commands.common import finite


@click.command()
@click.argument("checkpoint", type=click.Path(path_type=Path))
@click.option(
    "--board",
    default=DEFAULT_BOARD,
    show_default=True,
    help="Board whose headroom limits are the default budgets (`spikeforge boards` lists them).",
)
@click.option("--bram", type=click.FloatRange(min=0), callback=finite, help="BRAM18 budget (absolute count).")
@click.option("--lut", type=click.FloatRange(min=0), callback=finite, help="LUT budget (absolute count).")
@click.option(
    "--latency-us",
    type=click.FloatRange(min=0),
    callback=finite,
    help="Latency budget per sample in microseconds (measured activity).",
)
@click.option(
    "--method",
    default="minimax",
    show_default=True,
    type=click.Choice(["minimax", "sequential", "uniform-bits", "magnitude", "imp"]),
    help="Compression method.",
)
@click.option(
    "--finetune-epochs",
    type=click.IntRange(0),
    help="Finetuning epochs in total, all run (default: a cap per node from its compression ratio, "
    "stopping on the validation split).",
)
@click.option(
    "--max-compress-epochs",
    default=10,
    show_default=True,
    type=click.IntRange(1),
    help="Cap per node of the minimax phase.",
)
@click.option(
    "--y-init",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0),
    callback=finite,
    help="Initial LeastS duals y_l (the paper's 10): strength of the proximal shrink (see MinimaxConfig).",
)
@click.option(
    "--min-accuracy",
    type=click.FloatRange(0, 100),
    callback=finite,
    help="Fail the run (writing nothing) if the compressed hardware test accuracy is below this percentage.",
)
@click.option("--seed", default=0, show_default=True, type=int)
@click.option(
    "-o", "--output", "output", required=True, type=click.Path(path_type=Path), help="Output directory."
)
@click.option("--quiet", is_flag=True, help="No progress bars.")
def compress(
    checkpoint: Path,
    board: str,
    bram: float | None,
    lut: float | None,
    latency_us: float | None,
    method: str,
    finetune_epochs: int | None,
    max_compress_epochs: int,
    y_init: float,
    min_accuracy: float | None,
    seed: int,
    output: Path,
    quiet: bool,
) -> None:
    """Compress a trained CHECKPOINT (sparsity + bit-widths) until it fits the budgets, then finetune."""
    from spikeforge.commands.common import check_output_dir
    from spikeforge.compress.minimax import MinimaxConfig
    from spikeforge.compress.run import run_compress
    from spikeforge.compress.schedule import ScheduleConfig

    check_output_dir(output)
    cfg = ScheduleConfig(
        finetune_epochs=finetune_epochs,
        max_compress_epochs=max_compress_epochs,
        seed=seed,
        minimax=MinimaxConfig(y_init=y_init),
    )
    report = run_compress(
        checkpoint,
        board,
        {"bram18": bram, "lut": lut, "latency_us": latency_us},
        output,
        cfg,
        method=method,
        quiet=quiet,
        min_accuracy=None if min_accuracy is None else min_accuracy / 100,
    )
    for r in report["resources"]:
        limit = "-" if r["budget"] is None else f"{r['budget']:.6g}"
        click.echo(f"{r['resource']:>10}: {r['compressed']:.6g} (budget {limit}, dense {r['dense']:.6g})")
    for i, node in enumerate(report["nodes"]):
        cap = f"/{node['max_finetune_epochs']}" if node["max_finetune_epochs"] else ""
        click.echo(
            f"node {i + 1}: {node['compress_epochs']:.1f} compression epochs, {node['finetune_epochs']}{cap} "
            f"finetuning epochs ({node['stopped'] or 'no finetuning'}), "
            f"validation {100 * node['val_accuracy']:.2f}%"
        )
    acc = report["hardware_accuracy"]
    click.echo(
        f"hardware accuracy (test): dense {100 * acc['dense']['test']:.2f}%, "
        f"compressed {100 * acc['compressed']['test']:.2f}%"
    )
    click.echo(f"wrote {output}/model.npz, checkpoint.pt, report.json, report.md")
    for warning in report["warnings"]:
        click.echo(f"warning: {warning}", err=True)
