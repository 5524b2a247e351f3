"""`spikeforge estimate` end to end, the torch model, and (marked synth) the estimate against Yosys."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spikeforge.cli import main
from spikeforge.core.layout import bank_counts
from spikeforge.estimate.differentiable import LayerShape, Layout, expected_params, resource_torch
from spikeforge.estimate.resources import core_params, estimate
from spikeforge.hw.layers import DenseLayer
from spikeforge.hw.model import HardwareModel
from spikeforge.hw.random_model import random_model


def _run(args, capsys):
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def model_path(tmp_path):
    return random_model([64, 24, 10], seed=7, weight_bits=4, density=0.5).save(tmp_path / "m.npz")


def test_estimate_json_has_the_documented_keys(model_path, capsys):
    code, out, _ = _run(["estimate", str(model_path), "--board", "pynq-z2", "--lanes", "2", "--json"], capsys)
    assert code == 0
    report = json.loads(out)
    assert set(report["total"]) >= {"lut", "ff", "bram18", "dsp", "cycles", "latency_us", "fps"}
    assert len(report["layers"]) == 2 and report["board"]["part"] == "xc7z020clg400-1"
    total = report["total"]
    assert total["latency_us"] == pytest.approx(total["cycles"] / 100.0, rel=1e-3)
    assert total["fps"] == pytest.approx(1e6 / total["latency_us"], rel=1e-3)
    assert total["lut"] == pytest.approx(
        total["top_lut"] + sum(layer["lut"] for layer in report["layers"]), abs=2
    )
    assert total["percent"]["lut"] == pytest.approx(100 * total["lut"] / 53200, abs=0.01)
    assert "assumed" in report["activity"]["source"]


def test_estimate_measures_activity_on_a_dataset(model_path, capsys):
    code, out, _ = _run(
        ["estimate", str(model_path), "--dataset", "digits", "--samples", "20", "--json"], capsys
    )
    assert code == 0
    report = json.loads(out)
    assert report["activity"]["samples"] == 20 and "digits" in report["activity"]["source"]
    from spikeforge.data.datasets import load_dataset

    spikes = load_dataset("digits").spike_trains("test", 16, "rate")[:20]
    assert report["activity"]["mean_input_rate"][0] == pytest.approx(float(spikes.mean()), abs=1e-4)


def test_estimate_table_and_user_errors(model_path, tmp_path, capsys):
    code, out, _ = _run(["estimate", str(model_path), "--board", "kv260"], capsys)
    assert code == 0 and "KV260" in out and "cycles/sample" in out and "total" in out
    code, _, err = _run(["estimate", str(model_path), "--board", "zedboard"], capsys)
    assert code == 2 and "known boards: kv260" in err
    bad = tmp_path / "a.json"
    bad.write_text("{not json")
    code, _, err = _run(["estimate", str(model_path), "--activity", str(bad)], capsys)
    assert code == 2 and "not valid JSON" in err


def test_torch_model_tracks_the_concrete_model_and_has_useful_gradients():
    import torch

    sizes, density, bits, lanes = [196, 64, 10], 0.5, 6, 4
    concrete = estimate(
        random_model(sizes, seed=5, density=density, weight_bits=bits, membrane_bits=16), lanes
    )
    shapes = [LayerShape(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    d = torch.tensor([density, density], requires_grad=True)
    b = torch.tensor([float(bits), float(bits)], requires_grad=True)
    out = resource_torch(shapes, d, b, lanes=lanes)
    assert float(out["bram18"].detach()) == concrete.bram18
    assert float(out["lut"].detach()) == pytest.approx(concrete.lut, rel=0.05)
    assert float(out["ff"].detach()) == pytest.approx(concrete.ff, rel=0.05)
    (out["lut"] + out["cycles"]).backward()
    assert np.all(d.grad.numpy() > 0) and np.all(b.grad.numpy() >= 0) and float(b.grad.sum()) > 0


@pytest.mark.parametrize("lanes", [1, 2])
def test_actual_layouts_give_the_generators_fanout_counter_and_accumulator_widths(lanes):
    # weights clustered on a few inputs and neurons, as pruning leaves them: the binomial expectation is short
    hw = random_model([96, 40, 10], seed=3, density=0.05, weight_bits=6, membrane_bits=16)
    w = hw.layers[0].weight.copy()
    w[:, :3] = 31  # three inputs feed every neuron (fan-out 40)
    w[:2, :] = 31  # two neurons take every input at the largest weight (L1 2,976)
    hw = HardwareModel([DenseLayer(**{**vars(hw.layers[0]), "weight": w}), hw.layers[1]], readout=hw.readout)
    actual, _ = core_params(hw, lanes)
    shapes = [LayerShape(la.n_in, la.n_out, membrane_bits=la.membrane_bits) for la in hw.layers]
    density = [np.count_nonzero(la.weight) / la.weight.size for la in hw.layers]
    bits = [la.weight_bits for la in hw.layers]
    layouts = [
        Layout(int((la.weight != 0).sum(0).max()), int(np.abs(la.weight).sum(1).max())) for la in hw.layers
    ]
    expected = expected_params(shapes, density, bits, [lanes, lanes], hw.readout)
    given = expected_params(shapes, density, bits, [lanes, lanes], hw.readout, layouts)
    assert expected.layers[0].CB < actual.layers[0].CB and expected.layers[0].AW < actual.layers[0].AW
    for g, a, la, lay in zip(given.layers, actual.layers, hw.layers, layouts, strict=True):
        assert g.AW == a.AW
        # the counter holds the most synapses of one input in one bank: at most min(rows, largest fan-out)
        most = min(-(-la.n_out // lanes), lay.max_fanout)
        assert g.CB == most.bit_length() >= a.CB
        assert int(bank_counts(la.weight, lanes).max()).bit_length() == a.CB


@pytest.mark.synth
def test_estimate_against_yosys(model_path, capsys, tmp_path, monkeypatch):
    """The core of a 64-24-10 model: block-RAM count exact, LUT and FF within 25% of synth_xilinx."""
    monkeypatch.chdir(tmp_path)  # fresh build/ and Yosys cache: this test always synthesizes
    code, out, _ = _run(["estimate", str(model_path), "--lanes", "2", "--synth", "--json", "--quiet"], capsys)
    assert code == 0
    report = json.loads(out)
    est, syn = report["total"], report["synth"]
    assert est["bram18"] == syn["bram18"]
    assert est["dsp"] == syn["dsp"] == 0
    assert abs(est["lut"] - syn["lut"]) <= 0.25 * syn["lut"]
    assert abs(est["ff"] - syn["ff"]) <= 0.25 * syn["ff"]
    # timing: Yosys sta on the mapped netlist, labelled as an estimate without routing
    assert 0.5 < syn["critical_path_ns"] < 20 and syn["fmax_mhz"] == pytest.approx(
        1000 / syn["critical_path_ns"], abs=0.1
    )
    assert syn["timing"] == "logic-only, no routing"


def test_estimate_lanes_auto_prints_the_choice_within_budget(model_path, capsys):
    from spikeforge.estimate.lanes import choose_lanes

    code, out, err = _run(
        ["estimate", str(model_path), "--lanes", "auto", "--lut-budget", "2500", "--json"], capsys
    )
    assert code == 0
    report = json.loads(out)
    auto = report["lanes_auto"]
    assert report["lanes"] == auto["lanes"] and auto["lut"] <= 2500 and auto["lut_budget"] == 2500
    assert report["total"]["lut"] == pytest.approx(auto["lut"], abs=2)
    assert "lanes auto: P=" + ",".join(map(str, auto["lanes"])) in err and "predicted interval" in err
    # a larger budget never gives a longer interval
    code, out, _ = _run(
        ["estimate", str(model_path), "--lanes", "auto", "--lut-budget", "1e6", "--json"], capsys
    )
    assert json.loads(out)["lanes_auto"]["interval_cycles"] <= auto["interval_cycles"]
    from spikeforge.estimate.activity import uniform
    from spikeforge.hw.model import HardwareModel as Model

    hw = Model.load(model_path)
    assert list(choose_lanes(hw, uniform(hw), 2500).lanes) == auto["lanes"]
