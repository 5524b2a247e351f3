"""`spikeforge export-nir CHECKPOINT -o FILE`: a spikeforge checkpoint -> a NIR graph file."""

from __future__ import annotations

from pathlib import Path

import click

from spikeforge.commands.common import output_option


@click.command("export-nir")
@click.argument("checkpoint", type=click.Path(path_type=Path))
@output_option("The .nir file to write.", "output_file")
@click.option("--dt", default=1e-3, show_default=True, type=float, help="Timestep length in seconds.")
@click.option(
    "--discretization",
    default="euler",
    show_default=True,
    type=click.Choice(["euler", "exact"]),
    help="tau is chosen so that 1 - dt/tau (euler) or exp(-dt/tau) (exact) equals 1 - 2^-k.",
)
def export_nir(checkpoint: Path, output_file: Path, dt: float, discretization: str) -> None:
    """Export CHECKPOINT (a checkpoint.pt or its directory) to NIR with the weights the hardware uses."""
    from spikeforge.commands.common import check_output_file
    from spikeforge.nir_io import Timing, export_graph, write_graph
    from spikeforge.train.checkpoint import load_model

    check_output_file(output_file)
    model, _ = load_model(checkpoint)
    graph, warnings = export_graph(model, Timing(dt=dt, discretization=discretization))
    write_graph(graph, output_file)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"wrote {output_file}: {', '.join(f'{k}:{type(v).__name__}' for k, v in graph.nodes.items())}")
