"""The hls4ml front end and IR (no compiler): SF layers and their attributes, fan-out lists, exact widths,
registration (idempotent, entry point), the written project's top, pragmas and README, the cycles model."""

from __future__ import annotations

import dataclasses
import importlib
import re
import subprocess
import sys

import numpy as np
import pytest

from spikeforge.errors import SpikeforgeError
from spikeforge.estimate.activity import uniform
from spikeforge.hls4ml_ext import plugin
from spikeforge.hls4ml_ext.convert import fanout_lists, full_capacity, graph_to_model, sf_layers, to_graph
from spikeforge.hls4ml_ext.cycles import hls_cycles_per_sample, hls_cycles_report, hls_layer_cycles
from spikeforge.hls4ml_ext.layers import SFEventDense, SFEventInput, layer_widths
from spikeforge.hw.random_model import random_model


def _same_model(a, b) -> None:
    assert a.readout == b.readout and len(a.layers) == len(b.layers)
    for la, lb in zip(a.layers, b.layers, strict=True):
        np.testing.assert_array_equal(la.weight, lb.weight)
        np.testing.assert_array_equal(la.threshold, lb.threshold)
        np.testing.assert_array_equal(la.bias, lb.bias)
        assert (la.weight_bits, la.membrane_bits, la.leak_shift, la.reset) == (
            lb.weight_bits,
            lb.membrane_bits,
            lb.leak_shift,
            lb.reset,
        )


def test_layers_registered_under_their_class_names() -> None:
    from hls4ml.model.layers import layer_map

    plugin.register()
    assert layer_map["SFEventDense"] is SFEventDense and layer_map["SFEventInput"] is SFEventInput


