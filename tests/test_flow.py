"""The demo flow end to end (what `make demo` runs): train, compress, golden, RTL in Verilator, estimate + Yosys.

Every number the flow reports is re-derived here from the files it wrote, with other code paths.
"""

import json

import numpy as np
import pytest

from spikeforge.cli import main
from spikeforge.flow import FlowConfig, run_flow
from spikeforge.hw import golden
from spikeforge.hw.model import HardwareModel, file_sha256
from spikeforge.resources.model import estimate


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

    # hardware accuracy of the compressed file, recomputed with the golden simulator on the saved flow samples
    inputs, labels = np.load(tmp_path / "inputs.npy"), np.load(tmp_path / "labels.npy")
    assert inputs.shape == (cfg.flow_samples, 8, 64) and labels.shape == (cfg.flow_samples,)
    assert report["golden"]["hardware_accuracy_test"] == pytest.approx(report["compress"]["hardware_accuracy_test"]["compressed"])
    assert report["golden"]["hardware_accuracy_test"] > 0.8

    # the generated design is the compressed model's, and it agreed with golden
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
