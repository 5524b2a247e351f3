"""`spikeforge calibrate`: synthesize a sweep of generated cores with Yosys, measure RTL cycles in Verilator,
refit the model constants into OUTPUT/calibration.json and print estimate vs measurement."""

from __future__ import annotations

from pathlib import Path

import click

from spikeforge.commands.common import output_option


@click.command()
@click.option("--configs", default=36, show_default=True, type=int, help="Sweep size (every third held out).")
@click.option("--jobs", default=2, show_default=True, type=int, help="Yosys processes at a time.")
@output_option("Folder for the designs, caches, calibration.json and report.{json,md,png}.", "work_dir")
@click.option(
    "--constants",
    type=click.Path(path_type=Path),
    help="Model constants to start from and compare (default: the packaged ones).",
)
@click.option("--no-latency", is_flag=True, help="Skip the Verilator cycle measurements.")
@click.option("--no-refit", is_flag=True, help="Evaluate the current constants without refitting.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--quiet", is_flag=True, help="No progress bars.")
def calibrate(
    configs: int,
    jobs: int,
    work_dir: Path,
    constants: Path | None,
    no_latency: bool,
    no_refit: bool,
    as_json: bool,
    quiet: bool,
) -> None:
    """Fit the resource/latency model constants against Yosys synthesis and RTL simulation."""
    from spikeforge.calibrate.run import CalibrationConfig, run, table_rows
    from spikeforge.commands.common import check_output_dir, print_json, read_constants
    from spikeforge.errors import SpikeforgeError
    from spikeforge.report import format_table

    if configs < 3 or jobs < 1:
        raise SpikeforgeError(f"--configs must be at least 3 and --jobs at least 1, got {configs} and {jobs}")
    check_output_dir(work_dir)
    if constants is not None:
        read_constants(constants)
    report = run(
        CalibrationConfig(
            work_dir=work_dir,
            configs=configs,
            jobs=jobs,
            constants=constants,
            latency=not no_latency,
            refit=not no_refit,
            quiet=quiet,
        )
    )
    if as_json:
        print_json(report)
        return
    rows = table_rows(report)
    click.echo(format_table(rows, list(rows[0])))
    for subset, s in report["summary"].items():
        click.echo(
            f"{subset}: {s['configs']} configs, LUT median |err| {100 * s['lut_median_abs_error']:.1f}% "
            f"max {100 * s['lut_max_abs_error']:.1f}%, FF median {100 * s['ff_median_abs_error']:.1f}% "
            f"max {100 * s['ff_max_abs_error']:.1f}%, BRAM18 exact {s['bram18_exact']}/{s['configs']}, "
            f"DSP exact {s['dsp_exact']}/{s['configs']}"
        )
    if report["latency"]:
        click.echo(format_table(report["latency"], list(report["latency"][0])))
    click.echo(f"report: {work_dir / 'report.md'}")
    if "constants_file" in report:
        click.echo(f"constants: {report['constants_file']} (use with `spikeforge estimate --constants`)")
