"""The HLS C++ (SFVitis backend, g++ C simulation) against the golden simulator, readout for readout.

Every shape (layer sizes, bits, leak, reset, readout, lanes P) is written and compiled once with
fan-out lists sized for any model of that shape; each random model of the shape is then loaded
into the compiled library through the bridge and fed random streams: per-sample and per-batch
packets (end-of-sample flag E, TLAST only at packet ends), out-of-range addresses sprinkled in.
The output stream is checked word for word, TLAST included.
"""

from __future__ import annotations

import ctypes
import dataclasses
import shutil
import subprocess

import numpy as np
import pytest

from spikeforge.errors import SpikeforgeError
from spikeforge.hls4ml_ext.convert import full_capacity, to_graph
from spikeforge.hls4ml_ext.vitis import compiled_library, load_model, run_stream
from spikeforge.hw import golden
from spikeforge.hw.events import Stream, decode_readout, encode_spikes
from spikeforge.hw.model import HardwareModel
from spikeforge.hw.random_model import random_model
from strategies import random_shape, shape_model

pytestmark = pytest.mark.sim

N_SHAPES = 12
MODELS_PER_SHAPE = 18
LANES = (1, 2, 4, 8)


def _shape(seed: int) -> dict:
    """A random structure; across the seeds: 1-3 layers, every P of LANES, k = 0, both readouts."""
    return random_shape(seed, seed_base=2000, layer_cycle=(1, 2, 3), lanes=LANES)


def _packets(model: HardwareModel, rng: np.random.Generator) -> tuple[list[np.ndarray], Stream, list[bool]]:
    """Random spike trains in one stream of 1-3 packets (each per-sample or per-batch framed),
    with out-of-range addresses sprinkled in; returns the trains, the stream and per-sample TLAST flags."""
    trains, words, last, closes = [], [], [], []
    for _ in range(int(rng.integers(1, 4))):
        batch, steps = int(rng.integers(1, 4)), int(rng.integers(1, 7))
        spikes = rng.random((batch, steps, model.n_inputs)) < rng.choice([0.0, 0.1, 0.4, 0.9])
        framing = str(rng.choice(["sample", "batch"]))
        stream = encode_spikes(spikes, framing=framing)
        w, lst = list(stream.words), list(stream.last)
        for _ in range(int(rng.integers(0, 4))):
            pos = int(rng.integers(0, len(w)))  # before some word: never after the packet's TLAST
            bad = int(
                rng.choice(
                    [
                        model.n_inputs,
                        model.n_inputs + 1,
                        0x7FFF_FFFF,
                        int(rng.integers(model.n_inputs, 1 << 31)),
                    ]
                )
            )
            w.insert(pos, bad)
            lst.insert(pos, bool(rng.random() < 0.2))  # TLAST on an event word ends nothing
        trains.append(spikes)
        words += w
        last += lst
        closes += [framing == "sample"] * (batch - 1) + [True]
    return trains, Stream(np.array(words, dtype=np.uint32), np.array(last, dtype=bool)), closes


def mismatches(lib: ctypes.CDLL, graph, models: list[HardwareModel], seed: int) -> tuple[list[int], int]:
    """Load each model into the compiled library, stream random packets through it, compare with golden.

    Returns the indices of the models whose output stream differs (readouts or TLAST) and the number
    of readout words compared.
    """
    rng = np.random.default_rng(seed)
    bad, compared = [], 0
    for i, model in enumerate(models):
        load_model(graph, model, lib)
        trains, stream, closes = _packets(model, rng)
        expected = np.concatenate([golden.run(model, t).readout for t in trains])
        words, last = run_stream(lib, stream.words, stream.last, expected.size)
        got = Stream(words, last)
        try:
            readout = decode_readout(got, model.n_outputs, np.array(closes))
        except Exception:  # wrong TLAST placement or word count
            bad.append(i)
            continue
        compared += expected.size
        if not np.array_equal(readout, expected):
            bad.append(i)
    return bad, compared


