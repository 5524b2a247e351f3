"""Every command driven with random bad options and files (hypothesis): exit status 2, exactly one line on
stderr ("spikeforge: error: ..."), no traceback, and nothing written (no output folder, no stray files).

Runs in-process through click's CliRunner isolation (stdout and stderr captured apart) around
``spikeforge.cli.main``, the console script's entry point. Every case is bad before any long work starts,
so an example takes milliseconds to a second.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spikeforge.cli import main
from spikeforge.hw.random_model import random_model

EXAMPLES = int(os.environ.get("SPIKEFORGE_FUZZ_EXAMPLES", "40"))


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> dict[str, Path]:
    """Valid inputs, so that a case can make exactly one thing bad."""
    from spikeforge.nir_io import Timing, export_graph, write_graph
    from spikeforge.snn import FloatLayer, SpikingMLP
    from spikeforge.train.checkpoint import save_checkpoint

    root = tmp_path_factory.mktemp("good")
    model = random_model([12, 8, 4], seed=5, density=0.7)
    rng = np.random.default_rng(0)
    net = SpikingMLP.from_float_layers(
        [
            FloatLayer(rng.normal(0, 0.5, (8, 12)), None, 1.0, leak_shift=3),
            FloatLayer(rng.normal(0, 0.5, (4, 8)), None, 1.0, leak_shift=3),
        ]
    )
    files = {
        "model": model.save(root / "model.npz"),
        "input": root / "x.npy",
        "labels": root / "y.npy",
        "checkpoint": save_checkpoint(root / "ck" / "checkpoint.pt", net),
        "nir": write_graph(export_graph(net, Timing(dt=1e-3))[0], root / "net.nir"),
        "activity": root / "activity.json",
        "flow": root / "flow.json",
    }
    files["flow"].write_text(json.dumps({"steps": ["golden"]}))
    np.save(files["input"], (rng.random((3, 4, 12)) < 0.3).astype(np.uint8))
    np.save(files["labels"], np.array([0, 1, 3]))
    files["activity"].write_text(
        json.dumps({"timesteps": 4, "layers": [{"input_rate": 0.2}, {"input_rate": 0.1}]})
    )
    return files


# ---- bad files -----------------------------------------------------------------------------------


def _write(kind: str, payload: bytes, shape: tuple[int, ...]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / f"bad_{kind}"
        if kind == "missing":
            return folder / "does_not_exist.npz"
        if kind == "folder":
            path.mkdir()
            return path
        if kind == "npy":
            np.save(path.with_suffix(".npy"), np.zeros(shape, np.float32))
            return path.with_suffix(".npy")
        if kind == "zip":
            import zipfile

            with zipfile.ZipFile(path, "w") as archive:
                archive.writestr("meta.npy", payload)
            return path
        if kind == "json":
            path.write_text(json.dumps({"layers": payload.hex()}))
            return path
        if kind == "deep_json":
            path.write_text("[" * 100_000 + "]" * 100_000)
            return path
        if kind == "huge_int":
            path.write_text('{"timesteps": ' + "9" * 5000 + ', "layers": []}')
            return path
        path.write_bytes(payload if kind == "bytes" else b"\xff\xfe" + payload)
        return path

    return make


bad_files = st.builds(
    _write,
    st.sampled_from(["missing", "folder", "npy", "zip", "json", "deep_json", "huge_int", "bytes", "latin1"]),
    st.binary(max_size=48),
    st.lists(st.integers(0, 5), min_size=0, max_size=3).map(tuple),
)

bad_ints = st.sampled_from(["-1", "0", "x", "1.5", "nan", ""])
bad_floats = st.sampled_from(["-1", "nan", "inf", "-inf", "x", ""])


def _case(files: dict[str, Path], out: Path, folder: Path, data: st.DataObject) -> list[str]:
    """One command line with exactly one bad part (a file, an option value or the output location)."""
    m, x, ck, nir_file = (str(files[k]) for k in ("model", "input", "checkpoint", "nir"))
    bad = str(data.draw(bad_files)(folder))
    blocker = folder / "a_file"
    blocker.write_text("in the way")
    bad_out = data.draw(st.sampled_from([str(blocker), str(blocker / "sub")]))
    cases = [
        ["info", bad],
        ["info", bad, "--json"],
        ["simulate", bad, "--input", x],
        ["simulate", m, "--input", bad],
        ["simulate", m, "--input", x, "--labels", bad],
        ["simulate", m, "--input", x, "--engine", data.draw(st.sampled_from(["nope", ""]))],
        [
            "simulate",
            m,
            "--input",
            x,
            "--lanes",
            data.draw(st.sampled_from(["3", "0", "4,4,4", "x"])),
            "--engine",
            "rtl",
        ],
        ["simulate", m, "--input", x, "--max-cycles", data.draw(bad_ints)],
        ["simulate", m, "--input", x, "--split", "val"],
        ["simulate", m],
        ["simulate", m, "--input", x, "--design", bad, "--engine", "rtl"],
        ["estimate", bad],
        ["estimate", m, "--activity", bad],
        ["estimate", m, "--constants", bad],
        ["estimate", m, "--clock", data.draw(bad_floats)],
        ["estimate", m, "--timesteps", data.draw(bad_ints)],
        ["estimate", m, "--samples", data.draw(bad_ints)],
        ["estimate", m, "--board", "no-such-board"],
        ["estimate", m, "--lanes", data.draw(st.sampled_from(["3", "0", "1,1,1", "x", "-4"]))],
        ["generate", "rtl", bad, "-o", str(out)],
        ["generate", "rtl", m, "-o", bad_out],
        [
            "generate",
            "rtl",
            m,
            "-o",
            str(out),
            "--lanes",
            data.draw(st.sampled_from(["3", "0", "1,1,1", "x"])),
        ],
        ["train", "-o", bad_out],
        ["train", "--dataset", "no-such-data", "-o", str(out)],
        ["train", "--epochs", data.draw(bad_ints), "-o", str(out)],
        ["train", "--lr", data.draw(bad_floats), "-o", str(out)],
        ["train", "--leak-shift", data.draw(st.sampled_from(["-1", "31", "x", "1e9"])), "-o", str(out)],
        ["train", "--weight-bits", data.draw(st.sampled_from(["1", "9", "x"])), "-o", str(out)],
        ["train", "--hidden", data.draw(st.sampled_from(["0", "-3", "x"])), "-o", str(out)],
        ["compress", bad, "-o", str(out)],
        ["compress", ck, "-o", bad_out],
        ["compress", ck, "--bram", data.draw(bad_floats), "-o", str(out)],
        ["compress", ck, "--board", "no-such-board", "-o", str(out)],
        ["compress", ck, "--min-accuracy", data.draw(st.sampled_from(["101", "-1", "nan"])), "-o", str(out)],
        ["import-nir", bad, "-o", str(out)],
        ["import-nir", nir_file, "-o", bad_out],
        ["import-nir", nir_file, "--dt", data.draw(bad_floats), "-o", str(out)],
        ["import-nir", nir_file, "--dataset", "no-such-data", "-o", str(out)],
        ["export-nir", bad, "-o", str(out / "net.nir")],
        ["export-nir", ck, "-o", str(folder)],
        ["export-nir", ck, "--dt", data.draw(bad_floats), "-o", str(out / "net.nir")],
        ["calibrate", "-o", bad_out],
        ["calibrate", "--configs", "1", "-o", str(out)],
        ["calibrate", "--constants", bad, "-o", str(out)],
        ["demo", "-o", bad_out],
        ["boards", "--no-such-option"],
        ["flow", bad, "-o", str(out)],
        ["flow", str(files["flow"]), "-o", bad_out],
        ["flow", str(files["flow"]), "-o", str(out), "--start-step", "no-such-step"],
        ["package", bad, "--board", "pynq-z2", "-o", str(out)],
        ["package", m, "--board", "pynq-z2", "-o", bad_out],
        ["package", m, "--board", "no-such-board", "-o", str(out)],
        [
            "package",
            m,
            "--board",
            "pynq-z2",
            "--lanes",
            data.draw(st.sampled_from(["3", "0", "x"])),
            "-o",
            str(out),
        ],
        ["package", m, "--board", "pynq-z2", "--clock", data.draw(bad_floats), "-o", str(out)],
        ["deploy", "simulate", bad, "--input", x],
        ["deploy", "simulate", str(folder), "--input", bad],
        [data.draw(st.sampled_from(["frobnicate", "--no-such-option"]))],
        [
            data.draw(
                st.sampled_from(["info", "simulate", "estimate", "compress", "import-nir", "export-nir"])
            )
        ],
    ]
    return data.draw(st.sampled_from(cases))


def _snapshot(folder: Path) -> dict[str, int]:
    return {
        str(p.relative_to(folder)): p.stat().st_size if p.is_file() else -1 for p in sorted(folder.rglob("*"))
    }


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_bad_input_is_one_line_exit_2_and_writes_nothing(good, tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("fuzz")
    cwd = tmp_path_factory.mktemp("cwd")  # the working directory of the run: must stay empty
    out = folder / "out"
    argv = _case(good, out, folder, data)
    before, inputs_before = _snapshot(folder), _snapshot(good["model"].parent)
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        with CliRunner().isolation() as (stdout, stderr, _):
            code = main(argv)
    finally:
        os.chdir(previous)
    err = stderr.getvalue().decode()
    assert code == 2, (argv, code, err, stdout.getvalue().decode()[-500:])
    assert err.count("\n") == 1 and err.startswith("spikeforge: error: "), (argv, err)
    assert "Traceback" not in err, (argv, err)
    assert not out.exists(), (argv, sorted(out.rglob("*")))
    assert _snapshot(folder) == before, argv  # no temp files, no partial outputs, no marker files
    assert _snapshot(good["model"].parent) == inputs_before, argv
    assert not any(cwd.iterdir()), (argv, sorted(cwd.iterdir()))  # nothing in the working directory


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_non_finite_float_values_are_named(good, tmp_path, value):
    with CliRunner().isolation() as (_, stderr, _):
        code = main(["estimate", str(good["model"]), "--clock", str(value)])
    assert code == 2 and "--clock" in stderr.getvalue().decode()
