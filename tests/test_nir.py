"""NIR import/export: graphs written by norse's own ``to_nir`` (tests/fixtures/make_norse_nir.py) and our
round trip."""

from __future__ import annotations

import math
from pathlib import Path

import nir
import numpy as np
import pytest
import torch

from spikeforge.cli import main
from spikeforge.errors import SpikeforgeError
from spikeforge.export import integer_readout
from spikeforge.nir_io import Timing, export_graph, import_graph, read_graph, write_graph
from spikeforge.snn import FloatLayer, SpikingMLP
from spikeforge.train.checkpoint import load_model

FIXTURES = Path(__file__).parent / "fixtures"
NORSE = Timing(dt=1e-3, discretization="euler", tau_convention="norse")  # norse 1.1.0 writes tau as dt*tau


def test_norse_lif_graph_reproduces_norse_outputs() -> None:
    """Linear -> LIFBox -> Linear -> LIBox from norse (tau = 8 dt, dyadic weights): our model computes what
    norse did."""
    model, report = import_graph(read_graph(FIXTURES / "norse_lifbox.nir"), NORSE, weight_bits=8)
    io = np.load(FIXTURES / "norse_lifbox_io.npz")
    assert (
        io["margin"] > 1e-3
    )  # the fixture has no membrane within 1e-3 of a threshold (> vs >= cannot matter)
    assert model.readout == "membrane" and [layer.leak_shift for layer in model.layers] == [3, 3]
    x = torch.tensor(io["spikes"], dtype=torch.float32)
    with torch.no_grad():
        hidden = model.spike_trains(x)[0].numpy()
        readout = model(x).numpy()
    assert io["hidden_spikes"].sum() > 100  # the test exercises real spiking
    np.testing.assert_array_equal(hidden, io["hidden_spikes"])
    np.testing.assert_allclose(readout, io["membrane"][:, -1], atol=1e-5)
    for layer in report.layers:
        assert layer.leak.leak_shift == 3 and layer.leak.retention_abs_error_max < 1e-6
        assert layer.weight_abs_error_max < 1e-6  # dyadic weights survive 8-bit power-of-two quantization
    # the threshold (1.0) lands on the weight grid exactly, and the weights are the norse ones times dt/tau
    g = read_graph(FIXTURES / "norse_lifbox.nir")
    np.testing.assert_allclose(model.float_layers()[0].weight, g.nodes["0"].weight / 8, atol=1e-6)
    np.testing.assert_array_equal(model.float_layers()[0].threshold, np.ones(8))


def test_sinabs_lif_graph_reproduces_sinabs_outputs() -> None:
    """Linear -> LIF -> Linear -> LIF from sinabs' to_nir (tau in steps, exact stepping): same spikes as
    sinabs."""
    model, report = import_graph(
        read_graph(FIXTURES / "sinabs_lif.nir"), Timing(dt=1.0, discretization="exact")
    )
    io = np.load(FIXTURES / "sinabs_lif_io.npz")
    assert model.readout == "count" and [m.leak.leak_shift for m in report.layers] == [3, 3]
    assert all(m.leak.retention_abs_error_max < 1e-6 and m.weight_abs_error_max < 1e-6 for m in report.layers)
    with torch.no_grad():
        hidden, out = (s.numpy() for s in model.spike_trains(torch.tensor(io["spikes"], dtype=torch.float32)))
    assert 0.1 < io["hidden_spikes"].mean() < 0.9 and 0.1 < io["output_spikes"].mean() < 0.9
    np.testing.assert_array_equal(hidden, io["hidden_spikes"])
    np.testing.assert_array_equal(out, io["output_spikes"])