def _compiled(shape: dict, models: list[HardwareModel], out_dir):
    graph = to_graph(
        models[0], out_dir, lanes=shape["lanes"], capacity=full_capacity(models[0], shape["lanes"])
    )
    graph.compile()
    return graph


@pytest.mark.parametrize("shape_seed", range(N_SHAPES))
def test_random_models_match_golden(shape_seed: int, tmp_path) -> None:
    shape = _shape(shape_seed)
    models = [shape_model(shape, 100 * shape_seed + i) for i in range(MODELS_PER_SHAPE)]
    graph = _compiled(shape, models, tmp_path / "prj")
    bad, compared = mismatches(compiled_library(graph), graph, models, shape_seed)
    assert not bad, f"shape {shape}: models {bad} differ from golden"
    assert compared > 0


def test_hls4ml_predict_matches_golden(tmp_path) -> None:
    """hls4ml's own API: convert, compile(), predict() on spike trains [B, T, n_in]: exact int32 readouts."""
    model = random_model(
        [30, 12, 5], seed=7, membrane_bits=[32, 8], weight_bits=[16, 3], leak_shift=[0, None]
    )
    graph = to_graph(model, tmp_path / "prj", lanes=[2, 1])
    graph.compile()
    spikes = np.random.default_rng(1).random((40, 8, 30)) < 0.5
    got = graph.predict(spikes)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, golden.run(model, spikes).readout)


EDGE_SHAPE = dict(
    sizes=[12, 8, 5],
    weight_bits=[16, 16],
    membrane_bits=[32, 32],
    leak_shift=[3, None],
    reset=["subtract", "zero"],
    readout="count",
    lanes=2,
)


def _edge_models() -> list[HardwareModel]:
    """A fully pruned layer, inputs with no fan-out, and m = 32 at the int32 extremes."""
    base = shape_model(EDGE_SHAPE, 1)
    l0, l1 = base.layers
    pruned = dataclasses.replace(base, layers=(l0, dataclasses.replace(l1, weight=np.zeros_like(l1.weight))))
    w = l0.weight.copy()
    w[:, ::3] = 0  # every third input reaches no neuron
    silent_inputs = dataclasses.replace(base, layers=(dataclasses.replace(l0, weight=w), l1))
    top = np.iinfo(np.int32)
    extreme = []
    for bias in (top.max, top.min):
        layers = tuple(
            dataclasses.replace(
                layer,
                bias=np.full(layer.n_out, bias, dtype=np.int32),
                threshold=np.full(layer.n_out, top.max, dtype=np.int32),
            )
            for layer in base.layers
        )
        extreme.append(dataclasses.replace(base, layers=layers))
    return [base, pruned, silent_inputs, *extreme]


def test_edge_cases_match_golden(tmp_path) -> None:
    models = _edge_models()
    graph = _compiled(EDGE_SHAPE, models, tmp_path / "prj")
    lib = compiled_library(graph)
    n_in = EDGE_SHAPE["sizes"][0]
    cases = {
        "T=1": np.random.default_rng(0).random((3, 1, n_in)) < 0.5,
        "no events": np.zeros((3, 4, n_in), dtype=bool),
        "every input": np.ones((2, 5, n_in), dtype=bool),
        "mixed": np.concatenate([np.zeros((1, 6, n_in), bool), np.ones((1, 6, n_in), bool)]),
    }
    for index, model in enumerate(models):
        load_model(graph, model, lib)
        for name, spikes in cases.items():
            expected = golden.run(model, spikes).readout
            for framing in ("sample", "batch"):
                stream = encode_spikes(spikes, framing=framing)
                words, last = run_stream(lib, stream.words, stream.last, expected.size)
                closes = np.arange(len(spikes)) == len(spikes) - 1 if framing == "batch" else None
                got = decode_readout(Stream(words, last), model.n_outputs, closes)
                np.testing.assert_array_equal(got, expected, err_msg=f"model {index}, {name}, {framing}")
    assert int(golden.run(models[3], cases["every input"]).readout.max()) > 0  # the extremes do fire
    other = dataclasses.replace(
        models[0], layers=(dataclasses.replace(models[0].layers[0], leak_shift=2), models[0].layers[1])
    )
    with pytest.raises(SpikeforgeError, match=r"sf_dense0\.leak_shift"):
        load_model(graph, other, lib)
    # out-of-range addresses only: dropped, the readout is that of an empty sample
    load_model(graph, models[0], lib)
    words = np.array([n_in, 0x7FFF_FFFF, n_in + 5, 0x8000_0000, n_in, 0xC000_0001], dtype=np.uint32)
    last = np.array([0, 0, 0, 0, 1, 1], dtype=bool)
    out_words, out_last = run_stream(lib, words, last, 100)
    expected = golden.run(models[0], np.zeros((1, 2, n_in), dtype=bool)).readout
    np.testing.assert_array_equal(decode_readout(Stream(out_words, out_last), 5), expected)


