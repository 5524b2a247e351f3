"""The demo flow end to end (what `make demo` runs): train, compress, golden, RTL in Verilator, estimate + Yosys.

The budget, the golden hardware accuracy, the saved flow samples and the estimate's block RAM are re-derived
here from the files the flow wrote (and from the dataset), through other code paths than the flow's.
"""

import json

import numpy as np
import pytest

from spikeforge.cli import main
from spikeforge.data.datasets import load_dataset
from spikeforge.estimate.resources import estimate
from spikeforge.flow import FlowConfig, run_flow
from spikeforge.hw import golden
from spikeforge.hw.model import HardwareModel, file_sha256


@pytest.mark.slow
@pytest.mark.sim
@pytest.mark.synth
def test_demo_flow_end_to_end(tmp_path, capsys):
    cfg = FlowConfig(output_dir=tmp_path, epochs=3, quiet=True)
    state = run_flow(cfg, echo=lambda _: None)
    report = json.loads((tmp_path / "flow_report.json").read_text())
    assert list(report) == ["model", "compress", "golden", "rtl", "estimate"]

    dense = HardwareModel.load(tmp_path / "model.npz")
    compressed = HardwareModel.load(tmp_path / "compressed" / "model.npz")
    assert state.model_path == tmp_path / "compressed" / "model.npz"
    # the budget holds by the resource model, recomputed from the written file
    assert estimate(compressed, cfg.lanes).totals()["bram18"] <= cfg.bram_budget < estimate(dense, cfg.lanes).totals()["bram18"]
    assert compressed.summary()["total"]["nonzeros"] < dense.summary()["total"]["nonzeros"]

    # the saved flow samples are the first test spike trains, encoded as the compressed model's meta says
    data = load_dataset("digits")
    test_spikes = data.spike_trains("test", int(compressed.extra["timesteps"]), str(compressed.extra["encoder"]))
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
    assert report["golden"]["hardware_accuracy_test"] == pytest.approx(report["compress"]["hardware_accuracy_test"]["compressed"])
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

    # `spikeforge simulate` on the flow's own files agrees with the golden simulator
    capsys.readouterr()
    assert main(["simulate", str(tmp_path / "compressed" / "model.npz"), "--input", str(tmp_path / "inputs.npy"), "--json", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["readout"] == golden.run(compressed, inputs).readout.tolist()


def test_unknown_flow_step_is_refused(tmp_path):
    from spikeforge.errors import SpikeforgeError

    with pytest.raises(SpikeforgeError, match="unknown flow step 'bake'"):
        run_flow(FlowConfig(output_dir=tmp_path, steps=["model", "bake"]), echo=lambda _: None)
