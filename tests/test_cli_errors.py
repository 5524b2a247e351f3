"""Bad options and files give one line and exit 2; the estimate uses what the model's meta records."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from spikeforge.cli import main
from spikeforge.hw.model import HardwareModel
from spikeforge.hw.random_model import random_model


def _one_line(capsys) -> str:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("spikeforge: error: ") and "Traceback" not in err, err
    return err


@pytest.fixture
def model_file(tmp_path) -> Path:
    return random_model([12, 8, 4], seed=5, density=0.7).save(tmp_path / "model.npz")


@pytest.fixture
def digits_model(tmp_path) -> Path:
    """A random 64-16-10 model whose meta records digits, T=8, rate encoding (as `train` writes it)."""
    hw = random_model([64, 16, 10], seed=2, density=0.5)
    hw = HardwareModel(
        layers=hw.layers, readout=hw.readout, extra={"dataset": "digits", "timesteps": 8, "encoder": "rate"}
    )
    return hw.save(tmp_path / "digits.npz")


@pytest.mark.parametrize(
    "option,value",
    [
        ("--timesteps", "-5"),
        ("--timesteps", "0"),
        ("--clock", "inf"),
        ("--clock", "nan"),
        ("--clock", "-100"),
        ("--clock", "0"),
        ("--samples", "0"),
        ("--lanes", "3"),
        ("--lanes", "4,1,2"),
        ("--lanes", "x"),
    ],
)
def test_estimate_bad_numbers_are_one_line(model_file, capsys, option, value):
    assert main(["estimate", str(model_file), option, value]) == 2
    assert option in _one_line(capsys)


def test_estimate_latency_uses_the_clock_given(model_file, capsys):
    assert main(["estimate", str(model_file), "--clock", "50", "--json"]) == 0
    total = json.loads(capsys.readouterr().out)["total"]
    assert total["latency_us"] == pytest.approx(total["cycles"] / 50, rel=1e-3) and total["latency_us"] > 0


def test_estimate_lanes_per_layer(model_file, capsys):
    assert main(["estimate", str(model_file), "--lanes", "4,1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [layer["lanes"] for layer in report["layers"]] == [4, 1]


def test_estimate_warns_outside_the_calibrated_lanes(model_file, tmp_path, capsys):
    from spikeforge.estimate.calibration import packaged_constants

    constants = json.loads(packaged_constants().read_text())
    constants["fit"]["lanes"] = [1, 2, 4, 8]  # constants fitted without P = 16
    path = tmp_path / "constants.json"
    path.write_text(json.dumps(constants))
    assert main(["estimate", str(model_file), "--lanes", "16", "--constants", str(path), "--json"]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and "16" in err and "calibrated" in err
    assert main(["estimate", str(model_file), "--lanes", "8", "--constants", str(path), "--json"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert main(["estimate", str(model_file), "--lanes", "16", "--json"]) == 0  # the packaged fit covers 16
    assert "warning" not in capsys.readouterr().err


def test_estimate_non_utf8_activity_file(model_file, tmp_path, capsys):
    bad = tmp_path / "activity.json"
    bad.write_bytes(b"\xff\xfe{\x00")
    assert main(["estimate", str(model_file), "--activity", str(bad)]) == 2
    assert str(bad) in _one_line(capsys)


def test_estimate_activity_timesteps_default_to_the_meta(digits_model, tmp_path, capsys):
    act = tmp_path / "a.json"
    act.write_text(json.dumps({"layers": [{"input_rate": 0.2}, {"input_rate": 0.1}]}))
    assert main(["estimate", str(digits_model), "--activity", str(act), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["activity"]["timesteps"] == 8
    # --timesteps is not silently ignored: it sets T for a file without one, and clashes with a file's own T
    assert main(["estimate", str(digits_model), "--activity", str(act), "--timesteps", "4", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["activity"]["timesteps"] == 4
    act.write_text(json.dumps({"timesteps": 8, "layers": [{"input_rate": 0.2}, {"input_rate": 0.1}]}))
    assert main(["estimate", str(digits_model), "--activity", str(act), "--timesteps", "4"]) == 2
    assert "--timesteps" in _one_line(capsys)


def test_estimate_measures_on_the_meta_dataset(digits_model, capsys):
    from spikeforge.data.datasets import encoded_for_model
    from spikeforge.estimate import activity

    assert main(["estimate", str(digits_model), "--json"]) == 0
    got = json.loads(capsys.readouterr().out)["activity"]
    assert got["source"].startswith("measured") and "digits" in got["source"]
    hw = HardwareModel.load(digits_model)
    expected = activity.measured(hw, encoded_for_model(hw, "digits", "test")[0][:200]).mean_rates()
    assert got["mean_input_rate"] == [round(r, 4) for r in expected]


def test_debug_after_the_subcommand_shows_the_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 nonsense")
    from spikeforge.errors import SpikeforgeError

    with pytest.raises(SpikeforgeError, match="bad.npz"):  # the model's error re-raised, not a usage error
        main(["info", str(bad), "--debug"])


def test_no_arguments_prints_the_help(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Usage: spikeforge") and out.count("\n") > 10 and "simulate" in out


def test_train_refuses_a_non_finite_learning_rate_before_training(tmp_path, capsys, monkeypatch):
    import spikeforge.train.run as train_run

    monkeypatch.setattr(train_run, "load_dataset", lambda *a, **k: (_ for _ in ()).throw(AssertionError))
    for value in ("nan", "inf", "-1", "0"):
        assert main(["train", "--lr", value, "-o", str(tmp_path / "t")]) == 2
        assert "--lr" in _one_line(capsys)
    assert not (tmp_path / "t").exists()


@pytest.mark.parametrize("argv", [["info", "{m}", "--json"]])
def test_info_json_is_valid_json_even_with_nan_in_the_meta(tmp_path, capsys, argv):
    hw = random_model([12, 4], seed=1)
    path = HardwareModel(layers=hw.layers, readout=hw.readout, extra={"float_accuracy": math.nan}).save(
        tmp_path / "nan.npz"
    )
    assert main([a.format(m=path) for a in argv]) == 0
    out = capsys.readouterr().out
    json.loads(out, parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    assert np.isnan(HardwareModel.load(path).extra["float_accuracy"])


@pytest.mark.parametrize("group", ["generate", "deploy"])
def test_a_group_without_its_subcommand_prints_its_help(capsys, group):
    assert main([group]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Usage: spikeforge {group}") and out.count("\n") > 3
