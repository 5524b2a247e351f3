"""`spikeforge package MODEL --board BOARD -o DIR`: a folder to take to Vivado and then to the board."""

from __future__ import annotations

from pathlib import Path

import click

from spikeforge.commands.common import output_option


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option(
    "--board", required=True, help="Target board: pynq-z1, pynq-z2, ultra96-v2, zcu104, kv260, zcu102."
)
@click.option(
    "--backend", default="rtl", show_default=True, type=click.Choice(["rtl", "hls"]), help="Core to build."
)
@click.option(
    "--lanes",
    default="1",
    show_default=True,
    help="Lanes P (1,2,4,8,16), or one per layer: 4,1, or auto (rtl: per layer, the shortest interval "
    "within the board's LUT budget).",
)
@click.option("--clock", "clock_mhz", type=float, help="PL clock in MHz (default: the board's, 100).")
@click.option(
    "--hls-ip", type=click.Path(path_type=Path), help="With --backend hls: the Vitis HLS IP export folder."
)
@output_option("Package folder.", "out_dir")
@click.option("--build", is_flag=True, help="Run the Vivado build now (needs `vivado` on PATH).")
@click.option("--jobs", default=4, show_default=True, type=int, help="Parallel Vivado implementation jobs.")
def package(
    model: Path,
    board: str,
    backend: str,
    lanes: str,
    clock_mhz: float | None,
    hls_ip: Path | None,
    out_dir: Path,
    build: bool,
    jobs: int,
) -> None:
    """Package MODEL for BOARD: core IP, Vivado recipe, one-line build, PYNQ driver, model, README."""
    from spikeforge.commands.common import check_output_dir, lanes_value, load_model_file
    from spikeforge.deploy.package import package_model, run_build
    from spikeforge.errors import SpikeforgeError

    check_output_dir(out_dir)
    if lanes.strip().lower() == "auto" and backend != "rtl":
        raise SpikeforgeError("--lanes auto chooses lanes for the rtl backend only")
    per_layer = lanes_value(lanes, load_model_file(model), board=board)
    meta = package_model(
        model,
        board,
        out_dir,
        backend=backend,
        lanes=per_layer,
        clock_mhz=clock_mhz,
        hls_ip=hls_ip,
        jobs=jobs,
    )
    click.echo(
        f"{out_dir}: {meta['board']} ({meta['part']}), {meta['backend']} core"
        f"{', lanes ' + str(meta['lanes']) if meta['lanes'] else ''}, {meta['clock_mhz']:g} MHz"
    )
    click.echo(f"  build: cd {out_dir} && {meta['build_command']}   (needs Vivado and the board files)")
    click.echo(f"  check: spikeforge deploy simulate {out_dir} --input X.npy")
    if build:
        click.echo(f"  built: {run_build(out_dir)}")
