"""`spikeforge package`: a self-contained folder to take to a Vivado machine and then to the board.

DIR/
  README.md      what is inside and the three commands to run
  build.sh       the one-line build (vivado -mode batch -source build.tcl -tclargs DIR)
  build.tcl      the shared recipe (bitstreams/build.tcl)
  config.tcl     this board and this core
  ip/rtl/        the generated Verilog core (sources, $readmemh images, manifest.json)  [--backend rtl]
  ip/hls/        a Vitis HLS IP export (component.xml)                                    [--backend hls]
  driver/        driver.py: the PYNQ driver (numpy + pynq only)
  model.npz      the hardware model
  package.json   board, backend, lanes, clock, model hash, cell names
  output/        after the build: spikeforge.bit, spikeforge.hwh, spikeforge.json
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path
from typing import Any

from spikeforge._files import packaged
from spikeforge.deploy.boards import CORE_NAME, DMA_NAME, OVERLAY, deploy_board
from spikeforge.deploy.recipe import BACKENDS, CONFIG, RECIPE, CoreSpec, config_tcl
from spikeforge.errors import SpikeforgeError
from spikeforge.hw.model import HardwareModel, file_sha256

PACKAGE_JSON = "package.json"
DRIVER_FILES = ("driver.py",)


def driver_sources() -> list[Path]:
    """The driver bundle's files as shipped inside spikeforge."""
    here = resources.files("spikeforge.deploy.driver")
    return [Path(str(here.joinpath(name))) for name in DRIVER_FILES]


def _hls_ip_name(ip_dir: Path) -> str:
    """The IP name in a Vitis HLS export's component.xml (spirit:name under spirit:component)."""
    xml = ip_dir / "component.xml"
    if not xml.is_file():
        raise SpikeforgeError(f"{ip_dir}: no component.xml; give the folder Vitis HLS export_design wrote")
    root = ET.parse(xml).getroot()
    for child in root:
        if child.tag.endswith("}name") or child.tag == "name":
            return (child.text or "").strip()
    raise SpikeforgeError(f"{xml}: no IP name in it")


def _build_sh(hls_first: bool) -> str:
    """The one-line build (plus, for the HLS project, the Vitis HLS synthesis and IP export before it)."""
    lines = ["#!/bin/sh", 'set -e; cd "$(dirname "$0")"']
    if hls_first:
        lines.append(
            "(cd hls_project && vitis_hls -f build_prj.tcl "
            '"reset=1 csim=0 synth=1 cosim=0 validation=0 export=1 vsynth=0 fifo_opt=0")'
        )
    lines.append('exec vivado -mode batch -nojournal -source build.tcl -tclargs "$PWD"')
    return "\n".join(lines) + "\n"


def _write_hls_project(
    model: HardwareModel, root: Path, part: str, clock_mhz: float, lanes: int | list[int], sha: str
) -> CoreSpec:
    """Write the hls4ml project of ``model`` (SFVitis backend) under root/hls_project; the recipe then
    takes the IP that Vitis HLS exports into <project>_prj/solution1/impl/ip."""
    from spikeforge.hls4ml_ext.convert import PROJECT_NAME, to_graph
    from spikeforge.hls4ml_ext.vitis import top_name

    graph = to_graph(
        model, root / "hls_project", lanes=lanes, part=part, clock_period=1000.0 / clock_mhz, model_sha256=sha
    )
    graph.write()
    return CoreSpec("hls", f"hls_project/{PROJECT_NAME}_prj/solution1/impl/ip", top_name(PROJECT_NAME))


def _readme(meta: dict[str, Any]) -> str:
    return f"""# spikeforge overlay for {meta["board"]}

Model `model.npz` (sha256 {meta["model_sha256"]}), {meta["n_inputs"]} inputs, {meta["n_outputs"]} outputs,
{meta["backend"]} core ({"lanes " + str(meta["lanes"]) if meta["backend"] == "rtl" else "HLS IP"}),
PL clock {meta["clock_mhz"]:g} MHz requested.

1. On a machine with Vivado and the {meta["board"]} board files: `sh build.sh`
   (block design: PS with board preset, AXI DMA in simple mode, the core; implementation to
   bitstream; fails when timing is not met). It writes `output/{OVERLAY}.bit`, `.hwh` and
   `spikeforge.json`.
2. Copy `output/*` and `driver/driver.py` to the board (PYNQ image, Python 3.10).
3. On the board: `python3 driver.py --bitfile {OVERLAY}.bit --input x.npy --output y.npy`
   (`--labels l.npy` adds accuracy, `--throughput` times a batch). From Python:
   `SpikeforgeOverlay("{OVERLAY}.bit").execute(spikes)` -> int32 readouts [B, n_out].

Check the package before the lab: `spikeforge deploy simulate . --input x.npy` runs this driver,
unchanged, against a simulated board (add `--core rtl` for the Verilog core in Verilator).
"""


