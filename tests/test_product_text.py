"""The product speaks about itself: no words about how its work was organized (issue numbers, "the
issue asks", "not built yet") in the package, the hardware sources, benchmarks or the README."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent  # the checkout under test
PROCESS_WORDS = re.compile(
    r"\bissues?[- ]\d+"  # "issue 3", "issue-6 tables"
    r"|\b(?:the|this|that|an?|our|later|next|earlier|previous) (?:issue|ticket|session)s?\b(?! ?#)"
    r"|\bnot built yet\b|\bin a later (?:step|version|release)\b|\bwork still to come\b",
    re.IGNORECASE,
)
SUFFIXES = {".py", ".v", ".sv", ".tpl", ".h", ".hpp", ".cpp", ".tcl", ".md", ".json", ".txt", ".toml"}


def product_files() -> list[Path]:
    files = [ROOT / "README.md"]
    for folder in ("python", "hls", "sim", "bitstreams", "benchmarks"):
        files += [p for p in sorted((ROOT / folder).rglob("*")) if p.is_file() and p.suffix in SUFFIXES]
    return files


def hits(text: str) -> list[str]:
    return [m.group(0) for m in PROCESS_WORDS.finditer(text)]


def test_product_text_does_not_speak_of_issues():
    bad = [
        f"{p.relative_to(ROOT)}: {h!r}" for p in product_files() for h in hits(p.read_text(errors="replace"))
    ]
    assert not bad, "\n".join(bad)


def test_the_checked_files_are_the_installed_ones():
    """The scan covers the folders that the package ships (not a stale copy)."""
    assert Path(str(resources.files("spikeforge"))) == ROOT / "python" / "spikeforge"


@pytest.mark.parametrize(
    "text",
    [
        "the issue-4 benchmark",
        "as issue 3 asks",
        "The issue asks for it",
        "HLS: not built yet",
        "Not built yet: the driver",
        "this session adds",
    ],
)
def test_process_words_are_found(text):
    assert hits(text)


@pytest.mark.parametrize(
    "text",
    [
        "norse issue #411",
        "https://github.com/norse/norse/issues/411",
        "next row to issue (the marker item)",
        "the neuron phase issue logic",
        "a readout that comes later than this is a hang",
    ],
)
def test_references_and_hardware_words_are_not_process_words(text):
    assert not hits(text)
