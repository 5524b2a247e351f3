"""The RTL generator without a simulator: manifest (SPEC 4), memory images that hold exactly the
model's nonzero synapses, each in the list of its neuron's bank, the CLI, and the rtl engine end to
end (marked sim)."""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np
import pytest

from spikeforge.cli import main
from spikeforge.core.params import WIDENABLE, core_params, merge_params
from spikeforge.hw import golden
from spikeforge.hw.model import file_sha256
from spikeforge.hw.random_model import random_model
from spikeforge.rtl.generator import generate_rtl


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
    assert all((tmp_path / "d" / s).is_file() for s in manifest["memory_images"])
    assert json.loads((tmp_path / "d" / "manifest.json").read_text()) == manifest
    for index, (layer, lp) in enumerate(zip(model.layers, manifest["parameters"]["layers"], strict=True)):
        ptr = _read_hex(tmp_path / "d" / f"l{index}_ptr.mem")
        banks = [_read_hex(tmp_path / "d" / f"l{index}_w{b:x}.mem") for b in range(lp["P"])]
        assert len(ptr) == lp["N_IN"] and all(len(entries) == lp["SLOTS"] for entries in banks)
        rebuilt = np.zeros((lp["ROWS"] * lp["P"], lp["N_IN"]), dtype=np.int64)
        pw = lp["SA"] + lp["CB"]
        used = [np.zeros(lp["SLOTS"], dtype=bool) for _ in range(lp["P"])]
        for i, word in enumerate(ptr):
            for b in range(lp["P"]):
                field = _field(word, b * pw, pw)
                first, count = field >> lp["CB"], _field(field, 0, lp["CB"])
                for s in range(first, first + count):
                    entry = banks[b][s]
                    w = _signed(_field(entry, 0, lp["WB"]), lp["WB"])
                    q = (entry >> lp["WB"]) * lp["P"] + b  # bank b holds neurons q with q % P == b
                    assert w != 0 and rebuilt[q, i] == 0 and not used[b][s], "a synapse is stored twice"
                    rebuilt[q, i] = w
                    used[b][s] = True
        # neurons keep their order (padded to ROWS*P), inputs too: the stored matrix IS the model's
        np.testing.assert_array_equal(rebuilt[: layer.n_out, : layer.n_in], layer.weight)
        assert not rebuilt[layer.n_out :].any() and not rebuilt[:, layer.n_in :].any()
        # every list entry is one synapse: the banks hold exactly the nonzero weights, nothing padded in
        assert sum(int(u.sum()) for u in used) == np.count_nonzero(layer.weight)
        # the deepest bank sets the memory depth
        assert lp["SLOTS"] == max(1, max(int(u.sum()) for u in used))
        nrn = _read_hex(tmp_path / "d" / f"l{index}_nrn.mem")
        lane_bits = lp["M"] + lp["BW"]
        theta = [
            _field(nrn[q // lp["P"]], (q % lp["P"]) * lane_bits + lp["BW"], lp["M"])
            for q in range(layer.n_out)
        ]
        bias = [
            _signed(_field(nrn[q // lp["P"]], (q % lp["P"]) * lane_bits, lp["BW"]), lp["BW"])
            for q in range(layer.n_out)
        ]
        assert theta == layer.threshold.tolist() and bias == layer.bias.tolist()


def test_merge_params_widens_memories_and_refuses_other_shapes() -> None:
    # 8-bit weights on an 8-bit membrane: the denser model's wider accumulator (AW) also widens UW
    a = random_model([20, 10, 4], seed=1, density=0.1, weight_bits=8, membrane_bits=8)
    b = random_model([20, 10, 4], seed=2, density=0.9, weight_bits=8, membrane_bits=8)
    pa, pb = core_params(a, 2)[0], core_params(b, 2)[0]
    merged = merge_params([pa, pb])
    for la, lb, lm in zip(pa.layers, pb.layers, merged.layers, strict=True):
        assert max(la.SLOTS, lb.SLOTS) == lm.SLOTS and max(la.AW, lb.AW) == lm.AW
        for k in WIDENABLE:
            assert getattr(lm, k) == max(getattr(la, k), getattr(lb, k)), k
        # the widths that follow from the widened sizes are recomputed (the first model's are too narrow)
        assert lm == lm.derived()
        sa, uw = max(1, (lm.SLOTS - 1).bit_length()), max(lm.M, lm.AW, lm.BW) + 2
        assert (sa, uw) == (lm.SA, lm.UW)
        assert (lm.SA, lm.UW) != (la.SA, la.UW)
        for k, v in asdict(lm).items():  # everything else is the shared structure
            if k not in (*WIDENABLE, "SA", "UW"):
                assert v == getattr(la, k) == getattr(lb, k), k
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
    from spikeforge.estimate.activity import uniform
    from spikeforge.estimate.lanes import choose_lanes

    hw = random_model([12, 6, 3], seed=4)
    assert (
        main(
            [
                "generate",
                "rtl",
                str(path),
                "-o",
                str(tmp_path / "auto"),
                "--lanes",
                "auto",
                "--lut-budget",
                "1e6",
            ]
        )
        == 0
    )
    chosen = json.loads((tmp_path / "auto" / "manifest.json").read_text())["parameters"]["lanes"]
    assert chosen == list(choose_lanes(hw, uniform(hw), 1e6).lanes) and chosen[0] > 1
    assert f"lanes auto: P={','.join(map(str, chosen))}" in capsys.readouterr().err


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


@pytest.mark.sim
@pytest.mark.parametrize(
    ("lanes", "readout", "bits"),
    [(1, "count", 32), (2, "membrane", 32), (8, "count", 2), (16, "membrane", 9)],
)
def test_verilator_lint_wall_is_clean(lanes: int, readout: str, bits: int, tmp_path) -> None:
    import subprocess

    model = random_model(
        [21, 17, 3],
        seed=lanes,
        density=0.5,
        readout=readout,
        membrane_bits=bits,
        weight_bits=[2, 16],
        leak_shift=min(4, bits - 1),
    )
    manifest = generate_rtl(model, tmp_path, lanes, model_sha256="0" * 64)
    proc = subprocess.run(
        ["verilator", "--lint-only", "-Wall", "--top-module", manifest["top"], *manifest["sources"]],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0 and "%Warning" not in proc.stderr, proc.stderr


@pytest.mark.sim
@pytest.mark.parametrize("seed", [0, 1])
def test_auto_lanes_core_matches_golden_under_back_pressure(seed: int, tmp_path) -> None:
    """Per-layer lanes from the auto chooser (mixed P), random models, stalls on both streams."""
    from spikeforge.estimate.activity import measured
    from spikeforge.estimate.lanes import choose_lanes
    from spikeforge.estimate.resources import estimate
    from spikeforge.hw.events import encode_spikes
    from spikeforge.rtl.runner import SimCase, build, run

    rng = np.random.default_rng(seed)
    model = random_model(
        [int(rng.integers(40, 90)), 48, 24, 7],
        seed=seed,
        density=[0.5, 0.2, 0.6],
        weight_bits=[4, 6, 3],
        membrane_bits=[12, 16, 10],
        leak_shift=[3, None, 2],
        reset=["subtract", "zero", "subtract"],
        readout=["count", "membrane"][seed],
    )
    spikes = rng.random((4, 5, model.n_inputs)) < 0.3
    budget = 3 * estimate(model, 1).lut
    lanes = list(choose_lanes(model, measured(model, spikes), budget).lanes)
    assert len(set(lanes)) > 1, lanes  # the busiest layer got more lanes than the others
    generate_rtl(model, tmp_path / "d", lanes, model_sha256="0" * 64)
    build(tmp_path / "d", tmp_path / "b")
    cases = [
        SimCase.from_stream(
            tmp_path / "d", encode_spikes(spikes), model.n_outputs, in_stall=s_in, out_stall=s_out, seed=k
        )
        for k, (s_in, s_out) in enumerate([(0.0, 0.0), (0.5, 0.8), (0.9, 0.3)])
    ]
    expected = golden.run(model, spikes).readout
    for result in run(tmp_path / "b", cases, max_cycles=200_000):
        np.testing.assert_array_equal(result.readout, expected)
