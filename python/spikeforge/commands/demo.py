"""`spikeforge demo`: the whole flow on the embedded default data (what `make demo` runs)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.option("-o", "--output", "output_dir", type=click.Path(path_type=Path), default=Path("build/demo"), show_default=True)
@click.option("--quiet", is_flag=True, help="No progress bars.")
def demo(output_dir: Path, quiet: bool) -> None:
    """Run every stage of the flow that exists on the default data and write the results to OUTPUT."""
    from spikeforge.commands.common import check_output_dir
    from spikeforge.flow import FlowConfig, run_flow

    check_output_dir(output_dir)
    state = run_flow(FlowConfig(output_dir=output_dir, quiet=quiet), echo=click.echo)
    width = max(map(len, state.report))
    for stage, facts in state.report.items():
        click.echo(f"  {stage:<{width}}  {facts['summary']}")
    click.echo(f"done: results in {output_dir}/ (flow_report.json, estimate.txt, compressed/report.md, rtl/)")