def test_snntorch_leaky_graph_reproduces_snntorch() -> None:
    """snnTorch writes tau = dt/(1-beta), r = tau/dt at its dt = 1e-4: euler at that dt gives back beta,
    gain 1, its spikes."""
    graph = read_graph(FIXTURES / "snntorch_leaky.nir")
    model, report = import_graph(graph, Timing(dt=1e-4), weight_bits=8)
    assert [m.leak.leak_shift for m in report.layers] == [3, 4]  # beta 0.875 = 1 - 2^-3, 0.9375 = 1 - 2^-4
    for m, beta in zip(report.layers, [0.875, 0.9375], strict=True):
        assert (
            m.leak.retention_target_min == pytest.approx(beta, abs=1e-6)
            and m.leak.retention_abs_error_max < 1e-6
        )
        assert m.input_gain_min == pytest.approx(1.0, abs=1e-5) and m.input_gain_max == pytest.approx(
            1.0, abs=1e-5
        )
    assert model.readout == "count" and [(m.threshold_min, m.reset) for m in report.layers] == [
        (1.0, "zero"),
        (0.5, "zero"),
    ]
    io = np.load(FIXTURES / "snntorch_leaky_io.npz")
    assert (
        io["margin"] > 1e-3
        and 0.1 < io["hidden_spikes"].mean() < 0.9
        and 0.1 < io["output_spikes"].mean() < 0.9
    )
    with torch.no_grad():
        hidden, out = (s.numpy() for s in model.spike_trains(torch.tensor(io["spikes"], dtype=torch.float32)))
    np.testing.assert_array_equal(hidden, io["hidden_spikes"])
    np.testing.assert_array_equal(out, io["output_spikes"])


def test_norse_default_tau_approximation_is_reported() -> None:
    """norse's default tau = 10 ms at dt = 1 ms: k = 3, retention 0.875 instead of 0.9 (euler) or exp(-0.1)
    (exact)."""
    graph = read_graph(FIXTURES / "norse_tau10ms.nir")
    _, euler = import_graph(graph, NORSE)
    fit = euler.layers[0].leak
    assert fit.leak_shift == 3  # |0.9 - 0.875| = 0.025 < |0.9 - 0.9375| = 0.0375
    assert fit.retention_ours == 0.875
    assert fit.retention_target_min == pytest.approx(0.9, abs=1e-6)
    assert fit.retention_abs_error_max == pytest.approx(0.025, abs=1e-6)
    assert fit.tau_steps_target_min == pytest.approx(10.0, rel=1e-5) and fit.tau_steps_ours == 8.0
    assert fit.tau_relative_error_max == pytest.approx(0.2, abs=1e-5)
    _, exact = import_graph(graph, Timing(dt=1e-3, discretization="exact", tau_convention="norse"))
    fit = exact.layers[1].leak
    assert fit.leak_shift == 3  # |e^-0.1 - 0.875| = 0.0298 < |e^-0.1 - 0.9375| = 0.0327
    assert fit.retention_abs_error_max == pytest.approx(math.exp(-0.1) - 0.875, abs=1e-6)
    assert fit.tau_steps_ours == pytest.approx(-1 / math.log(0.875))
    assert fit.tau_relative_error_max == pytest.approx(abs(-1 / math.log(0.875) - 10) / 10, rel=1e-4)
    md = exact.to_markdown()
    assert "| 0 | 0 -> 1 | LIF | 12 | 8 | 3 |" in md and "`exact`" in md


def test_norse_tau_read_as_seconds_is_flagged() -> None:
    _, report = import_graph(read_graph(FIXTURES / "norse_tau10ms.nir"), Timing(dt=1e-3))
    assert (
        len(report.warnings) == 2
        and "tau <= dt" in report.warnings[0]
        and "norse issue #411" in report.warnings[0]
    )