def test_graph_layers_and_attributes(tmp_path) -> None:
    model = random_model(
        [9, 7, 3],
        seed=2,
        weight_bits=[5, 12],
        membrane_bits=[10, 32],
        leak_shift=[0, None],
        reset=["zero", "subtract"],
        readout="membrane",
        density=0.5,
    )
    graph = to_graph(model, tmp_path / "prj", lanes=[2, 4])
    names = [node.class_name for node in graph.get_layers()]
    assert names == ["SFEventInput", "SFEventDense", "SFEventDense"]
    first, last = sf_layers(graph)
    assert (first.get_attr("n_in"), first.get_attr("n_out"), first.get_attr("lanes")) == (9, 7, 2)
    assert (first.get_attr("leak"), first.get_attr("leak_shift"), first.get_attr("reset")) == (
        True,
        0,
        "zero",
    )
    assert first.get_attr("fires") and not first.get_attr("last")
    assert not last.get_attr("fires") and last.get_attr("last") and last.get_attr("readout") == "membrane"
    assert last.get_attr("leak") is False
    # types: exact widths from the bits and sizes, unique names per layer
    assert first.get_attr("accum_t").precision.width == 5 + (9).bit_length()
    assert first.get_weights("weight").type.precision.width == 5
    assert last.get_attr("sum_t").precision.width == 32 + 2
    assert last.get_attr("membrane_t").precision.width == 32
    assert first.get_attr("accum_t").name != last.get_attr("accum_t").name
    # weights: per-input fan-out lists in slots of P synapses
    w = model.layers[0].weight.astype(np.int64)
    ptr = first.get_weights("ptr").data
    np.testing.assert_array_equal(np.diff(ptr), -(-np.count_nonzero(w, axis=0) // 2))
    neuron = first.get_weights("neuron").data.reshape(-1, 2)
    value = first.get_weights("weight").data.reshape(-1, 2)
    for i in range(9):
        lanes = slice(int(ptr[i]), int(ptr[i + 1]))
        targets = neuron[lanes][value[lanes] != 0]
        np.testing.assert_array_equal(np.sort(targets), np.flatnonzero(w[:, i]))
        np.testing.assert_array_equal(value[lanes][value[lanes] != 0], w[targets, i])


@pytest.mark.parametrize("seed", range(6))
def test_graph_round_trip(seed: int, tmp_path) -> None:
    rng = np.random.default_rng(seed)
    sizes = [int(rng.integers(1, 30)) for _ in range(int(rng.integers(2, 5)))]
    model = random_model(
        sizes,
        seed=seed,
        density=float(rng.choice([0.0, 0.1, 0.6, 1.0])),
        weight_bits=int(rng.integers(2, 17)),
        readout=str(rng.choice(["count", "membrane"])),
        leak_shift=[None, 0, 2][seed % 3],
    )
    lanes = int(rng.choice([1, 2, 4, 8, 16]))
    _same_model(graph_to_model(to_graph(model, tmp_path / "a", lanes=lanes)), model)
    _same_model(
        graph_to_model(to_graph(model, tmp_path / "b", lanes=lanes, capacity=full_capacity(model, lanes))),
        model,
    )


def test_fully_pruned_layer_is_padded(tmp_path) -> None:
    model = random_model([5, 4, 3], seed=1)
    l0, l1 = model.layers
    model = dataclasses.replace(model, layers=(dataclasses.replace(l0, weight=np.zeros_like(l0.weight)), l1))
    graph = to_graph(model, tmp_path / "prj", lanes=4)
    first = sf_layers(graph)[0]
    assert first.get_attr("slots") == 1 and first.get_weights("weight").data_length == 4
    assert not first.get_weights("ptr").data.any()
    _same_model(graph_to_model(graph), model)


@pytest.mark.parametrize("n_in", [1, 2, 3, 255, 256, 784, 4096])
@pytest.mark.parametrize("wb", [2, 3, 8, 16])
def test_widths_hold_every_exact_sum(n_in: int, wb: int) -> None:
    """The accumulator holds n_in extreme weights; the neuron sum holds membrane + current + int32 bias."""
    for m in (2, 16, 32):
        w = layer_widths(n_in, 10, 100, wb, m)
        lo_w, hi_w = -(1 << (wb - 1)), (1 << (wb - 1)) - 1
        acc_lo, acc_hi = -(1 << (w["accum"] - 1)), (1 << (w["accum"] - 1)) - 1
        assert acc_lo <= n_in * lo_w and n_in * hi_w <= acc_hi
        sum_lo, sum_hi = -(1 << (w["sum"] - 1)), (1 << (w["sum"] - 1)) - 1
        assert sum_lo <= -(1 << (m - 1)) + acc_lo - (1 << 31)
        assert (1 << (m - 1)) - 1 + acc_hi + (1 << 31) - 1 <= sum_hi


def test_fanout_lists_and_capacity_errors() -> None:
    w = np.array([[1, 0, 0], [2, 0, -3], [0, 0, 4]])
    lists = fanout_lists(w, 2)
    assert lists.ptr.tolist() == [0, 1, 1, 2] and lists.slots == 2
    assert lists.neuron.tolist() == [0, 1, 1, 2] and lists.weight.tolist() == [1, 2, -3, 4]
    assert fanout_lists(w, 2, capacity=5).slots == 5
    with pytest.raises(SpikeforgeError, match="fan-out slots"):
        fanout_lists(w, 1, capacity=3)


def test_bad_lanes_and_capacity_are_user_errors(tmp_path) -> None:
    model = random_model([4, 3], seed=0)
    with pytest.raises(SpikeforgeError, match="lanes must be one of"):
        to_graph(model, tmp_path / "a", lanes=3)
    with pytest.raises(SpikeforgeError, match="lanes gives 2 values"):
        to_graph(model, tmp_path / "b", lanes=[1, 2])
    with pytest.raises(SpikeforgeError, match="capacity gives"):
        to_graph(model, tmp_path / "c", capacity=[1, 1])


def test_registration_is_idempotent() -> None:
    from hls4ml.backends import get_available_backends

    plugin.register()
    plugin.register()
    importlib.reload(plugin)
    plugin.register()
    backends = get_available_backends()
    assert backends.count("sfvitis") == 1 and backends.count("sfrtl") == 1


def test_backends_listed_after_a_plain_import_of_hls4ml() -> None:
    """The entry point registers both backends at `import hls4ml` (a failing plugin only prints WARNING)."""
    code = "import hls4ml; print(sorted(hls4ml.backends.get_available_backends()))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "WARNING" not in done.stdout + done.stderr, done.stdout + done.stderr
    assert "'sfrtl'" in done.stdout and "'sfvitis'" in done.stdout


def _loop_body(text: str, label: str) -> str:
    start = text.index(f"{label}:")
    return text[start : start + 400]


def test_written_project_top_pragmas_and_readme(tmp_path) -> None:
    small = random_model([6, 5, 3], seed=0)
    large = random_model([64, 300, 10], seed=0, density=0.2)
    graph = to_graph(large, tmp_path / "prj", lanes=[4, 1])
    graph.write()
    out = tmp_path / "prj"
    assert re.search(r"^set_top \$\{project_name\}_axis$", (out / "build_prj.tcl").read_text(), re.M)
    top = (out / "firmware" / "spikeforge_hls.cpp").read_text()
    wrapper = top[top.index("void spikeforge_hls_axis(") :]
    for pragma in (
        "INTERFACE axis port=s_axis",
        "INTERFACE axis port=m_axis",
        "INTERFACE ap_ctrl_none port=return",
        "DATAFLOW",
    ):
        assert f"#pragma HLS {pragma}" in wrapper
    network = top[: top.index("void spikeforge_hls_axis(")]
    assert "#pragma HLS DATAFLOW" in network and network.count("nnet::sf_event_dense<") == 2
    assert re.search(r"#pragma HLS STREAM variable=layer\d+_out depth=302", network)
    kernel = (out / "firmware" / "nnet_utils" / "sf_event_dense.h").read_text()
    for label in ("SFFanout", "SFNeurons"):
        assert "#pragma HLS PIPELINE II=1" in _loop_body(kernel, label)
    assert "impl=bram" in kernel and "impl=lutram" in kernel
    code = re.sub(r"//[^\n]*", "", kernel)
    assert not re.search(r"\bstatic\b(?!\s+const)", code)  # no state kept between calls
    params = (out / "firmware" / "parameters.h").read_text()
    assert params.count("static const bool state_in_bram = true;") == 1  # the 300-neuron layer only
    assert "static const unsigned lanes = 4;" in params
    readme = (out / "README.md").read_text()
    assert "spikeforge_hls_axis" in readme and "Not verified" in readme and "vitis-run" in readme
    graph_small = to_graph(small, tmp_path / "small", lanes=1)
    graph_small.write()
    assert "state_in_bram = true" not in (tmp_path / "small" / "firmware" / "parameters.h").read_text()


def test_cycles_model_by_hand() -> None:
    """One layer, P=2: fan-outs 3, 0, 1 -> 2, 0, 1 slots; n_out + events + slots + T(1 + n_out) a sample."""
    model = random_model([3, 4], seed=0, density=1.0)
    w = np.array([[1, 0, 0], [1, 0, 0], [-1, 0, 2], [0, 0, 0]], dtype=np.int8)
    model = dataclasses.replace(model, layers=(dataclasses.replace(model.layers[0], weight=w),))
    spikes = np.zeros((2, 3, 3), dtype=bool)
    spikes[0, 0] = [1, 1, 1]  # 3 events, 2 + 0 + 1 slots
    spikes[0, 2, 0] = 1  # 1 event, 2 slots
    expected0 = 4 + (3 + 3) + (1 + 2) + 3 * (1 + 4)
    expected1 = 4 + 3 * (1 + 4)  # no events
    assert hls_layer_cycles(model, spikes, 2).tolist() == [[expected0, expected1]]
    assert hls_cycles_per_sample(model, spikes, 2).tolist() == [expected0, expected1]
    # the same counts from an assumed activity: rate r per input line and timestep
    rates = hls_layer_cycles(model, uniform(model, rate=0.5, timesteps=3), 2)
    assert rates.tolist() == [[4 + 0.5 * 3 * 3 + 0.5 * 3 * 3 + 3 * 5]]
    report = hls_cycles_report(model, spikes, 2, clock_mhz=100.0)
    assert report["verified"] is False and report["cycles_per_sample"] == (expected0 + expected1) / 2
    assert report["lanes"] == [2] and report["layer_cycles"] == [(expected0 + expected1) / 2]


def test_generate_hls_user_errors_exit_2(tmp_path, capsys) -> None:
    from spikeforge.cli import main

    model_file = random_model([4, 3], seed=0).save(tmp_path / "m.npz")
    assert main(["generate", "hls", str(model_file), "-o", str(tmp_path / "p"), "--lanes", "3"]) == 2
    assert "lanes must be one of" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()
    assert main(["generate", "hls", str(tmp_path / "missing.npz"), "-o", str(tmp_path / "q")]) == 2
