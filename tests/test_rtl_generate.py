"""The RTL generator without a simulator: manifest (SPEC 4), memory images that hold exactly the
model's nonzero synapses, bank balancing, the CLI, and the rtl engine end to end (marked sim)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spikeforge.cli import main
from spikeforge.hw import golden
from spikeforge.hw.model import file_sha256
from spikeforge.hw.random_model import random_model
from spikeforge.rtl.generator import core_params, generate_rtl, layouts, merge_params
from spikeforge.rtl.layout import balanced_permutation


def _read_hex(path) -> list[int]:
    return [int(line, 16) for line in path.read_text().split()]


def _field(word: int, lo: int, bits: int) -> int:
    return (word >> lo) & ((1 << bits) - 1)


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >> (bits - 1) else value


@pytest.mark.parametrize("lanes", [1, 2, 4, 8])
def test_images_hold_exactly_the_nonzero_synapses(lanes: int, tmp_path) -> None:
    model = random_model([37, 19, 7], seed=lanes, density=0.3, weight_bits=[5, 12])
    model_path = model.save(tmp_path / "m.npz")
    manifest = generate_rtl(model, tmp_path / "d", lanes, model_sha256=file_sha256(model_path))
    assert set(manifest) >= {"top", "sources", "include_dirs", "model_sha256", "parameters"}
    assert manifest["model_sha256"] == file_sha256(model_path)
    assert all((tmp_path / "d" / s).is_file() for s in manifest["sources"])
    assert json.loads((tmp_path / "d" / "manifest.json").read_text()) == manifest
    lays = layouts(model, lanes)
    for index, (layer, lp) in enumerate(zip(model.layers, manifest["parameters"]["layers"], strict=True)):
        ptr = _read_hex(tmp_path / "d" / f"l{index}_ptr.mem")
        slots = _read_hex(tmp_path / "d" / f"l{index}_w.mem")
        assert len(ptr) == lp["N_IN"] and len(slots) == lp["SLOTS"]
        rebuilt = np.zeros((lp["ROWS"] * lp["P"], lp["N_IN"]), dtype=np.int64)
        lane_bits = lp["RB"] + lp["WB"]
        for i, word in enumerate(ptr):
            first, count = word >> lp["CB"], _field(word, 0, lp["CB"])
            for s in range(first, first + count):
                for p in range(lp["P"]):
                    lane = _field(slots[s], p * lane_bits, lane_bits)
                    w = _signed(_field(lane, 0, lp["WB"]), lp["WB"])
                    row = lane >> lp["WB"]
                    if w:
                        assert rebuilt[row * lp["P"] + p, i] == 0, "a synapse is stored twice"
                        rebuilt[row * lp["P"] + p, i] = w
        np.testing.assert_array_equal(rebuilt, lays[index].weight)
        # the physical matrix is the logical one with permuted rows/columns: same multiset of synapses
        assert np.count_nonzero(rebuilt) == layer.nonzeros
        assert sorted(rebuilt[rebuilt != 0].tolist()) == sorted(layer.weight[layer.weight != 0].tolist())
        # work is events x fan-out: the slots of an input never exceed its fan-out
        fanout = np.count_nonzero(lays[index].weight, axis=0)
        counts = np.array([_field(w, 0, lp["CB"]) for w in ptr])
        assert (counts <= fanout).all() and (counts >= -(-fanout // lp["P"])).all()
    # the last layer keeps SPEC's output order: neuron j at physical j
    last = model.layers[-1]
    for j in range(model.n_outputs):
        phys_row = lays[-1].weight[j]
        assert sorted(phys_row[phys_row != 0].tolist()) == sorted(
            last.weight[j][last.weight[j] != 0].tolist()
        )
    assert lays[-1].threshold[: model.n_outputs].tolist() == last.threshold.tolist()
    assert lays[-1].bias[: model.n_outputs].tolist() == last.bias.tolist()


def test_balanced_permutation_is_a_permutation_and_beats_modulo() -> None:
    rng = np.random.default_rng(0)
    weight = np.where(rng.random((64, 200)) < 0.15, 1, 0)
    position = balanced_permutation(weight, 4)
    assert sorted(position.tolist()) == list(range(64))

    def slots(pos: np.ndarray) -> int:
        bank = pos % 4
        return sum(int(np.bincount(bank[weight[:, i] != 0], minlength=4).max()) for i in range(200))

    assert slots(position) < slots(np.arange(64))


def test_merge_params_widens_memories_and_refuses_other_shapes() -> None:
    a = random_model([20, 10, 4], seed=1, density=0.1)
    b = random_model([20, 10, 4], seed=2, density=0.9)
    pa, pb = core_params(a, 2)[0], core_params(b, 2)[0]
    merged = merge_params([pa, pb])
    for la, lb, lm in zip(pa.layers, pb.layers, merged.layers, strict=True):
        assert max(la.SLOTS, lb.SLOTS) == lm.SLOTS and max(la.AW, lb.AW) == lm.AW
    other = core_params(random_model([20, 10, 5], seed=1), 2)[0]
    with pytest.raises(Exception, match="cannot share"):
        merge_params([pa, other])


def test_cli_generate_rtl(tmp_path, capsys) -> None:
    path = random_model([12, 6, 3], seed=4).save(tmp_path / "m.npz")
    assert main(["generate", "rtl", str(path), "-o", str(tmp_path / "out"), "--lanes", "2,1"]) == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["parameters"]["lanes"] == [2, 1]
    assert manifest["model_sha256"] == file_sha256(path)
    assert main(["generate", "rtl", str(path), "-o", str(tmp_path / "bad"), "--lanes", "3"]) == 2
    assert "lanes must be one of" in capsys.readouterr().err


@pytest.mark.sim
def test_simulate_engine_rtl_json_equals_golden(tmp_path, capsys) -> None:
    model = random_model([30, 16, 6], seed=3, density=0.4, readout="count")
    path = model.save(tmp_path / "m.npz")
    spikes = np.random.default_rng(0).random((5, 8, 30)) < 0.3
    np.save(tmp_path / "x.npy", spikes)
    outputs = {}
    for engine in ("golden", "rtl"):
        assert (
            main(
                [
                    "simulate",
                    str(path),
                    "--engine",
                    engine,
                    "--input",
                    str(tmp_path / "x.npy"),
                    "--json",
                    "--quiet",
                ]
            )
            == 0
        )
        outputs[engine] = json.loads(capsys.readouterr().out)
    rtl, gold = outputs["rtl"], outputs["golden"]
    assert rtl["readout"] == gold["readout"] == golden.run(model, spikes).readout.tolist()
    assert rtl["prediction"] == gold["prediction"]
    assert len(rtl["cycles_per_sample"]) == 5 and rtl["cycles_total"] >= sum(rtl["cycles_per_sample"]) > 0
