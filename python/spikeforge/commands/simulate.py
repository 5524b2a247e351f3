"""`spikeforge simulate MODEL --input FILE | --dataset NAME`: run spike trains through an engine
(golden by default).

With ``--dataset`` the spike trains are a dataset split encoded with the timesteps and encoder
recorded in the model's meta (by `spikeforge train`), and the labels give the accuracy.
"""

from __future__ import annotations

from pathlib import Path

import click

from spikeforge.engines import ENGINES


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option(
    "--input",
    "input_path",
    type=click.Path(path_type=Path),
    help=".npy spike trains [B, T, n_inputs] of 0/1.",
)
@click.option(
    "--labels", "labels_path", type=click.Path(path_type=Path), help=".npy integer labels [B]; adds accuracy."
)
@click.option(
    "--dataset", help="Evaluate on this dataset instead of --input (timesteps/encoder from the model's meta)."
)
@click.option(
    "--split",
    default="test",
    show_default=True,
    type=click.Choice(["train", "val", "test"]),
    help="Dataset split.",
)
@click.option(
    "--engine",
    default="golden",
    show_default=True,
    type=click.Choice(sorted(ENGINES)),
    help="Execution engine.",
)
@click.option(
    "--lanes",
    help="rtl engine: lanes P of the generated core (1, 2, 4, 8, 16), or one per layer: 4,1 [default: 4].",
)
@click.option(
    "--design",
    "design_dir",
    type=click.Path(path_type=Path),
    help="rtl engine: simulate this design folder (from `spikeforge generate rtl MODEL`) instead of "
    "generating one.",
)
@click.option(
    "--max-cycles",
    type=click.IntRange(1),
    help="rtl engine: cycles a sample may take before it counts as "
    "hung [default: 4x the latency model's bound for the sample, plus 10000].",
)
@click.option("--json", "as_json", is_flag=True, help='Print {"readout", "prediction", ...} as JSON.')
@click.option("--quiet", is_flag=True, help="No progress bars.")
def simulate(
    model: Path,
    input_path: Path | None,
    labels_path: Path | None,
    dataset: str | None,
    split: str,
    engine: str,
    lanes: str | None,
    design_dir: Path | None,
    max_cycles: int | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Simulate the hardware model MODEL on spike trains and report readouts and predictions."""
    import numpy as np

    from spikeforge.commands.common import load_model_file, load_npy, print_json
    from spikeforge.engines import get_engine
    from spikeforge.errors import SpikeforgeError
    from spikeforge.hw.golden import check_spike_trains, predict

    if (input_path is None) == (dataset is None):
        raise SpikeforgeError("give the spike trains with either --input FILE.npy or --dataset NAME")
    if input_path is not None and click.get_current_context().get_parameter_source("split").name != "DEFAULT":
        raise SpikeforgeError("--split goes with --dataset; --input gives its own spike trains")
    rtl_only = {"--lanes": lanes, "--design": design_dir, "--max-cycles": max_cycles}
    given = [name for name, value in rtl_only.items() if value is not None]
    if given and engine != "rtl":
        raise SpikeforgeError(f"{given[0]} goes with --engine rtl")
    if lanes is not None and design_dir is not None:
        raise SpikeforgeError("give --lanes or --design, not both: a design folder has its lanes")
    hw = load_model_file(model)
    run_options: dict = {}
    if engine == "rtl":
        run_options = _rtl_options(hw, model, lanes, design_dir, max_cycles)
    labels = None
    if dataset is not None:
        if labels_path is not None:
            raise SpikeforgeError("--labels goes with --input; --dataset brings its own labels")
        spikes, labels = _dataset_split(hw, model, dataset, split)
    else:
        spikes = check_spike_trains(load_npy(input_path, "input"), hw.n_inputs)
    if spikes.shape[0] == 0:
        raise SpikeforgeError(f"{input_path}: holds no samples (batch size 0)")
    if labels_path is not None:
        labels = load_npy(labels_path, "labels")
        if labels.shape != (spikes.shape[0],) or labels.dtype.kind not in "iu":
            raise SpikeforgeError(
                f"{labels_path}: labels must be {spikes.shape[0]} integers,"
                f" got {labels.dtype} {list(labels.shape)}"
            )
        bad = labels[(labels < 0) | (labels >= hw.n_outputs)]
        if bad.size:
            raise SpikeforgeError(
                f"{labels_path}: label {int(bad[0])} is outside the model's classes 0..{hw.n_outputs - 1}"
            )
    if engine == "rtl":
        from spikeforge.rtl.engine import rtl_engine, simulate_design

        if design_dir is not None:
            result = simulate_design(
                design_dir, spikes, hw.n_outputs, quiet=quiet, model=hw, max_cycles=max_cycles
            )
        else:
            result = rtl_engine(hw, spikes, model_path=model, quiet=quiet, **run_options)
    else:
        result = get_engine(engine)(hw, spikes, model_path=model, quiet=quiet)
    stats = result.stats
    if stats.get("slow"):  # finished, but well beyond the latency model: slow, not hung
        click.echo(
            f"warning: the RTL core is slow: {stats['cycles_per_sample_mean']:.0f} cycles per sample, the "
            f"latency model says {stats['cycles_per_sample_model']:.0f}",
            err=True,
        )
    prediction = predict(result.readout)
    out = {"engine": engine, "samples": int(spikes.shape[0]), "timesteps": int(spikes.shape[1])}
    out |= {"readout": result.readout, "prediction": prediction}
    if labels is not None:
        out["accuracy"] = float(np.mean(prediction == labels)) if labels.size else None
    out |= result.stats
    if as_json:
        print_json(out)
        return
    click.echo(f"{engine}: {out['samples']} samples x {out['timesteps']} timesteps through {model}")
    shown = ", ".join(str(int(p)) for p in prediction[:20])
    click.echo(f"predictions: {shown}{' ...' if prediction.size > 20 else ''}")
    if labels is not None and out["accuracy"] is not None:
        click.echo(
            f"accuracy: {100 * out['accuracy']:.2f}% ({int(np.sum(prediction == labels))}/{labels.size})"
        )
    if engine == "rtl":
        _echo_rtl(result.stats)
    else:
        for key, value in result.stats.items():
            if np.isscalar(value):
                click.echo(f"{key}: {value}")


def _rtl_options(
    hw, model_path: Path, lanes: str | None, design_dir: Path | None, max_cycles: int | None
) -> dict:
    """Check --lanes / --design for the rtl engine before any work; the keyword arguments of rtl_engine."""
    import json

    from spikeforge.commands.common import parse_lanes
    from spikeforge.errors import SpikeforgeError
    from spikeforge.hw.model import file_sha256

    options: dict = {"max_cycles": max_cycles}
    if lanes is not None:
        per_layer = parse_lanes(lanes, len(hw.layers))
        options["lanes"] = per_layer if "," in lanes else per_layer[0]
    if design_dir is not None:
        manifest_path = design_dir / "manifest.json"
        if not design_dir.is_dir():
            raise SpikeforgeError(f"--design {design_dir}: no such folder")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
            recorded = manifest["model_sha256"]
        except (OSError, ValueError, KeyError, TypeError):
            raise SpikeforgeError(
                f"--design {design_dir}: no readable manifest.json from `spikeforge generate rtl`"
            ) from None
        if recorded != file_sha256(model_path):
            raise SpikeforgeError(f"--design {design_dir} was generated from another model than {model_path}")
    return options


def _echo_rtl(stats: dict) -> None:
    """The rtl engine's numbers as sentences (the JSON output has them all)."""
    lanes = stats["rtl_lanes"]
    click.echo(f"rtl core: lanes P={','.join(map(str, lanes))} per layer")
    if "cycles_per_sample_mean" in stats:
        line = (
            f"cycles: {stats['cycles_per_sample_mean']:.1f} per sample (mean),"
            f" {stats['cycles_total']} in total"
        )
        if "cycles_per_sample_model" in stats:
            line += f"; latency model {stats['cycles_per_sample_model']:.1f} per sample"
        click.echo(line)


def _dataset_split(hw, model_path: Path, dataset: str, split: str):
    """Spike trains and labels of a dataset split, encoded as recorded in the model's meta."""
    from spikeforge.data.datasets import encoded_for_model
    from spikeforge.errors import SpikeforgeError

    try:
        return encoded_for_model(hw, dataset, split)
    except SpikeforgeError as exc:
        raise SpikeforgeError(f"{model_path}: {exc}; use --input instead") from None
