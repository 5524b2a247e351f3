"""`spikeforge simulate MODEL --input FILE | --dataset NAME`: run spike trains through an engine (golden by default).

With ``--dataset`` the spike trains are a dataset split encoded with the timesteps and encoder
recorded in the model's meta (by `spikeforge train`), and the labels give the accuracy.
"""

from __future__ import annotations

from pathlib import Path

import click

from spikeforge.engines import ENGINES


@click.command()
@click.argument("model", type=click.Path(path_type=Path))
@click.option("--input", "input_path", type=click.Path(path_type=Path), help=".npy spike trains [B, T, n_inputs] of 0/1.")
@click.option("--labels", "labels_path", type=click.Path(path_type=Path), help=".npy integer labels [B]; adds accuracy.")
@click.option("--dataset", help="Evaluate on this dataset instead of --input (timesteps/encoder from the model's meta).")
@click.option("--split", default="test", show_default=True, type=click.Choice(["train", "val", "test"]), help="Dataset split.")
@click.option("--engine", default="golden", show_default=True, type=click.Choice(sorted(ENGINES)), help="Execution engine.")
@click.option("--json", "as_json", is_flag=True, help='Print {"readout", "prediction", ...} as JSON.')
@click.option("--quiet", is_flag=True, help="No progress bars.")
def simulate(
    model: Path, input_path: Path | None, labels_path: Path | None, dataset: str | None, split: str, engine: str,
    as_json: bool, quiet: bool,
) -> None:
    """Simulate the hardware model MODEL on spike trains and report readouts and predictions."""
    import numpy as np

    from spikeforge.commands.common import load_npy, print_json
    from spikeforge.engines import get_engine
    from spikeforge.errors import SpikeforgeError
    from spikeforge.hw.golden import check_spike_trains, predict
    from spikeforge.hw.model import HardwareModel

    hw = HardwareModel.load(model)
    if (input_path is None) == (dataset is None):
        raise SpikeforgeError("give the spike trains with either --input FILE.npy or --dataset NAME")
    labels = None
    if dataset is not None:
        if labels_path is not None:
            raise SpikeforgeError("--labels goes with --input; --dataset brings its own labels")
        spikes, labels = _dataset_split(hw, model, dataset, split)
    else:
        spikes = check_spike_trains(load_npy(input_path, "input"), hw.n_inputs)
    if labels_path is not None:
        labels = load_npy(labels_path, "labels")
        if labels.shape != (spikes.shape[0],) or labels.dtype.kind not in "iu":
            raise SpikeforgeError(f"{labels_path}: labels must be {spikes.shape[0]} integers, got {labels.dtype} {list(labels.shape)}")
    result = get_engine(engine)(hw, spikes, model_path=model, quiet=quiet)
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
        click.echo(f"accuracy: {100 * out['accuracy']:.2f}% ({int(np.sum(prediction == labels))}/{labels.size})")
    for key, value in result.stats.items():
        if np.isscalar(value):
            click.echo(f"{key}: {value}")


def _dataset_split(hw, model_path: Path, dataset: str, split: str):
    """Spike trains and labels of a dataset split, encoded as recorded in the model's meta."""
    from spikeforge.data.datasets import encoded_for_model
    from spikeforge.errors import SpikeforgeError

    try:
        return encoded_for_model(hw, dataset, split)
    except SpikeforgeError as exc:
        raise SpikeforgeError(f"{model_path}: {exc}; use --input instead") from None
