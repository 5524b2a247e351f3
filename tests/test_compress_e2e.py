"""End to end on digits: a trained checkpoint compressed under a BRAM18 budget, checked by the resource
model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spikeforge.cli import main
from spikeforge.estimate.resources import estimate
from spikeforge.hw import golden
from spikeforge.hw.model import HardwareModel


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    from spikeforge.train.config import TrainConfig
    from spikeforge.train.run import run_training

    out = tmp_path_factory.mktemp("train")
    run_training(TrainConfig(dataset="digits", hidden=[64], epochs=6, seed=0), out, quiet=True)
    return out / "checkpoint.pt"


@pytest.mark.slow
def test_compress_meets_bram_budget_by_resource_model(checkpoint, tmp_path) -> None:
    dense = estimate(HardwareModel.load(checkpoint.parent / "model.npz")).totals()
    budget = dense["bram18"] - 1
    assert budget >= 1
    out = tmp_path / "c"
    code = main(
        [
            "compress",
            str(checkpoint),
            "--board",
            "pynq-z2",
            "--bram",
            str(budget),
            "--finetune-epochs",
            "2",
            "--max-compress-epochs",
            "4",
            "-o",
            str(out),
            "--quiet",
        ]
    )
    assert code == 0
    hw = HardwareModel.load(out / "model.npz")
    got = estimate(hw).totals()  # the issue-5 estimator of the written file, independent of the compressor
    assert got["bram18"] <= budget
    report = json.loads((out / "report.json").read_text())
    assert report["meets_budget"] is True
    row = next(r for r in report["resources"] if r["resource"] == "bram18")
    assert row["compressed"] == got["bram18"] and row["budget"] == budget
    # the file meets the budget as trained (no tightening after export); the model trained against is not
    # optimistic
    assert report["tightenings_after_export"] == 0 and row["expected_model"] >= row["compressed"]
    assert [la["nonzeros"] for la in report["layers"]] == [
        int(np.count_nonzero(la.weight)) for la in hw.layers
    ]
    # the quoted hardware accuracy is the golden simulator's on the written file
    from spikeforge.data.datasets import load_dataset

    ds = load_dataset("digits")
    spikes = ds.spike_trains("test", 8, "rate")
    acc = float(np.mean(golden.run(hw, spikes).prediction == ds.labels("test")))
    assert report["hardware_accuracy"]["compressed"]["test"] == pytest.approx(acc)
    assert acc > 0.8
    for name in ("report.md", "checkpoint.pt", "iterations.png", "layers.png", "accuracy_vs_resources.png"):
        assert (out / name).is_file()


@pytest.mark.slow
def test_budget_below_overhead_is_refused(checkpoint, tmp_path, capsys) -> None:
    code = main(["compress", str(checkpoint), "--lut", "10", "-o", str(tmp_path / "x"), "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert "lut budget 10 is below" in err and "minimum achievable is" in err
    assert not (tmp_path / "x").exists()
