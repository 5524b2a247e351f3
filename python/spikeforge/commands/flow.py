"""`spikeforge flow CONFIG.json`: run the flow's steps from a config file (all of them, or a start..stop
range resuming from what an earlier run left in the output folder); `spikeforge demo` runs the default."""

from __future__ import annotations

from pathlib import Path

import click

from spikeforge.commands.common import output_option


def run_and_print(cfg) -> None:
    """Run the flow, echoing each step's title, then one summary line per step."""
    from spikeforge.flow import run_flow

    state = run_flow(cfg, echo=click.echo)
    width = max(map(len, state.report), default=0)
    for stage, facts in state.report.items():
        click.echo(f"  {stage:<{width}}  {facts['summary']}")
    click.echo(f"done: results in {cfg.output_dir}/ (flow_report.json, flow_config.json)")


@click.command()
@click.argument("config", type=click.Path(path_type=Path))
@output_option("Output folder (default: the config's output_dir).", "output_dir", required=False)
@click.option(
    "--start-step", help="First step to run; earlier steps' outputs are read from the output folder."
)
@click.option("--stop-step", help="Last step to run.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def flow(
    config: Path, output_dir: Path | None, start_step: str | None, stop_step: str | None, quiet: bool
) -> None:
    """Run the flow described by the JSON file CONFIG (keys of flow_config.json, any subset)."""
    from dataclasses import replace

    from spikeforge.commands.common import check_output_dir, read_json
    from spikeforge.flow import FlowConfig

    read_json(
        config, "a flow config"
    )  # one line for a file that is no JSON at all; the keys: FlowConfig.load
    cfg = FlowConfig.load(config)
    changes = {"start_step": start_step, "stop_step": stop_step, "output_dir": output_dir}
    cfg = replace(cfg, **{k: v for k, v in changes.items() if v is not None}, quiet=quiet or cfg.quiet)
    check_output_dir(Path(cfg.output_dir))
    run_and_print(cfg)
