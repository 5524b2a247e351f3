"""`spikeforge train --dataset NAME -o DIR`: QAT-train a spiking MLP, export model.npz, write reports."""

from __future__ import annotations

from pathlib import Path

import click

from spikeforge.commands.common import finite, output_option


def _leak(value: str) -> int | None:
    return None if value.lower() in ("none", "if") else int(value)


@click.command()
@click.option("--dataset", default="digits", show_default=True, help="digits, mnist5k, mnist1d, ...")
@click.option(
    "--hidden", multiple=True, type=int, help="Hidden layer width; repeat for more layers [default: 128]."
)
@click.option("--timesteps", default=8, show_default=True, type=click.IntRange(1, 1024))
@click.option("--encoder", default="rate", show_default=True, type=click.Choice(["rate", "latency"]))
@click.option("--weight-bits", default=4, show_default=True, type=click.IntRange(2, 8))
@click.option(
    "--leak-shift", default="4", show_default=True, help="Leak shift k (v - v>>k), or 'none' for IF neurons."
)
@click.option("--reset", default="subtract", show_default=True, type=click.Choice(["subtract", "zero"]))
@click.option("--readout", default="membrane", show_default=True, type=click.Choice(["membrane", "count"]))
@click.option(
    "--surrogate", default="arctan", show_default=True, type=click.Choice(["arctan", "fast_sigmoid"])
)
@click.option("--bias", is_flag=True, help="Train an integer-quantized bias.")
@click.option("--detach-reset", is_flag=True, help="No gradient through the reset.")
@click.option(
    "--integer-leak", is_flag=True, help="Train with the hardware's floored leak shift (float = integer)."
)
@click.option("--epochs", default=30, show_default=True, type=click.IntRange(1))
@click.option("--batch-size", default=128, show_default=True, type=click.IntRange(1))
@click.option(
    "--lr",
    default=1e-2,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    callback=finite,
    help="Adam learning rate (positive).",
)
@click.option(
    "--weight-decay", default=0.0, show_default=True, type=click.FloatRange(0), help="Adam L2 weight decay."
)
@click.option(
    "--patience",
    default=10,
    show_default=True,
    type=click.IntRange(1),
    help="Early-stopping patience (epochs).",
)
@click.option("--seed", default=0, show_default=True, type=int)
@output_option("Output directory.", "output_dir")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def train(
    dataset: str,
    hidden: tuple[int, ...],
    timesteps: int,
    encoder: str,
    weight_bits: int,
    leak_shift: str,
    reset: str,
    readout: str,
    surrogate: str,
    bias: bool,
    detach_reset: bool,
    integer_leak: bool,
    epochs: int,
    batch_size: int,
    lr: float,
    weight_decay: float,
    patience: int,
    seed: int,
    output_dir: Path,
    quiet: bool,
) -> None:
    """Train a spiking MLP with brevitas QAT on --dataset, export -o DIR/model.npz, report float and
    hardware accuracy."""
    from spikeforge.commands.common import check_output_dir
    from spikeforge.errors import SpikeforgeError
    from spikeforge.snn import SNNOptions
    from spikeforge.snn.lif import LEAK_SHIFT_MAX
    from spikeforge.train.config import TrainConfig
    from spikeforge.train.run import run_training

    check_output_dir(output_dir)
    try:
        leak = _leak(leak_shift)
    except ValueError:
        raise SpikeforgeError(f"--leak-shift must be an integer or 'none', got {leak_shift!r}") from None
    if leak is not None and not 0 <= leak <= LEAK_SHIFT_MAX:
        raise SpikeforgeError(f"--leak-shift must be in 0..{LEAK_SHIFT_MAX} or 'none', got {leak}")
    snn = SNNOptions(
        weight_bits=weight_bits,
        leak_shift=leak,
        reset=reset,
        readout=readout,
        surrogate=surrogate,
        bias=bias,
        detach_reset=detach_reset,
        integer_leak=integer_leak,
    )
    cfg = TrainConfig(
        dataset=dataset,
        hidden=list(hidden) or [128],
        timesteps=timesteps,
        encoder=encoder,
        snn=snn,
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        weight_decay=weight_decay,
        patience=patience,
        seed=seed,
    )
    report = run_training(cfg, output_dir, quiet=quiet)
    fa, ha = report.float_accuracy["test"], report.hardware_accuracy["test"]
    click.echo(
        f"{dataset}: test accuracy float {100 * fa:.2f}%, hardware {100 * ha:.2f}% "
        f"({report.training['train_seconds']:.1f} s training, membrane bits {report.membrane_bits})"
    )
    click.echo(f"wrote {output_dir}/checkpoint.pt, model.npz, report.json, report.md, learning_curve.png")