def package_model(
    model_path: str | os.PathLike,
    board: str,
    out_dir: str | os.PathLike,
    *,
    backend: str = "rtl",
    lanes: int | list[int] = 1,
    clock_mhz: float | None = None,
    hls_ip: str | os.PathLike | None = None,
    jobs: int = 4,
) -> dict[str, Any]:
    """Write the package folder for ``model_path`` on ``board``; return its package.json content."""
    if backend not in BACKENDS:
        raise SpikeforgeError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    target = deploy_board(board)
    model_path = Path(model_path)
    model = HardwareModel.load(model_path)
    sha = file_sha256(model_path)
    clock = float(clock_mhz if clock_mhz is not None else target.default_clock_mhz)
    if not 10.0 <= clock <= 500.0:
        raise SpikeforgeError(f"--clock must be between 10 and 500 MHz, got {clock:g}")
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()) and not (out / PACKAGE_JSON).is_file():
        raise SpikeforgeError(f"{out} exists and is not a spikeforge package folder; choose an empty folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    hls_first = False
    try:
        if backend == "rtl":
            from spikeforge.rtl.generator import generate_rtl

            manifest = generate_rtl(model, tmp / "ip" / "rtl", lanes, model_sha256=sha)
            core = CoreSpec(
                "rtl", "ip/rtl", manifest["top"], tuple(manifest["sources"]), tuple(manifest["memory_images"])
            )
            lanes_out: Any = manifest["parameters"]["lanes"]
        else:
            if hls_ip is not None:  # an IP Vitis HLS already exported
                name = _hls_ip_name(Path(hls_ip))
                shutil.copytree(hls_ip, tmp / "ip" / "hls")
                core = CoreSpec("hls", "ip/hls", name)
            else:  # the hls4ml project (SFVitis backend); build.sh runs Vitis HLS first
                core = _write_hls_project(model, tmp, target.part, clock, lanes, sha)
                hls_first = True
            lanes_out = None if hls_ip is not None else lanes
        shutil.copyfile(packaged("bitstreams", RECIPE), tmp / RECIPE)
        (tmp / CONFIG).write_text(
            config_tcl(
                target,
                core,
                model_sha256=sha,
                n_inputs=model.n_inputs,
                n_outputs=model.n_outputs,
                clock_mhz=clock,
                jobs=jobs,
            )
        )
        (tmp / "build.sh").write_text(_build_sh(hls_first))
        (tmp / "build.sh").chmod(0o755)
        (tmp / "driver").mkdir()
        for src in driver_sources():
            shutil.copyfile(src, tmp / "driver" / src.name)
        shutil.copyfile(model_path, tmp / "model.npz")
        meta = {
            "format": "spikeforge-package",
            "board": target.key,
            "part": target.part,
            "backend": backend,
            "lanes": lanes_out,
            "clock_mhz": clock,
            "model_sha256": sha,
            "n_inputs": model.n_inputs,
            "n_outputs": model.n_outputs,
            "core": CORE_NAME,
            "dma": DMA_NAME,
            "ip_dir": core.ip_dir,
            "build_command": "sh build.sh",
        }
        (tmp / PACKAGE_JSON).write_text(json.dumps(meta, indent=2) + "\n")
        (tmp / "README.md").write_text(_readme(meta))
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return meta


def run_build(package_dir: str | os.PathLike) -> Path:
    """Run the package's build with the Vivado on PATH; the folder of the built overlay."""
    package_dir = Path(package_dir).resolve()
    if shutil.which("vivado") is None:
        raise SpikeforgeError("--build needs Vivado: no `vivado` on PATH (run `sh build.sh` where Vivado is)")
    result = subprocess.run(["sh", str(package_dir / "build.sh")], cwd=package_dir, check=False)
    if result.returncode != 0:
        raise SpikeforgeError(
            f"the Vivado build in {package_dir} failed (exit {result.returncode}); see vivado.log"
        )
    return package_dir / "output"


def load_package(package_dir: str | os.PathLike) -> dict[str, Any]:
    """package.json of a package folder; SpikeforgeError when the folder is not one."""
    path = Path(package_dir) / PACKAGE_JSON
    if not path.is_file():
        raise SpikeforgeError(f"{package_dir}: not a spikeforge package folder (no {PACKAGE_JSON})")
    return json.loads(path.read_text())
