"""Fit the LUT and FF constants (non-negative least squares on the fitting configurations) and compare
the model with synthesis on every configuration, fitting and hold-out alike."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from spikeforge.calibrate.sweep import SweepConfig
from spikeforge.core.params import core_params
from spikeforge.estimate.resources import design_features, estimate_params
from spikeforge.synth.yosys import SynthResult

FITTED = ("lut", "ff")
# features whose count is exact, not fitted: every LUT-RAM primitive the mapping predicts is 4 LUTs as counted
FIXED = {"lut": {"lutram": 1.0}, "ff": {}}


@dataclass(frozen=True)
class Comparison:
    """Estimate vs Yosys for one configuration."""

    name: str
    holdout: bool
    lanes: int
    sizes: tuple[int, ...]
    est: dict[str, float]
    synth: dict[str, int]

    def error(self, resource: str) -> float:
        """Relative error of the estimate, (est - synth) / synth (0 when both are 0)."""
        s, e = self.synth[resource], self.est[resource]
        return 0.0 if s == e else (e - s) / max(s, 1)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {f"{r}_error": round(self.error(r), 4) for r in ("lut", "ff")}


def fit_constants(
    configs: list[SweepConfig], results: list[SynthResult], base: dict[str, Any]
) -> dict[str, Any]:
    """New constants: ``base`` with lut/ff refitted by NNLS on the non-hold-out configurations.

    Rows are scaled by 1/synth so the fit minimizes relative (not absolute) error, matching the targets."""
    from scipy.optimize import nnls

    rows = [
        (design_features(*core_params(c.model(), c.lanes)), r)
        for c, r in zip(configs, results, strict=True)
        if not c.holdout
    ]
    constants = dict(base)
    for index, resource in enumerate(FITTED):
        fixed = FIXED[resource]
        names = sorted({k for feats, _ in rows for k in feats[index]} - set(fixed))
        a = np.array([[feats[index].get(k, 0.0) for k in names] for feats, _ in rows])
        y = np.array([getattr(r, resource) for _, r in rows], dtype=float)
        y_free = y - np.array(
            [sum(c * feats[index].get(k, 0.0) for k, c in fixed.items()) for feats, _ in rows]
        )
        w = 1.0 / np.maximum(y, 1.0)
        coef, _ = nnls(a * w[:, None], y_free * w)
        constants[resource] = {k: round(float(c), 5) for k, c in zip(names, coef, strict=True)} | fixed
    return constants


def compare(
    configs: list[SweepConfig], results: list[SynthResult], constants: dict[str, Any]
) -> list[Comparison]:
    """Estimate every configuration with ``constants`` beside its synthesis result."""
    out = []
    for config, result in zip(configs, results, strict=True):
        params, lays = core_params(config.model(), config.lanes)
        est = estimate_params(params, constants, lays)
        out.append(
            Comparison(
                config.name,
                config.holdout,
                config.lanes,
                config.sizes,
                est.totals(),
                {"lut": result.lut, "ff": result.ff, "bram18": result.bram18, "dsp": result.dsp},
            )
        )
    return out


def summary(rows: list[Comparison]) -> dict[str, Any]:
    """Median / max absolute relative error of LUT and FF, and BRAM18/DSP exact matches, per subset."""
    out: dict[str, Any] = {}
    for subset, chosen in (
        ("all", rows),
        ("fit", [r for r in rows if not r.holdout]),
        ("holdout", [r for r in rows if r.holdout]),
    ):
        if not chosen:
            continue
        entry: dict[str, Any] = {"configs": len(chosen)}
        for resource in FITTED:
            errors = np.abs([r.error(resource) for r in chosen])
            entry[f"{resource}_median_abs_error"] = round(float(np.median(errors)), 4)
            entry[f"{resource}_max_abs_error"] = round(float(np.max(errors)), 4)
        for resource in ("bram18", "dsp"):
            entry[f"{resource}_exact"] = sum(r.est[resource] == r.synth[resource] for r in chosen)
        out[subset] = entry
    return out


# fitted latency terms; the per-event terms and readout_cycles (one 32-bit word per cycle) are fixed by
# the RTL
LATENCY_FITTED = ("drain_cycles", "row_cycles", "timestep_cycles", "sample_cycles")


def fit_latency(cases: list, measured: dict[str, float], base: dict[str, Any]) -> dict[str, Any]:
    """Refit the latency terms (least squares on relative error, non-hold-out cases) from the RTL-derived
    starting point in ``base``; the per-event terms (one slot per cycle) and the readout (one word per cycle)
    stay as the RTL fixes them."""
    from scipy.optimize import least_squares

    from spikeforge.estimate.activity import measured as measured_activity
    from spikeforge.estimate.latency import cycles_per_sample

    fitting = [(c, c.model(), measured_activity(c.model(), c.spikes())) for c in cases if not c.holdout]
    start = np.array([base["latency"][k] for k in LATENCY_FITTED], dtype=float)

    def residuals(x: np.ndarray) -> np.ndarray:
        const = {"latency": base["latency"] | dict(zip(LATENCY_FITTED, x.tolist(), strict=True))}
        return np.array(
            [
                (cycles_per_sample(m, a, c.lanes, constants=const).cycles - measured[c.name])
                / measured[c.name]
                for c, m, a in fitting
            ]
        )

    solution = least_squares(residuals, start, bounds=(0.0, np.inf))
    fitted = {k: round(float(v), 4) for k, v in zip(LATENCY_FITTED, solution.x, strict=True)}
    return dict(base) | {"latency": base["latency"] | fitted}


def compare_latency(
    cases: list, measured: dict[str, float], constants: dict[str, Any]
) -> list[dict[str, Any]]:
    """Model vs RTL cycles per sample for every latency case."""
    from spikeforge.estimate.activity import measured as measured_activity
    from spikeforge.estimate.latency import cycles_per_sample

    rows = []
    for c in cases:
        if c.name not in measured:
            continue
        model = c.model()
        est = cycles_per_sample(
            model, measured_activity(model, c.spikes()), c.lanes, constants=constants
        ).cycles
        rows.append(
            {
                "name": c.name,
                "holdout": c.holdout,
                "sizes": list(c.sizes),
                "lanes": c.lanes,
                "density": c.density,
                "rtl_cycles": measured[c.name],
                "est_cycles": round(est, 1),
                "error": round((est - measured[c.name]) / measured[c.name], 5),
            }
        )
    return rows
