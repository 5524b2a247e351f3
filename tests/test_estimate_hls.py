"""`spikeforge estimate --backend hls`: the HLS kernel's cycles model on the CLI, labelled unverified."""

from __future__ import annotations

import json

import numpy as np

from spikeforge.cli import main
from spikeforge.estimate import activity
from spikeforge.hls4ml_ext.cycles import hls_cycles_per_sample
from spikeforge.hw.random_model import random_model


def test_estimate_backend_hls_prints_the_kernel_cycles_model(tmp_path, capsys):
    model = random_model([20, 12, 5], seed=4)
    path = model.save(tmp_path / "m.npz")
    spikes = np.random.default_rng(1).random((6, 7, 20)) < 0.2
    rates = activity.measured(model, spikes, source="test").mean_rates()
    (tmp_path / "act.json").write_text(
        json.dumps({"timesteps": 7, "layers": [{"input_rate": r} for r in rates]})
    )
    assert (
        main(
            [
                "estimate",
                str(path),
                "--backend",
                "hls",
                "--lanes",
                "2",
                "--activity",
                str(tmp_path / "act.json"),
                "--json",
            ]
        )
        == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["backend"] == "hls" and report["verified"] is False and report["lanes"] == [2, 2]
    assert report["latency_us"] == report["cycles_per_sample"] / 100.0  # the board's default clock
    assert main(["estimate", str(path), "--backend", "hls"]) == 0
    out = capsys.readouterr().out
    assert "unverified until Vitis HLS" in out and "no model here" in out


def test_estimate_backend_hls_follows_the_lanes_and_refuses_rtl_only_options(tmp_path, capsys):
    model = random_model([20, 12, 5], seed=4)
    path = model.save(tmp_path / "m.npz")
    cycles = {}
    for p in (1, 4):
        assert main(["estimate", str(path), "--backend", "hls", "--lanes", str(p), "--json"]) == 0
        cycles[p] = json.loads(capsys.readouterr().out)["cycles_per_sample"]
    assert cycles[4] < cycles[1]
    spikes = np.random.default_rng(0).random((3, 4, 20)) < 0.3
    assert hls_cycles_per_sample(model, spikes, 4).shape == (3,)
    assert main(["estimate", str(path), "--backend", "hls", "--synth"]) == 2
    assert "rtl backend only" in capsys.readouterr().err