def test_norse_iaf_graph() -> None:
    """IAF layers (no leak): thresholds 0.5 and 2.0 carried over, float weights rounded onto the 8-bit
    grid."""
    graph = read_graph(FIXTURES / "norse_iaf.nir")
    model, report = import_graph(graph, NORSE, weight_bits=8)
    assert model.readout == "count" and [layer.leak_shift for layer in model.layers] == [None, None]
    assert [(m.threshold_min, m.threshold_max) for m in report.layers] == [(0.5, 0.5), (2.0, 2.0)]
    for i, (ints, name, m) in enumerate(zip(model.integer_layers(), ["0", "2"], report.layers, strict=True)):
        w = np.asarray(graph.nodes[name].weight, dtype=np.float64)
        assert math.log2(ints.scale) == round(math.log2(ints.scale))
        np.testing.assert_array_equal(
            ints.weight, np.clip(np.round(w / ints.scale), -128, 127).astype(np.int64)
        )
        assert 0 < m.weight_abs_error_max <= ints.scale / 2 + 1e-9, i
        assert ints.threshold.tolist() == [round([0.5, 2.0][i] / ints.scale)] * ints.threshold.size


def test_unsupported_node_names_it() -> None:
    with pytest.raises(
        SpikeforgeError, match=r"NIR node '1' has type CubaLIF, which spikeforge cannot import"
    ):
        import_graph(read_graph(FIXTURES / "norse_cubalif.nir"), NORSE)


def _graph(nodes: dict[str, nir.NIRNode], edges: list[tuple[str, str]]) -> nir.NIRGraph:
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def test_graph_shape_errors() -> None:
    w = np.ones((2, 3), dtype=np.float32)
    lif = nir.LIF(tau=np.full(2, 0.01), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2))
    inp, out = (
        nir.Input(input_type={"input": np.array([3])}),
        nir.Output(output_type={"output": np.array([2])}),
    )
    branching = _graph(
        {"in": inp, "a": nir.Linear(weight=w), "b": nir.Linear(weight=w), "n": lif, "out": out},
        [("in", "a"), ("in", "b"), ("a", "n"), ("b", "n"), ("n", "out")],
    )
    with pytest.raises(SpikeforgeError, match=r"node 'in' feeds 2 nodes"):
        import_graph(branching, Timing())
    no_synapse = _graph({"in": inp, "n": lif, "out": out}, [("in", "n"), ("n", "out")])
    with pytest.raises(SpikeforgeError, match=r"node 'n' \(LIF\) has no Affine/Linear synapse before it"):
        import_graph(no_synapse, Timing())
    bad_reset = nir.LIF(
        tau=np.full(2, 0.01),
        r=np.ones(2),
        v_leak=np.zeros(2),
        v_threshold=np.ones(2),
        v_reset=np.full(2, 0.5),
    )
    with pytest.raises(SpikeforgeError, match=r"node 'n' \(LIF\) resets to v_reset=0.5"):
        import_graph(
            _graph(
                {"in": inp, "a": nir.Linear(weight=w), "n": bad_reset, "out": out},
                [("in", "a"), ("a", "n"), ("n", "out")],
            ),
            Timing(),
        )
    with pytest.raises(SpikeforgeError, match="no such NIR file"):
        read_graph(FIXTURES / "missing.nir")


def _our_model(seed: int) -> SpikingMLP:
    rng = np.random.default_rng(seed)
    layers = [
        FloatLayer(rng.normal(0, 0.5, (16, 10)), rng.normal(0, 0.1, 16), 1.0, leak_shift=3, reset="subtract"),
        FloatLayer(rng.normal(0, 0.5, (12, 16)), rng.normal(0, 0.1, 12), 0.75, leak_shift=None, reset="zero"),
        FloatLayer(rng.normal(0, 0.5, (4, 12)), rng.normal(0, 0.1, 4), 1.0, leak_shift=5),
    ]
    return SpikingMLP.from_float_layers(layers, readout="membrane", weight_bits=5)


