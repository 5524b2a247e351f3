"""`spikeforge import-nir FILE -o DIR`: a NIR graph -> DIR/checkpoint.pt plus the parameter-mapping report."""

from __future__ import annotations

from pathlib import Path

import click

from spikeforge.commands.common import output_option


@click.command("import-nir")
@click.argument("nir_file", type=click.Path(path_type=Path))
@output_option("Output directory.", "output_dir")
@click.option("--dt", default=1e-3, show_default=True, type=float, help="Timestep length in seconds.")
@click.option(
    "--discretization",
    default="euler",
    show_default=True,
    type=click.Choice(["euler", "exact"]),
    help="Retention per step: 1 - dt/tau (norse, snnTorch) or exp(-dt/tau) (sinabs).",
)
@click.option(
    "--tau-convention",
    default="nir",
    show_default=True,
    type=click.Choice(["nir", "norse"]),
    help="'norse': the file's tau is dt*tau, as norse 1.1.0's to_nir writes it (norse issue #411).",
)
@click.option(
    "--weight-bits",
    type=click.IntRange(2, 8),
    help="Weight bit-width of the imported model [default: as recorded by spikeforge's export, else 8].",
)
@click.option(
    "--dataset",
    help="Also calibrate membrane bits on this dataset's train split, write DIR/model.npz and "
    "report float and hardware accuracy on its test split.",
)
@click.option(
    "--timesteps", default=8, show_default=True, type=click.IntRange(1, 1024), help="Timesteps for --dataset."
)
@click.option(
    "--encoder",
    default="rate",
    show_default=True,
    type=click.Choice(["rate", "latency"]),
    help="Encoder for --dataset.",
)
def import_nir(
    nir_file: Path,
    output_dir: Path,
    dt: float,
    discretization: str,
    tau_convention: str,
    weight_bits: int | None,
    dataset: str | None,
    timesteps: int,
    encoder: str,
) -> None:
    """Import NIR_FILE (Affine/Linear + LIF/IF, LI/I readout) as a spikeforge checkpoint, reporting the
    approximation."""
    from spikeforge.atomic import atomic_write_json, atomic_write_text, incomplete_while_writing
    from spikeforge.commands.common import check_output_dir
    from spikeforge.hw.model import file_sha256
    from spikeforge.nir_io import Timing, import_graph, read_graph
    from spikeforge.train.checkpoint import save_checkpoint

    check_output_dir(output_dir)
    timing = Timing(dt=dt, discretization=discretization, tau_convention=tau_convention)
    model, report = import_graph(read_graph(nir_file), timing, weight_bits=weight_bits, source=str(nir_file))
    meta = {"source": "nir", "nir_file": str(nir_file), "nir_sha256": file_sha256(nir_file)}
    hw = None
    if dataset is not None:
        from spikeforge.nir_io.evaluate import evaluate_on_dataset

        hw, report.evaluation = evaluate_on_dataset(model, dataset, timesteps, encoder, meta)
    with incomplete_while_writing(output_dir, "spikeforge import-nir"):
        if hw is not None:
            hw.save(output_dir / "model.npz")
        save_checkpoint(output_dir / "checkpoint.pt", model, meta=meta | {"nir_import": report.to_json()})
        atomic_write_json(output_dir / "nir_import.json", report.to_json())
        atomic_write_text(output_dir / "nir_import.md", report.to_markdown())
    if report.evaluation:
        click.echo(
            f"{dataset} test accuracy: float {100 * report.evaluation['float_accuracy']:.2f}%, "
            f"hardware {100 * report.evaluation['hardware_accuracy']:.2f}%"
        )
    for i, layer in enumerate(report.layers):
        leak = (
            "no leak"
            if layer.leak is None
            else (
                f"k={layer.leak.leak_shift}, retention {layer.leak.retention_ours:.4g}"
                f" vs {layer.leak.retention_target_min:.4g}"
                f" (max abs error {layer.leak.retention_abs_error_max:.2g})"
            )
        )
        click.echo(
            f"layer {i}: {layer.neuron} {layer.n_in}->{layer.n_out}, {leak},"
            f" weight error <= {layer.weight_abs_error_max:.2g}"
        )
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(
        f"wrote {output_dir}/checkpoint.pt, {'model.npz, ' if dataset else ''}nir_import.json, nir_import.md"
    )