def test_batch_packet_tlast_only_at_packet_end(tmp_path) -> None:
    """Several samples in one packet (E flags): readouts per sample, TLAST only on the packet's last word."""
    model = random_model([10, 6, 4], seed=3, density=0.6)
    graph = to_graph(model, tmp_path / "prj", lanes=1)
    graph.compile()
    spikes = np.random.default_rng(2).random((5, 4, 10)) < 0.5
    stream = encode_spikes(spikes, framing="batch")
    assert int(stream.last.sum()) == 1 and int(((stream.words >> 30) == 3).sum()) == 5
    words, last = run_stream(compiled_library(graph), stream.words, stream.last, 100)
    assert words.size == 5 * 4 and np.flatnonzero(last).tolist() == [19]
    np.testing.assert_array_equal(words.view(np.int32).reshape(5, 4), golden.run(model, spikes).readout)
    # a v1 stream (no E flags, TLAST closes every sample) gives the same readouts, one packet each
    v1 = encode_spikes(spikes, framing="sample")
    v1_words = np.where(v1.words >> 31 == 1, v1.words & ~np.uint32(1 << 30), v1.words).astype(np.uint32)
    assert not ((v1_words >> 30) == 3).any() and int(v1.last.sum()) == 5
    words, last = run_stream(compiled_library(graph), v1_words, v1.last, 100)
    assert np.flatnonzero(last).tolist() == [3, 7, 11, 15, 19]
    np.testing.assert_array_equal(words.view(np.int32).reshape(5, 4), golden.run(model, spikes).readout)


CLAMP_LINE = "acc[p][neuron[slot]] += weight[slot];"
CLAMP_PER_EVENT = (
    "{ typename CONFIG_T::sum_t partial = acc[p][neuron[slot]] + weight[slot]; "
    "if (partial > v_max) partial = v_max; if (partial < v_min) partial = v_min; "
    "acc[p][neuron[slot]] = partial; }"
)


def test_exact_sum_check_catches_a_per_event_clamp(tmp_path) -> None:
    """The random-model comparison fails on a kernel that clamps to m bits per event instead of once."""
    shape = dict(
        sizes=[24, 6],
        weight_bits=[8],
        membrane_bits=[4],
        leak_shift=[None],
        reset=["subtract"],
        readout="membrane",
        lanes=1,
    )
    models = [shape_model(shape, 50 + i) for i in range(12)]
    graph = _compiled(shape, models, tmp_path / "prj")
    bad, compared = mismatches(compiled_library(graph), graph, models, 0)
    assert not bad and compared > 0

    mutant = tmp_path / "mutant"
    shutil.copytree(tmp_path / "prj", mutant)
    header = mutant / "firmware" / "nnet_utils" / "sf_event_dense.h"
    text = header.read_text()
    assert text.count(CLAMP_LINE) == 1
    header.write_text(text.replace(CLAMP_LINE, CLAMP_PER_EVENT))
    for so in (mutant / "firmware").glob("*.so"):
        so.unlink()
    subprocess.run(["bash", "build_lib.sh"], cwd=mutant, check=True, capture_output=True)
    (so,) = (mutant / "firmware").glob("*.so")
    bad, _ = mismatches(ctypes.CDLL(str(so)), graph, models, 0)
    assert len(bad) >= 3, f"the per-event clamp went unnoticed (models {bad} differ)"