@pytest.mark.parametrize("discretization", ["euler", "exact"])
def test_round_trip_of_our_model(tmp_path: Path, discretization: str) -> None:
    model = _our_model(1)
    timing = Timing(dt=1e-3, discretization=discretization)
    graph, warnings = export_graph(model, timing)
    assert [type(n).__name__ for n in graph.nodes.values()] == [
        "Input",
        "Affine",
        "LIF",
        "Affine",
        "IF",
        "Affine",
        "LI",
        "Output",
    ]
    assert len(warnings) == 1 and "layer 0 resets by subtraction" in warnings[0]
    path = write_graph(graph, tmp_path / "ours.nir")
    reread = nir.read(path)  # nir's own type check accepts our file
    tau = float(np.asarray(reread.nodes["neuron0"].tau)[0])
    expected_tau = 8e-3 if discretization == "euler" else -1e-3 / math.log(0.875)  # retention 1 - 2^-3
    assert tau == pytest.approx(expected_tau, rel=1e-6)
    theta = model.float_layers()[0].threshold  # exported as the largest float32 below ours (NIR: v > v_th)
    written = np.asarray(reread.nodes["neuron0"].v_threshold)
    assert (
        written.dtype == np.float32
        and np.all(written < theta)
        and np.all(np.nextafter(written, np.float32(np.inf)) == theta)
    )
    back, report = import_graph(read_graph(path), timing)  # the 5 bits travel in the file's metadata
    assert back.readout == "membrane"
    for ours, theirs, mapped in zip(
        model.integer_layers(), back.integer_layers(), report.layers, strict=True
    ):
        np.testing.assert_array_equal(theirs.weight, ours.weight)
        np.testing.assert_array_equal(theirs.threshold, ours.threshold)
        np.testing.assert_array_equal(theirs.bias, ours.bias)
        assert (theirs.scale, theirs.leak_shift) == (ours.scale, ours.leak_shift)
        assert theirs.reset == ours.reset or mapped.threshold_min is None  # a readout layer never resets
        assert mapped.weight_abs_error_max < 1e-6 * ours.scale
    spikes = np.random.default_rng(2).random((20, 10, 10)) < 0.4
    np.testing.assert_array_equal(
        integer_readout(back, spikes, [16] * 3)[0], integer_readout(model, spikes, [16] * 3)[0]
    )


def test_cli_import_then_export(tmp_path: Path) -> None:
    out = tmp_path / "imported"
    assert (
        main(["import-nir", str(FIXTURES / "norse_lifbox.nir"), "-o", str(out), "--tau-convention", "norse"])
        == 0
    )
    assert {p.name for p in out.iterdir()} >= {"checkpoint.pt", "nir_import.json", "nir_import.md"}
    loaded, payload = load_model(out)
    direct, _ = import_graph(read_graph(FIXTURES / "norse_lifbox.nir"), NORSE)
    for a, b in zip(loaded.integer_layers(), direct.integer_layers(), strict=True):
        np.testing.assert_array_equal(a.weight, b.weight)
        np.testing.assert_array_equal(a.threshold, b.threshold)
    assert payload["meta"]["nir_import"]["layers"][0]["leak"]["leak_shift"] == 3
    exported = tmp_path / "again.nir"
    assert main(["export-nir", str(out / "checkpoint.pt"), "-o", str(exported)]) == 0
    again, _ = import_graph(read_graph(exported), Timing())
    for a, b in zip(again.integer_layers(), loaded.integer_layers(), strict=True):
        np.testing.assert_array_equal(a.weight, b.weight)
    assert main(["import-nir", str(FIXTURES / "norse_cubalif.nir"), "-o", str(tmp_path / "x")]) == 2


def test_imported_norse_graph_exports_bit_exactly_to_hardware() -> None:
    """The imported model's integers, as a SPEC hardware model, run the same in the golden simulator and in
    the independent event-by-event reference of the contract."""
    from spec_reference import layers_of, reference_readout
    from spikeforge.export.hardware import choose_membrane_bits, to_hardware_model
    from spikeforge.hw import golden

    model, _ = import_graph(read_graph(FIXTURES / "norse_lifbox.nir"), NORSE, weight_bits=8)
    spikes = np.load(FIXTURES / "norse_lifbox_io.npz")["spikes"].astype(bool)
    hw = to_hardware_model(model, choose_membrane_bits(model, spikes))
    assert [layer.leak_shift for layer in hw.layers] == [3, 3] and hw.readout == "membrane"
    reference = golden.run(hw, spikes).readout
    assert np.abs(reference).max() > 0
    independent = [
        reference_readout(layers_of(hw), hw.readout, sample.astype(int).tolist()) for sample in spikes
    ]
    np.testing.assert_array_equal(np.array(independent), reference)


