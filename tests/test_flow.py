"""The demo flow end to end (what `make demo` runs): train, compress, golden, RTL in Verilator,
estimate + Yosys.

The budget, the golden hardware accuracy, the saved flow samples and the estimate's block RAM are re-derived
here from the files the flow wrote (and from the dataset), through other code paths than the flow's.
"""

import json

import numpy as np
import pytest

from spikeforge.cli import main
from spikeforge.data.datasets import load_dataset
from spikeforge.errors import SpikeforgeError
from spikeforge.estimate.resources import estimate
from spikeforge.flow import FlowConfig, run_flow
from spikeforge.hw import golden
from spikeforge.hw.model import HardwareModel, file_sha256
from spikeforge.hw.random_model import random_model
from spikeforge.train.config import TrainConfig


@pytest.mark.slow
@pytest.mark.sim
@pytest.mark.synth
def test_demo_flow_end_to_end(tmp_path, capsys):
    cfg = FlowConfig(
        output_dir=tmp_path, train=TrainConfig(dataset="digits", hidden=[128], epochs=3), quiet=True
    )
    state = run_flow(cfg, echo=lambda _: None)
    written = json.loads((tmp_path / "flow_report.json").read_text())
    assert written["status"] == "complete"
    report = written["steps"]
    assert list(report) == ["model", "compress", "golden", "rtl", "hls", "estimate", "package"]

    dense = HardwareModel.load(tmp_path / "model.npz")
    compressed = HardwareModel.load(tmp_path / "compressed" / "model.npz")
    assert state.path("model") == tmp_path / "compressed" / "model.npz"
    # the budget holds by the resource model, recomputed from the written file
    budget = cfg.budgets["bram18"]
    assert (
        estimate(compressed, cfg.lanes).totals()["bram18"]
        <= budget
        < estimate(dense, cfg.lanes).totals()["bram18"]
    )
    assert compressed.summary()["total"]["nonzeros"] < dense.summary()["total"]["nonzeros"]

    # the saved flow samples are the first test spike trains, encoded as the compressed model's meta says
    data = load_dataset("digits")
    test_spikes = data.spike_trains(
        "test", int(compressed.extra["timesteps"]), str(compressed.extra["encoder"])
    )
    test_labels = data.labels("test")
    inputs, labels = np.load(tmp_path / "inputs.npy"), np.load(tmp_path / "labels.npy")
    assert inputs.shape == (cfg.flow_samples, 8, 64) and labels.shape == (cfg.flow_samples,)
    np.testing.assert_array_equal(inputs, test_spikes[: cfg.flow_samples].astype(np.uint8))
    np.testing.assert_array_equal(labels, test_labels[: cfg.flow_samples])
    # hardware accuracy of the compressed file, recomputed with the golden simulator on the full test split
    readout = golden.run(compressed, test_spikes).readout
    accuracy = float(np.mean(np.argmax(readout, axis=1) == test_labels))
    assert report["golden"]["test_samples"] == test_labels.size
    assert report["golden"]["hardware_accuracy_test"] == pytest.approx(accuracy)
    assert report["golden"]["hardware_accuracy_test"] == pytest.approx(
        report["compress"]["hardware_accuracy_test"]["compressed"]
    )
    assert accuracy > 0.8

    # the generated design is the compressed model's. `mismatching_samples_vs_golden == 0` cannot fail here
    # (step_rtl raises on any mismatch) and the flow writes no RTL readout file to compare with golden; the
    # RTL readouts are checked against golden inside step_rtl and by the rtl engine tests
    manifest = json.loads((tmp_path / "rtl" / "manifest.json").read_text())
    assert manifest["model_sha256"] == file_sha256(tmp_path / "compressed" / "model.npz")
    assert report["rtl"]["mismatching_samples_vs_golden"] == 0 and report["rtl"]["cycles_per_sample_mean"] > 0

    # the estimate's block RAM is what Yosys synthesized from that design
    est = json.loads((tmp_path / "estimate.json").read_text())
    assert est["synth"]["bram18"] == est["total"]["bram18"] == report["estimate"]["estimate"]["bram18"]

    # the HLS project is the compressed model's, with the flow samples' golden readouts as its test bench
    assert report["hls"]["mismatching_samples_vs_golden"] == 0
    assert (tmp_path / "hls" / "build_prj.tcl").is_file() and (tmp_path / "hls" / "tb_data").is_dir()

    # the package holds the compressed model, a recipe and the driver; its driver matched golden on the board
    package = tmp_path / "package"
    assert file_sha256(package / "model.npz") == file_sha256(tmp_path / "compressed" / "model.npz")
    assert (package / "driver" / "driver.py").is_file() and report["package"]["board"] == "pynq-z2"
    assert report["package"]["mismatching_samples_vs_golden"] == 0

    # `spikeforge simulate` on the flow's own files agrees with the golden simulator
    capsys.readouterr()
    assert (
        main(
            [
                "simulate",
                str(tmp_path / "compressed" / "model.npz"),
                "--input",
                str(tmp_path / "inputs.npy"),
                "--json",
                "--quiet",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out)["readout"] == golden.run(compressed, inputs).readout.tolist()


def test_unknown_flow_step_is_refused(tmp_path):
    with pytest.raises(SpikeforgeError, match="unknown flow step 'bake'"):
        run_flow(FlowConfig(output_dir=tmp_path, steps=["model", "bake"]), echo=lambda _: None)
    with pytest.raises(SpikeforgeError, match="unknown flow step 'bake'"):
        run_flow(FlowConfig(output_dir=tmp_path, start_step="bake"), echo=lambda _: None)


def test_a_step_without_its_inputs_is_one_sentence_before_any_work(tmp_path):
    with pytest.raises(
        SpikeforgeError, match=r"step 'golden' needs a hardware model file, .* run step 'model' first"
    ):
        run_flow(FlowConfig(output_dir=tmp_path, steps=["golden"]), echo=lambda _: None)
    with pytest.raises(SpikeforgeError, match=r"step .estimate. needs a hardware model file"):
        run_flow(FlowConfig(output_dir=tmp_path, start_step="estimate"), echo=lambda _: None)
    assert not (tmp_path / "flow_report.json").exists()


def test_config_round_trips_json_and_refuses_unknown_keys(tmp_path):
    cfg = FlowConfig(
        output_dir=tmp_path,
        train=TrainConfig(dataset="digits", hidden=[16, 8], encoder="latency"),
        board="zcu104",
        budgets={"lut": 900.0, "latency_us": 50.0},
        lanes=[2, 1],
        stop_step="golden",
    )
    again = FlowConfig.from_json(json.loads(json.dumps(cfg.to_json())))
    assert again == cfg and again.train.hidden == [16, 8] and again.train.encoder == "latency"
    (tmp_path / "bad.json").write_text(json.dumps({**cfg.to_json(), "bram": 3}))
    with pytest.raises(SpikeforgeError, match="bad.json: unknown flow config key 'bram'"):
        FlowConfig.load(tmp_path / "bad.json")
    with pytest.raises(SpikeforgeError, match="unknown budget 'bram'"):
        FlowConfig(budgets={"bram": 3})
    assert FlowConfig.from_json({"lanes": "auto"}).lanes == "auto"
    with pytest.raises(SpikeforgeError, match="lanes must be a number, one per layer, or 'auto', got 'fast'"):
        FlowConfig(lanes="fast")


def test_start_step_resumes_from_the_previous_run_and_the_report_keeps_its_status(tmp_path, capsys):
    """A golden-only run on a model left by an earlier run, then a failing step recorded as failed."""
    from spikeforge.flow.state import FlowState

    model = random_model([64, 16, 10], seed=2)
    model = HardwareModel(
        model.layers, model.readout, {"timesteps": 4, "encoder": "rate", "dataset": "digits"}
    )
    model.save(tmp_path / "model.npz")
    earlier = FlowState(tmp_path)
    earlier.set("model", tmp_path / "model.npz")
    earlier.save()
    state = run_flow(
        FlowConfig(output_dir=tmp_path, start_step="golden", stop_step="golden", flow_samples=5),
        echo=lambda _: None,
    )
    data = load_dataset("digits")
    spikes, labels = data.spike_trains("test", 4, "rate"), data.labels("test")
    accuracy = float(np.mean(golden.run(model, spikes).prediction == labels))
    assert state.report["golden"]["hardware_accuracy_test"] == pytest.approx(accuracy)
    np.testing.assert_array_equal(np.load(tmp_path / "inputs.npy"), spikes[:5].astype(np.uint8))
    assert json.loads((tmp_path / "flow_report.json").read_text())["status"] == "complete"
    # the estimate step finds model and inputs; a broken design folder fails it, and the report says so
    (tmp_path / "rtl").mkdir()  # a design folder without its manifest
    config = tmp_path / "cfg.json"
    config.write_text(json.dumps({"output_dir": str(tmp_path), "start_step": "estimate"}))
    saved = json.loads((tmp_path / "flow_state.json").read_text())
    saved["artifacts"]["design"] = "rtl"
    (tmp_path / "flow_state.json").write_text(json.dumps(saved))
    assert main(["flow", str(config), "--quiet"]) == 2
    written = json.loads((tmp_path / "flow_report.json").read_text())
    assert written["status"] == "failed" and written["step"] == "estimate"
    assert "golden" in written["steps"]


def test_auto_lanes_are_chosen_once_for_the_board_and_reused_by_every_step(tmp_path):
    from spikeforge.boards import get_board
    from spikeforge.estimate.activity import measured
    from spikeforge.estimate.lanes import choose_lanes
    from spikeforge.flow.state import FlowState
    from spikeforge.flow.steps import _lanes

    model = random_model([64, 32, 10], seed=3, density=0.5)
    model.save(tmp_path / "model.npz")
    spikes = (np.random.default_rng(0).random((6, 4, 64)) < 0.3).astype(np.uint8)
    np.save(tmp_path / "inputs.npy", spikes)
    np.save(tmp_path / "labels.npy", np.zeros(6, np.int64))
    state = FlowState(tmp_path)
    state.set("model", tmp_path / "model.npz")
    state.set("inputs", tmp_path)
    cfg = FlowConfig(output_dir=tmp_path, lanes="auto", board="zcu104")
    board = get_board("zcu104")
    want = choose_lanes(
        model,
        measured(model, spikes.astype(bool), source="t"),
        board.budget("lut"),
        bram18_budget=board.budget("bram18"),
    ).lanes
    assert _lanes(state, cfg) == list(want) and max(want) > 1
    assert _lanes(state, cfg) is state.auto_lanes  # chosen once
    assert _lanes(state, FlowConfig(output_dir=tmp_path, lanes=[2, 1])) == [2, 1]
