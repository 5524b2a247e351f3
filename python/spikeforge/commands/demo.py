"""`spikeforge demo`: the whole flow on the embedded default data (what `make demo` runs)."""

from __future__ import annotations

from pathlib import Path

import click

from spikeforge.commands.common import output_option


@click.command()
@output_option("Output folder.", "output_dir", required=False, default=Path("build/demo"), show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bars.")
def demo(output_dir: Path, quiet: bool) -> None:
    """Run every stage of the flow that exists on the default data and write the results to OUTPUT."""
    from spikeforge.commands.common import check_output_dir
    from spikeforge.commands.flow import run_and_print
    from spikeforge.flow import FlowConfig

    check_output_dir(output_dir)
    run_and_print(FlowConfig(output_dir=output_dir, quiet=quiet))
