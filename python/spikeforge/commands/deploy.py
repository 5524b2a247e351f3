"""`spikeforge deploy simulate DIR --input X.npy`: a package's driver on the simulated board."""

from __future__ import annotations

from pathlib import Path

import click


@click.group()
def deploy() -> None:
    """Check a package folder written by `spikeforge package`."""


@deploy.command()
@click.argument("package_dir", type=click.Path(path_type=Path))
@click.option(
    "--input", "input_path", required=True, type=click.Path(path_type=Path), help=".npy spike trains."
)
@click.option(
    "--labels", "labels_path", type=click.Path(path_type=Path), help=".npy integer labels; adds accuracy."
)
@click.option(
    "--core",
    default="golden",
    show_default=True,
    type=click.Choice(["golden", "rtl"]),
    help="What backs the simulated core: the golden simulator or the packaged Verilog in Verilator.",
)
@click.option("--batch-size", default=256, show_default=True, type=int, help="Samples per DMA packet.")
@click.option(
    "--json", "as_json", is_flag=True, help='Print {"readout", "prediction", "throughput", ...} as JSON.'
)
def simulate(
    package_dir: Path, input_path: Path, labels_path: Path | None, core: str, batch_size: int, as_json: bool
) -> None:
    """Run PACKAGE_DIR's driver, unchanged, against a simulated board and report readouts."""
    from spikeforge.commands.common import load_npy, print_json
    from spikeforge.deploy.simulate import simulate_package
    from spikeforge.errors import SpikeforgeError

    if batch_size < 1:
        raise SpikeforgeError(f"--batch-size must be at least 1, got {batch_size}")
    spikes = load_npy(input_path, "input")
    labels = load_npy(labels_path, "labels") if labels_path is not None else None
    if labels is not None and (labels.shape != (spikes.shape[0],) or labels.dtype.kind not in "iu"):
        raise SpikeforgeError(f"{labels_path}: labels must be {spikes.shape[0]} integers")
    out = simulate_package(package_dir, spikes, core=core, labels=labels, batch_size=batch_size)
    if as_json:
        print_json(out)
        return
    click.echo(f"{out['engine']} on {out['board']}: {out['samples']} samples x {out['timesteps']} timesteps")
    shown = ", ".join(str(int(p)) for p in out["prediction"][:20])
    click.echo(f"predictions: {shown}{' ...' if len(out['prediction']) > 20 else ''}")
    if out.get("accuracy") is not None:
        click.echo(f"accuracy: {100 * out['accuracy']:.2f}%")
    tp = out["throughput"]
    if tp:
        click.echo(
            f"driver: {tp['batch_size']} samples in {1e3 * tp['runtime_s']:.2f} ms "
            f"(encode {1e3 * tp['encode_s']:.2f}, copy {1e3 * tp['copy_s']:.2f}, "
            f"DMA {1e3 * tp['dma_s']:.2f}, "
            f"decode {1e3 * tp['decode_s']:.2f} ms), fclk {tp['fclk_mhz']} MHz"
        )
    if "cycles_per_sample_mean" in out:
        click.echo(f"core cycles per sample: {out['cycles_per_sample_mean']:.1f}")
