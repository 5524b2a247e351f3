"""Training: a short digits run learns, is seeded, stops early, and its outputs agree with each other."""

import json

import numpy as np
import pytest
import torch

from spikeforge.cli import main
from spikeforge.data.datasets import load_dataset
from spikeforge.errors import SpikeforgeError
from spikeforge.export import integer_readout
from spikeforge.hw import golden
from spikeforge.hw.model import HardwareModel
from spikeforge.snn import SNNOptions
from spikeforge.train import TrainConfig, float_readout, load_model, loop, read_checkpoint, train
from spikeforge.train.run import run_training

pytestmark = pytest.mark.slow

TINY = {"hidden": [32], "timesteps": 4, "epochs": 2, "batch_size": 64}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("train")
    report = run_training(TrainConfig(**TINY, snn=SNNOptions(bias=True)), out, quiet=True)
    return out, report


def test_short_training_is_well_above_chance_and_reports_are_consistent(run_dir):
    out, report = run_dir
    data = load_dataset("digits")
    spikes, labels = data.spike_trains("test", 4), data.labels("test")
    hw = HardwareModel.load(out / "model.npz")
    hw_acc = float(np.mean(golden.run(hw, spikes).prediction == labels))
    assert hw_acc > 0.6  # chance is 0.1
    assert report.hardware_accuracy["test"] == hw_acc
    saved = json.loads((out / "report.json").read_text())
    assert saved["hardware_accuracy"]["test"] == hw_acc
    assert len(saved["history"]) == 2
    for key in (
        "dataset",
        "timesteps",
        "encoder",
        "seed",
        "float_accuracy",
        "hardware_accuracy",
        "train_config",
    ):
        assert key in hw.extra, key
    assert hw.extra["timesteps"] == 4 and hw.extra["train_config"]["hidden"] == [32]
    assert hw.extra["hardware_accuracy"]["test"] == hw_acc
    assert (out / "learning_curve.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    md = (out / "report.md").read_text()
    assert f"{100 * hw_acc:.2f}%" in md and "learning_curve.png" in md


def test_checkpoint_integers_equal_the_model_file_on_the_whole_test_split(run_dir):
    out, _ = run_dir
    model, _ = load_model(out)
    hw = HardwareModel.load(out / "model.npz")
    spikes = load_dataset("digits").spike_trains("test", 4)
    bits = [layer.membrane_bits for layer in hw.layers]
    np.testing.assert_array_equal(integer_readout(model, spikes, bits)[0], golden.run(hw, spikes).readout)


def test_checkpoint_loads_with_weights_only_and_rebuilds_the_same_model(run_dir):
    out, _ = run_dir
    payload = torch.load(out / "checkpoint.pt", weights_only=True)
    assert payload["train_config"]["hidden"] == [32] and payload["meta"]["seed"] == 0
    model, _ = load_model(out / "checkpoint.pt")
    spikes = load_dataset("digits").spike_trains("val", 4)
    hw = HardwareModel.load(out / "model.npz")
    again = load_model(out)[0]
    np.testing.assert_array_equal(float_readout(model, spikes), float_readout(again, spikes))
    bits = [layer.membrane_bits for layer in hw.layers]
    np.testing.assert_array_equal(integer_readout(model, spikes, bits)[0], golden.run(hw, spikes).readout)
    for a, b in zip(model.integer_layers(), hw.layers, strict=True):
        np.testing.assert_array_equal(a.weight, b.weight)
        np.testing.assert_array_equal(a.threshold, b.threshold)
        np.testing.assert_array_equal(a.bias, b.bias)


def test_training_is_seeded():
    data = load_dataset("digits")
    cfg = TrainConfig(**{**TINY, "epochs": 1, "hidden": [16]})
    a, b = train(data, cfg, quiet=True), train(data, cfg, quiet=True)
    c = train(data, TrainConfig(**{**TINY, "epochs": 1, "hidden": [16], "seed": 1}), quiet=True)
    for key, value in a.model.state_dict().items():
        torch.testing.assert_close(value, b.model.state_dict()[key], rtol=0, atol=0)
    assert not torch.equal(a.model.layers[0].synapse.weight, c.model.layers[0].synapse.weight)


def test_early_stopping_restores_the_best_epoch(monkeypatch):
    data = load_dataset("digits")
    cfg = {**TINY, "hidden": [16], "patience": 2}
    after_one_epoch = train(data, TrainConfig(**{**cfg, "epochs": 1}), quiet=True).model.state_dict()
    falling = iter([0.5, 0.4, 0.3, 0.2])  # validation accuracy only gets worse after epoch 1
    monkeypatch.setattr(loop, "float_accuracy", lambda *args: next(falling))
    result = train(data, TrainConfig(**{**cfg, "epochs": 20}), quiet=True)
    assert result.stopped_early and len(result.history) == 3 and result.best_epoch == 1
    # the weights are epoch 1's (the cosine schedule does not change epoch 1's rate), not epoch 3's
    for key, value in result.model.state_dict().items():
        torch.testing.assert_close(value, after_one_epoch[key], rtol=0, atol=0)


def test_cli_train_then_simulate_dataset_reports_the_same_accuracy(tmp_path, capsys):
    out = tmp_path / "run"
    argv = [
        "train",
        "--dataset",
        "digits",
        "--hidden",
        "16",
        "--timesteps",
        "4",
        "--epochs",
        "1",
        "--readout",
        "count",
        "--leak-shift",
        "none",
        "-o",
        str(out),
        "--quiet",
    ]
    assert main(argv) == 0
    report = json.loads((out / "report.json").read_text())
    assert (
        report["train_config"]["snn"]["leak_shift"] is None
        and report["train_config"]["snn"]["readout"] == "count"
    )
    capsys.readouterr()
    assert (
        main(
            [
                "simulate",
                str(out / "model.npz"),
                "--dataset",
                "digits",
                "--split",
                "test",
                "--json",
                "--quiet",
            ]
        )
        == 0
    )
    sim = json.loads(capsys.readouterr().out)
    assert sim["accuracy"] == report["hardware_accuracy"]["test"] and sim["timesteps"] == 4


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["train", "--dataset", "cifar", "-o", str(tmp_path / "x")]) == 2
    assert "unknown dataset 'cifar'" in capsys.readouterr().err
    assert main(["train", "--leak-shift", "lots", "-o", str(tmp_path / "x")]) == 2
    assert "--leak-shift" in capsys.readouterr().err
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(SpikeforgeError, match="not a PyTorch checkpoint file, or a damaged one"):
        read_checkpoint(tmp_path / "junk.pt")
