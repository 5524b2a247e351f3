"""The one-way order of the package's rooms (DESIGN.md): a module may import only its own room and the
rooms listed before it. Checked on the source (every import, including those inside functions)."""

from __future__ import annotations

import ast
from importlib import resources
from pathlib import Path

import pytest

# room -> rank; rooms of equal rank sit on one line and may import each other
ROOMS: dict[str, float] = {
    "errors": 0,
    "atomic": 0,
    "_files": 0,
    "report": 1,
    "hw": 2,
    "data": 3,
    "boards": 3,
    "core": 4,
    "estimate": 5,
    "synth": 5,
    "snn": 6.0,
    "export": 6.1,
    "train": 6.2,
    "nir_io": 6.3,
    "compress": 7,
    "rtl": 8,
    "hls4ml_ext": 9,
    "calibrate": 10,
    "deploy": 11,
    "engines": 12,
    "flow": 13,
    "dse": 14,
    "commands": 15,
    "cli": 15,
}
DATA_PACKAGES = ("hls", "sim", "bitstreams")  # shipped sources, not rooms of the Python package


def room_of(module: str) -> str | None:
    """The room of a dotted module name inside spikeforge (None for the package root)."""
    parts = module.split(".")
    assert parts[0] == "spikeforge", module
    return parts[1] if len(parts) > 1 else None


def imported_modules(source: str, module: str, is_package: bool) -> list[str]:
    """Absolute names of the spikeforge modules that ``source`` imports."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "spikeforge"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name.split(".")[0] == "spikeforge":
                found += [_from_root(a.name) if name == "spikeforge" else name for a in node.names]
    return found


def _from_root(name: str) -> str:
    """``from spikeforge import name``: a room when ``name`` is one, else an attribute of the root."""
    return f"spikeforge.{name}" if name in ROOMS or name in DATA_PACKAGES else "spikeforge"


def violations(module: str, source: str, is_package: bool = False) -> list[str]:
    """Imports of ``module`` that point to a later room (or to a room that is not in the order)."""
    here = room_of(module)
    if here is None or here in DATA_PACKAGES:
        return []
    bad = []
    for target in imported_modules(source, module, is_package):
        there = room_of(target)
        if there is None or there == here:
            continue
        if here not in ROOMS or there not in ROOMS:
            bad.append(f"{module} -> {target} (room not in the order)")
        elif ROOMS[there] > ROOMS[here]:
            bad.append(f"{module} -> {target}")
    return bad


def package_sources() -> list[tuple[str, str, bool]]:
    root = Path(str(resources.files("spikeforge")))
    out = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        is_package = rel.name == "__init__"
        parts = rel.parts[:-1] if is_package else rel.parts
        out.append((".".join(parts), path.read_text(encoding="utf-8"), is_package))
    return out


def test_every_room_of_the_package_is_in_the_order():
    root = Path(str(resources.files("spikeforge")))
    rooms = {
        p.stem
        for p in root.iterdir()
        if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").is_file()
    }
    assert rooms - set(DATA_PACKAGES) <= set(ROOMS), sorted(rooms - set(ROOMS) - set(DATA_PACKAGES))


def test_imports_follow_the_one_way_order():
    bad = [
        v for module, source, is_package in package_sources() for v in violations(module, source, is_package)
    ]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("spikeforge.estimate.resources", "from spikeforge.rtl.generator import core_params"),
        ("spikeforge.estimate.report", "def f():\n    from spikeforge.commands.common import format_table\n"),
        ("spikeforge.rtl.engine", "from spikeforge.engines import EngineResult"),
        ("spikeforge.hw.model", "import spikeforge.snn.lif"),
        ("spikeforge.core.params", "from ..rtl import generator"),
    ],
)
def test_the_wrong_way_imports_of_the_past_are_caught(module, source):
    assert violations(module, source)
