"""`spikeforge info MODEL`: what a hardware model file holds (layers, synapses, density, bits, memory)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def info(model: Path, as_json: bool) -> None:
    """Summarize the hardware model file MODEL (.npz, SPEC section 2)."""
    from spikeforge.commands.common import load_model_file, print_json
    from spikeforge.report import format_table

    hw = load_model_file(model)
    summary = {"file": str(model), **hw.summary(), "meta": hw.extra}
    if as_json:
        print_json(summary)
        return
    t = summary["total"]
    click.echo(f"{model}: {hw.n_inputs} inputs -> {hw.n_outputs} outputs, readout={hw.readout}")
    columns = [
        "layer",
        "n_in",
        "n_out",
        "nonzeros",
        "density",
        "weight_bits",
        "membrane_bits",
        "leak_shift",
        "reset",
    ]
    click.echo(format_table(summary["layers"], columns))
    click.echo(
        f"total: {t['synapses']} synapses, {t['nonzeros']} nonzero ({100 * t['density']:.1f}%), "
        f"weights {t['weight_memory_bits_nonzero']} bits nonzero / "
        f"{t['weight_memory_bits_dense']} bits dense, "
        f"membranes {t['state_memory_bits']} bits"
    )
