"""ruff is clean on the package, tests, testbenches and benchmarks, with the line length enforced."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _ruff() -> str:
    found = shutil.which("ruff", path=str(Path(sys.executable).parent))
    assert found, "ruff is pinned in requirements.lock and installed beside this interpreter"
    return found


def test_ruff_is_clean_with_the_line_length_enforced():
    config = (ROOT / "pyproject.toml").read_text()
    assert '"E501"' not in config.split("[tool.ruff.lint]", 1)[1], "E501 must not be ignored"
    run = subprocess.run([_ruff(), "check", "--no-cache", "python", "tests", "sim", "benchmarks"], cwd=ROOT,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
