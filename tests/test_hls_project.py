"""The generated hls4ml projects with compilers and simulators: C++11 syntax of every source, the project's
own C simulation test bench, the SFRTL backend (the Verilog core from the same graph, in Verilator),
the `hls` engine and the CLI (`generate hls`, `simulate --engine hls`)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest

from spikeforge.cli import main
from spikeforge.engines import get_engine
from spikeforge.hls4ml_ext.convert import to_graph
from spikeforge.hw import golden
from spikeforge.hw.random_model import random_model
from spikeforge.rtl.generator import generate_rtl

pytestmark = pytest.mark.sim

PROJECT = "spikeforge_hls"


def _gxx(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["g++", "-std=c++11", "-Ifirmware/ap_types", "-Ifirmware", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> tuple[Path, Path]:
    """`spikeforge generate hls` on a random two-layer model: (model file, project folder)."""
    tmp = tmp_path_factory.mktemp("hls")
    model_file = random_model([20, 10, 4], seed=3, leak_shift=[2, None], membrane_bits=[12, 32]).save(
        tmp / "model.npz"
    )
    out = tmp / "project"
    assert (
        main(["generate", "hls", str(model_file), "-o", str(out), "--lanes", "2", "--tb-samples", "6"]) == 0
    )
    return model_file, out


def test_sources_are_cpp11(project) -> None:
    """Vitis HLS compiles with -std=c++0x: every generated source passes g++ -std=c++11 -fsyntax-only."""
    _, out = project
    for source in (f"firmware/{PROJECT}.cpp", f"{PROJECT}_bridge.cpp", f"{PROJECT}_test.cpp"):
        done = _gxx(out, "-fsyntax-only", source)
        assert done.returncode == 0, f"{source}:\n{done.stderr[-3000:]}"


def test_project_test_bench_checks_golden_readouts(project) -> None:
    """The project's csim test bench (what Vitis HLS csim runs) passes, and fails on a wrong expectation."""
    _, out = project
    build = _gxx(
        out,
        "-O1",
        '-DWEIGHTS_DIR="firmware/weights"',
        f"firmware/{PROJECT}.cpp",
        f"{PROJECT}_test.cpp",
        "-o",
        "csim_tb",
    )
    assert build.returncode == 0, build.stderr[-3000:]
    run = subprocess.run(["./csim_tb"], cwd=out, capture_output=True, text=True)
    assert run.returncode == 0 and "24 output words checked, 0 mismatches" in run.stdout, run.stdout
    expected = out / "tb_data" / "sf_expected.txt"
    lines = expected.read_text().splitlines()
    value, last = lines[5].split()
    lines[5] = f"{int(value) + 1} {last}"
    expected.write_text("\n".join(lines) + "\n")
    run = subprocess.run(["./csim_tb"], cwd=out, capture_output=True, text=True)
    assert run.returncode == 1 and "1 mismatches" in run.stdout, run.stdout


def test_simulate_engine_hls_matches_golden(project, tmp_path, capsys) -> None:
    model_file, _ = project
    from spikeforge.hw.model import HardwareModel

    model = HardwareModel.load(model_file)
    spikes = (np.random.default_rng(5).random((12, 7, 20)) < 0.4).astype(np.int8)
    np.save(tmp_path / "x.npy", spikes)
    capsys.readouterr()
    assert (
        main(
            [
                "simulate",
                str(model_file),
                "--input",
                str(tmp_path / "x.npy"),
                "--engine",
                "hls",
                "--json",
                "--quiet",
            ]
        )
        == 0
    )
    out = json.loads(capsys.readouterr().out)
    np.testing.assert_array_equal(np.array(out["readout"]), golden.run(model, spikes).readout)
    assert out["engine"] == "hls" and out["cycles_model"] == "unverified"


def test_hls_engine_by_name(tmp_path) -> None:
    model = random_model([15, 9, 3], seed=11, readout="membrane", leak_shift=[0, 3], reset="zero")
    spikes = np.random.default_rng(0).random((30, 5, 15)) < 0.5
    result = get_engine("hls")(model, spikes, quiet=True, lanes=[8, 1])
    assert result.readout.dtype == np.int32 and result.stats["hls_lanes"] == [8, 1]
    np.testing.assert_array_equal(result.readout, golden.run(model, spikes).readout)
    empty = get_engine("hls")(model, spikes[:0], quiet=True)
    assert empty.readout.shape == (0, 3)


def test_rtl_backend_is_the_verilog_core_of_the_same_graph(tmp_path) -> None:
    """SFRTL writes what generate_rtl writes for the model, builds it in Verilator, predicts golden."""
    model = random_model([14, 8, 5], seed=4, leak_shift=[1, None], readout="count")
    graph = to_graph(model, tmp_path / "prj", backend="SFRTL", lanes=[2, 1], model_sha256="ab" * 32)
    graph.compile()
    design = tmp_path / "prj"
    direct = tmp_path / "direct"
    manifest = generate_rtl(model, direct, [2, 1], model_sha256="ab" * 32)
    for name in [*manifest["sources"], *manifest.get("memory_images", []), "manifest.json"]:
        assert (design / name).read_bytes() == (direct / name).read_bytes(), name
    spikes = np.random.default_rng(3).random((6, 5, 14)) < 0.4
    np.testing.assert_array_equal(graph.predict(spikes), golden.run(model, spikes).readout)
