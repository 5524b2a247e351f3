"""The command line: info and simulate outputs, one-line errors with exit status 2, lazy imports."""

import json
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spec_reference import layers_of, reference_readout
from spikeforge.cli import main
from spikeforge.hw import golden
from spikeforge.hw.random_model import random_model
from strategies import hardware_models, spike_trains


@pytest.fixture
def model_file(tmp_path):
    return random_model([12, 8, 4], seed=5, density=0.7).save(tmp_path / "model.npz")


def test_help_does_not_import_torch(model_file, tmp_path):
    np.save(tmp_path / "x.npy", np.ones((2, 3, 12), np.uint8))
    code = (
        "import sys\n"
        "from spikeforge.cli import main\n"
        "model, x = sys.argv[1], sys.argv[2]\n"
        "for argv in (['--help'], ['info', model], ['simulate', model, '--input', x]):\n"
        "    rc = main(argv)\n"
        "    assert rc == 0, (argv, rc)\n"
        "    assert 'torch' not in sys.modules, ('torch imported by', argv)\n"
        "print('all three ran')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(model_file), str(tmp_path / "x.npy")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "simulate" in done.stdout and "info" in done.stdout
    assert "12 inputs -> 4 outputs" in done.stdout  # info really ran
    assert "2 samples x 3 timesteps" in done.stdout  # simulate really ran
    assert done.stdout.rstrip().endswith("all three ran")


def test_info_json(model_file, capsys):
    assert main(["info", str(model_file), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_inputs"] == 12 and out["n_outputs"] == 4
    assert [row["n_out"] for row in out["layers"]] == [8, 4]
    assert out["meta"]["seed"] == 5


def test_simulate_json_equals_golden_and_reports_accuracy(model_file, tmp_path, capsys):
    spikes = (np.random.default_rng(0).random((7, 5, 12)) < 0.4).astype(np.uint8)
    np.save(tmp_path / "x.npy", spikes)
    expected = golden.run(random_model([12, 8, 4], seed=5, density=0.7), spikes).readout
    labels = golden.predict(expected).copy()
    labels[:3] = (labels[:3] + 1) % 4  # exactly 3 wrong
    np.save(tmp_path / "y.npy", labels)
    assert (
        main(
            [
                "simulate",
                str(model_file),
                "--input",
                str(tmp_path / "x.npy"),
                "--labels",
                str(tmp_path / "y.npy"),
                "--json",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert out["readout"] == expected.tolist()
    assert out["prediction"] == golden.predict(expected).tolist()
    assert out["accuracy"] == pytest.approx(4 / 7)
    assert out["samples"] == 7 and out["timesteps"] == 5 and out["engine"] == "golden"


def test_simulate_human_output(model_file, tmp_path, capsys):
    spikes = (np.random.default_rng(3).random((5, 3, 12)) < 0.5).astype(np.uint8)
    np.save(tmp_path / "x.npy", spikes)
    expected = golden.predict(golden.run(random_model([12, 8, 4], seed=5, density=0.7), spikes).readout)
    labels = expected.copy()
    labels[[1, 3]] = (labels[[1, 3]] + 1) % 4  # exactly 2 of 5 wrong
    np.save(tmp_path / "y.npy", labels)
    assert (
        main(
            [
                "simulate",
                str(model_file),
                "--input",
                str(tmp_path / "x.npy"),
                "--labels",
                str(tmp_path / "y.npy"),
            ]
        )
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert "5 samples x 3 timesteps" in lines[0]
    assert "predictions: " + ", ".join(str(int(p)) for p in expected) in lines
    assert "accuracy: 60.00% (3/5)" in lines


@pytest.mark.parametrize(
    "array,message",
    [
        (np.ones((2, 3, 11), np.uint8), "11 inputs but the model has n_inputs=12"),
        (np.full((2, 3, 12), 3, np.uint8), "only 0 and 1"),
        (np.ones((3, 12), np.uint8), "shape [batch, timesteps, 12]"),
    ],
)
def test_simulate_bad_input(model_file, tmp_path, capsys, array, message):
    np.save(tmp_path / "x.npy", array)
    assert main(["simulate", str(model_file), "--input", str(tmp_path / "x.npy")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_simulate_bad_files(model_file, tmp_path, capsys):
    assert main(["simulate", str(model_file)]) == 2
    assert "--input" in capsys.readouterr().err
    assert main(["simulate", str(model_file), "--input", str(tmp_path / "none.npy")]) == 2
    assert "no such input file" in capsys.readouterr().err
    (tmp_path / "junk.npy").write_text("junk")
    assert main(["simulate", str(model_file), "--input", str(tmp_path / "junk.npy")]) == 2
    assert "not a readable .npy input file" in capsys.readouterr().err
    np.save(tmp_path / "x.npy", np.ones((2, 3, 12), np.uint8))
    np.save(tmp_path / "y.npy", np.zeros(5, np.int64))
    assert (
        main(
            [
                "simulate",
                str(model_file),
                "--input",
                str(tmp_path / "x.npy"),
                "--labels",
                str(tmp_path / "y.npy"),
            ]
        )
        == 2
    )
    assert "labels must be 2 integers" in capsys.readouterr().err


def test_simulate_dataset_needs_the_encoding_in_the_meta(model_file, tmp_path, capsys):
    # a random model records no timesteps or encoder: --dataset cannot encode as in training
    assert main(["simulate", str(model_file), "--dataset", "digits"]) == 2
    err = capsys.readouterr().err
    assert (
        "records no timesteps or encoder" in err
        and "use --input instead" in err
        and len(err.splitlines()) == 1
    )
    # with the meta but the wrong input width, the dataset is refused by name
    path = random_model([12, 4], seed=1).save(tmp_path / "meta.npz")
    from spikeforge.hw.model import HardwareModel

    hw = HardwareModel.load(path)
    HardwareModel(layers=hw.layers, readout=hw.readout, extra={"timesteps": 4, "encoder": "rate"}).save(path)
    assert main(["simulate", str(path), "--dataset", "digits"]) == 2
    assert "dataset digits has 64 inputs but the model has n_inputs=12" in capsys.readouterr().err


def test_usage_errors_are_one_line(capsys):
    assert main(["info"]) == 2
    assert capsys.readouterr().err == "spikeforge: error: Missing argument 'MODEL'.\n"
    assert main(["frobnicate"]) == 2
    assert "No such command 'frobnicate'" in capsys.readouterr().err


def test_console_script_exit_status(model_file, tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 nonsense")
    done = subprocess.run(
        [sys.executable, "-m", "spikeforge.cli", "info", str(bad)], capture_output=True, text=True
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr and done.stderr.count("\n") == 1
    done = subprocess.run(
        [sys.executable, "-m", "spikeforge.cli", "--debug", "info", str(bad)], capture_output=True, text=True
    )
    assert done.returncode != 0 and "Traceback" in done.stderr


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)  # capsys drained per example
@given(data=st.data())
def test_saved_random_models_simulate_like_the_reference(data, tmp_path_factory, capsys):
    """Save -> CLI simulate --json on the file -> equals the independent SPEC reference."""
    model = data.draw(hardware_models())
    spikes = data.draw(spike_trains(model.n_inputs))
    folder = tmp_path_factory.mktemp("cli")
    model.save(folder / "m.npz")
    np.save(folder / "x.npy", spikes.astype(np.uint8))
    capsys.readouterr()
    assert (
        main(["simulate", str(folder / "m.npz"), "--input", str(folder / "x.npy"), "--json", "--quiet"]) == 0
    )
    got = json.loads(capsys.readouterr().out)["readout"]
    assert got == [reference_readout(layers_of(model), model.readout, s.astype(int).tolist()) for s in spikes]
