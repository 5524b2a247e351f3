"""A normal (non-editable) install works: the wheel carries every hardware source, template, testbench
and recipe, and an install of it in a fresh virtual environment outside the checkout generates a core
and simulates it in Verilator."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import numpy as np
import pytest

from spikeforge.hw import golden
from spikeforge.hw.random_model import random_model

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ("hls", "sim", "bitstreams")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=out,
    )
    (path,) = out.glob("spikeforge-*.whl")
    return path


def _tracked(folder: str) -> list[str]:
    listed = subprocess.run(["git", "ls-files", folder], cwd=ROOT, check=True, capture_output=True, text=True)
    return [line for line in listed.stdout.splitlines() if line]


@pytest.mark.slow
def test_the_wheel_lists_every_shipped_file(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = [f for folder in SHIPPED for f in _tracked(folder)]
    assert any(f.endswith(".v") for f in shipped) and any(f.endswith(".tcl") for f in shipped)
    missing = [f for f in shipped if f"spikeforge/{f}" not in names]
    assert not missing, missing
    sources = [f for f in _tracked("python/spikeforge") if f.endswith((".py", ".json"))]
    missing = [f for f in sources if f.removeprefix("python/") not in names]
    assert not missing, missing


@pytest.mark.slow
@pytest.mark.sim
def test_a_wheel_install_outside_the_checkout_generates_and_simulates_a_core(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], check=True)
    # the dependencies come from this environment (read-only); spikeforge itself only from the wheel
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "work"
    work.mkdir()
    model = random_model([10, 7, 4], seed=3)
    model.save(work / "model.npz")
    spikes = (np.random.default_rng(0).random((3, 5, 10)) < 0.4).astype(np.uint8)
    np.save(work / "x.npy", spikes)
    env = {
        "PATH": f"{env_dir / 'bin'}:/usr/bin:/bin",
        "HOME": str(tmp_path),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    where = subprocess.run(
        [str(py), "-c", "import spikeforge; print(spikeforge.__file__)"],
        cwd=work,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert where.startswith(str(env_dir)), where
    cli = str(env_dir / "bin" / "spikeforge")
    gen = subprocess.run(
        [cli, "generate", "rtl", "model.npz", "-o", "design"],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert gen.returncode == 0, gen.stderr
    manifest = json.loads((work / "design" / "manifest.json").read_text())
    assert all((work / "design" / s).is_file() for s in manifest["sources"])
    sim = subprocess.run(
        [
            cli,
            "simulate",
            "model.npz",
            "--input",
            "x.npy",
            "--engine",
            "rtl",
            "--design",
            "design",
            "--json",
            "--quiet",
        ],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
    )
    assert sim.returncode == 0, sim.stderr
    assert json.loads(sim.stdout)["readout"] == golden.run(model, spikes).readout.tolist()
    assert sorted(p.name for p in work.iterdir()) == [
        "design",
        "model.npz",
        "x.npy",
    ]  # nothing else written here
