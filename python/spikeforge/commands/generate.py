"""`spikeforge generate rtl|hls MODEL -o DIR`: hardware sources for a model (the Verilog core, or the
hls4ml project of the event-driven HLS C++)."""

from __future__ import annotations

from pathlib import Path

import click

from spikeforge.commands.common import output_option


@click.group()
def generate() -> None:
    """Generate hardware for a hardware model file."""


@generate.command()
@click.argument("model", type=click.Path(path_type=Path))
@output_option("Design folder to write.", "out_dir")
@click.option(
    "--lanes",
    default="1",
    show_default=True,
    help="Synapses per cycle P (1,2,4,8,16), or one per layer: 4,1, or auto: per layer, the shortest "
    "interval within --lut-budget (spike activity of the dataset the model's meta records, else uniform).",
)
@click.option(
    "--board", default=None, help="Board whose LUT budget --lanes auto uses (default: the default board)."
)
@click.option("--lut-budget", type=click.FloatRange(min=0, min_open=True), help="LUT budget of --lanes auto.")
def rtl(model: Path, out_dir: Path, lanes: str, board: str | None, lut_budget: float | None) -> None:
    """Write the event-driven Verilog core of MODEL: sources, $readmemh images, manifest.json (SPEC 4).

    The core is written by the SFRTL hls4ml backend from the same graph the HLS project comes from.
    """
    import json

    from spikeforge.commands.common import check_output_dir, lanes_value, load_model_file
    from spikeforge.hls4ml_ext.convert import to_graph
    from spikeforge.hw.model import file_sha256

    check_output_dir(out_dir)
    hw = load_model_file(model)
    lanes_arg = lanes_value(lanes, hw, board=board, lut_budget=lut_budget)
    previous = _listed_files(out_dir)
    to_graph(hw, out_dir, backend="SFRTL", lanes=lanes_arg, model_sha256=file_sha256(model)).write()
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    for name in sorted(previous - _listed_files(out_dir)):  # a bigger design's images, no longer read
        (out_dir / name).unlink(missing_ok=True)
    params = manifest["parameters"]
    click.echo(
        f"{out_dir}: top {manifest['top']}, {len(manifest['sources'])} sources, lanes {params['lanes']}"
    )
    for index, layer in enumerate(params["layers"]):
        click.echo(
            f"  layer{index}: {layer['ROWS']} neuron rows x {layer['P']} banks, "
            f"{layer['P']} synapse lists of {layer['SLOTS']} x {layer['RB'] + layer['WB']} bits"
        )


@generate.command()
@click.argument("model", type=click.Path(path_type=Path))
@output_option("Project folder to write.", "out_dir")
@click.option(
    "--lanes",
    default="1",
    show_default=True,
    help="Synapses per cycle P (1,2,4,8,16), or one per layer: 4,1.",
)
@click.option("--part", default="xc7z020clg400-1", show_default=True, help="FPGA part for Vitis HLS.")
@click.option("--clock-ns", default=10.0, show_default=True, type=float, help="Target clock period (ns).")
@click.option(
    "--tb-samples",
    default=4,
    show_default=True,
    type=click.IntRange(0, 10_000),
    help="Random samples (seeded) whose golden readouts the project's C simulation test bench checks.",
)
@click.option(
    "--tb-timesteps",
    default=8,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Timesteps of each test-bench sample.",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the test-bench samples.")
def hls(
    model: Path,
    out_dir: Path,
    lanes: str,
    part: str,
    clock_ns: float,
    tb_samples: int,
    tb_timesteps: int,
    seed: int,
) -> None:
    """Write the hls4ml (Vitis HLS) project of MODEL: event-driven C++ with an AXI4-Stream top (SPEC 4)."""
    import numpy as np

    from spikeforge.commands.common import check_output_dir, lanes_value, load_model_file
    from spikeforge.hls4ml_ext.convert import sf_layers, to_graph
    from spikeforge.hls4ml_ext.vitis import top_name, write_test_vectors
    from spikeforge.hw.model import file_sha256

    check_output_dir(out_dir)
    hw = load_model_file(model)
    graph = to_graph(
        hw,
        out_dir,
        lanes=lanes_value(lanes, hw),
        part=part,
        clock_period=clock_ns,
        model_sha256=file_sha256(model),
    )
    graph.write()
    spikes = np.random.default_rng(seed).random((tb_samples, tb_timesteps, hw.n_inputs)) < 0.3
    words = write_test_vectors(out_dir, hw, spikes) if tb_samples else 0
    project = graph.config.get_project_name()
    click.echo(
        f"{out_dir}: hls4ml project {project}, top {top_name(project)} (build_prj.tcl), "
        f"part {part}, {clock_ns:g} ns"
    )
    for node in sf_layers(graph):
        click.echo(
            f"  {node.name}: {node.get_attr('n_in')} -> {node.get_attr('n_out')}, "
            f"{node.get_attr('lanes')} lanes, {node.get_attr('slots')} fan-out slots"
        )
    click.echo(f"  test bench: {tb_samples} samples (seed {seed}), {words} golden readout words in tb_data/")


def _listed_files(design: Path) -> set[str]:
    """The sources and memory images a design folder's manifest.json lists (empty without one)."""
    import json

    try:
        manifest = json.loads((design / "manifest.json").read_text(encoding="utf-8"))
        names = [*manifest.get("sources", []), *manifest.get("memory_images", [])]
    except (OSError, ValueError, AttributeError, TypeError):
        return set()
    return {
        n for n in names if isinstance(n, str) and "/" not in n and "\\" not in n and not n.startswith(".")
    }