def test_reference_stepping_reproduces_norse() -> None:
    """The exact NIR stepping used for the behaviour check agrees with norse's own recorded run."""
    from spikeforge.nir_io.reader import layer_pairs
    from spikeforge.nir_io.reference import simulate

    io = np.load(FIXTURES / "norse_lifbox_io.npz")
    layer_spikes, readout = simulate(
        layer_pairs(read_graph(FIXTURES / "norse_lifbox.nir"), NORSE), io["spikes"]
    )
    np.testing.assert_array_equal(layer_spikes[0], io["hidden_spikes"].astype(bool))
    np.testing.assert_allclose(readout, io["membrane"][:, -1], atol=1e-5)


def test_behaviour_check_in_report() -> None:
    _, good = import_graph(read_graph(FIXTURES / "norse_lifbox.nir"), NORSE)
    b = good.behaviour
    assert (b.samples, b.timesteps) == (64, 32) and b.reference_spike_rate[0] > 0.05
    assert b.spike_agreement[0] > 0.99  # exact mapping; only v == v_th ties (dyadic weights) can differ
    assert "## Behaviour against the NIR reference" in good.to_markdown()
    _, wrong = import_graph(
        read_graph(FIXTURES / "norse_tau10ms.nir"), Timing()
    )  # norse's dt*tau read as seconds
    assert wrong.behaviour.spike_agreement[0] < 0.9 and wrong.behaviour.prediction_agreement < 0.5


def test_input_size_mismatch_and_json_report(tmp_path: Path) -> None:
    import json

    w = np.ones((2, 3), dtype=np.float32)
    lif = nir.LIF(tau=np.full(2, 0.01), r=np.ones(2), v_leak=np.zeros(2), v_threshold=np.ones(2))
    graph = _graph(
        {
            "in": nir.Input(input_type={"input": np.array([4])}),
            "a": nir.Linear(weight=w),
            "n": lif,
            "out": nir.Output(output_type={"output": np.array([2])}),
        },
        [("in", "a"), ("a", "n"), ("n", "out")],
    )
    with pytest.raises(
        SpikeforgeError, match=r"Input node 'in' has shape \[4\] but synapse 'a' takes 3 inputs"
    ):
        import_graph(graph, Timing())
    _, report = import_graph(
        read_graph(FIXTURES / "norse_tau10ms.nir"), Timing()
    )  # tau < dt: infinities inside
    text = json.dumps(report.to_json(), allow_nan=False)  # strict JSON: no Infinity/NaN
    assert json.loads(text)["layers"][0]["leak"]["tau_relative_error_max"] is None


@pytest.mark.slow  # ~3 s: digits, membrane calibration, golden runs
def test_cli_import_with_dataset_writes_a_working_hardware_model(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """A nearest-centroid readout for digits written as NIR (Input -> Affine -> I): imported, exported,
    evaluated."""
    import json

    from spikeforge.data.datasets import load_dataset

    data = load_dataset("digits")
    x, y = data.spike_trains("train", 8, "rate").mean(axis=1), data.labels("train")
    centroids = np.stack([x[y == c].mean(axis=0) for c in range(10)])
    weight = centroids - centroids.mean(axis=0)  # class templates: v_c = sum_t (w_c . s_t), the largest wins
    graph = _graph(
        {
            "in": nir.Input(input_type={"input": np.array([64])}),
            "fc": nir.Linear(weight=weight.astype(np.float32)),
            "acc": nir.I(r=np.ones(10, dtype=np.float32)),
            "out": nir.Output(output_type={"output": np.array([10])}),
        },
        [("in", "fc"), ("fc", "acc"), ("acc", "out")],
    )
    path = write_graph(graph, tmp_path / "centroids.nir")
    out = tmp_path / "imported"
    assert main(["import-nir", str(path), "-o", str(out), "--dataset", "digits", "--timesteps", "8"]) == 0
    evaluation = json.loads((out / "nir_import.json").read_text())["evaluation"]
    assert evaluation["hardware_accuracy"] > 0.8
    assert "## Accuracy on digits" in (out / "nir_import.md").read_text()
    capsys.readouterr()
    assert main(["simulate", str(out / "model.npz"), "--dataset", "digits", "--split", "test", "--json"]) == 0
    simulated = json.loads(capsys.readouterr().out)
    assert simulated["accuracy"] == evaluation["hardware_accuracy"]
    with pytest.raises(SpikeforgeError, match="dataset digits has 64 inputs but the NIR graph takes 12"):
        main(
            [
                "--debug",
                "import-nir",
                str(FIXTURES / "norse_lifbox.nir"),
                "-o",
                str(tmp_path / "x"),
                "--dataset",
                "digits",
            ]
        )


@pytest.mark.parametrize(
    "field,value",
    [
        ("v_threshold", math.nan),
        ("v_threshold", 0.0),
        ("tau", math.inf),
        ("weight", math.nan),
        ("r", math.nan),
    ],
)
def test_non_finite_or_non_positive_parameters_are_refused_by_name(
    tmp_path: Path, capsys, field, value
) -> None:
    """A NaN threshold passed the old `<= 0` check and reached the checkpoint; every parameter must be
    finite."""
    weight = np.full((3, 4), 0.5)
    params = {
        "tau": np.full(3, 0.01),
        "r": np.ones(3),
        "v_leak": np.zeros(3),
        "v_threshold": np.ones(3),
        "v_reset": np.zeros(3),
    }
    if field == "weight":
        weight[1, 2] = value
    else:
        params[field][1] = value
    graph = _graph(
        {
            "input": nir.Input(input_type={"input": np.array([4])}),
            "fc": nir.Affine(weight, np.zeros(3)),
            "lif": nir.LIF(**params),
            "output": nir.Output(output_type={"output": np.array([3])}),
        },
        [("input", "fc"), ("fc", "lif"), ("lif", "output")],
    )
    write_graph(graph, tmp_path / "g.nir")
    assert main(["import-nir", str(tmp_path / "g.nir"), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and field in err
    assert ("'lif'" if field != "weight" else "'fc'") in err
    assert not (tmp_path / "out" / "checkpoint.pt").exists()


@pytest.mark.parametrize("bits", [2, 4])
def test_round_trip_is_exact_when_the_largest_weight_sits_on_the_quantizer_boundary(
    tmp_path: Path, bits: int
) -> None:
    """Trained weights beyond the grid's top clip to 2^(b-2) steps; re-read from NIR, max|w| alone would make
    the quantizer halve its step (the integers and thresholds changed, accuracy moved)."""
    rng = np.random.default_rng(bits)
    step = 0.125
    top = 2.0 ** (bits - 2)
    w0 = rng.uniform(-top, top, (16, 10)) * step
    w0[3, 4] = (top + 0.45) * step  # beyond the largest positive integer of the grid: clips
    w1 = rng.uniform(-top, top, (4, 16)) * step
    w1[1, 2] = -(top + 0.3) * step
    layers = [
        FloatLayer(w0, None, 1.0, leak_shift=4, reset="subtract"),
        FloatLayer(w1, None, 0.5, leak_shift=4),
    ]
    model = SpikingMLP.from_float_layers(layers, readout="count", weight_bits=bits)
    ints = model.integer_layers()
    assert max(int(np.abs(layer.weight).max()) for layer in ints) == top  # the premise: on the boundary
    timing = Timing(dt=1e-3)
    graph, _ = export_graph(model, timing)
    back, _ = import_graph(read_graph(write_graph(graph, tmp_path / "b.nir")), timing)
    for ours, theirs in zip(ints, back.integer_layers(), strict=True):
        assert theirs.scale == ours.scale
        np.testing.assert_array_equal(theirs.weight, ours.weight)
        np.testing.assert_array_equal(theirs.threshold, ours.threshold)
