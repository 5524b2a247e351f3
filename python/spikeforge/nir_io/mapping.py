"""Continuous-time NIR neuron parameters <-> our discrete per-layer leak shift, and the error it makes.

NIR's LIF is ``tau dv/dt = (v_leak - v) + R I``. Stepped at ``dt`` it becomes
``v <- a v + (1 - a) (v_leak + R I)`` with the retention ``a = 1 - dt/tau`` (forward Euler: norse,
snnTorch) or ``a = exp(-dt/tau)`` (exact solution: sinabs). Our neuron is ``v <- v - v 2^-k + W s + b``:
the input side maps exactly (``W' = (1 - a) R W``, ``b' = (1 - a)(R b + v_leak)``), the leak only
approximately, ``1 - 2^-k`` for the one shift k per layer closest to every neuron's ``a``. IF and I
nodes (``dv/dt = R I``) are stepped as ``v <- v + R I``, as norse's and sinabs' IAF neurons do.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from spikeforge.errors import SpikeforgeError
from spikeforge.snn.lif import LEAK_SHIFT_MAX


def _euler(dt_over_tau: np.ndarray) -> np.ndarray:
    return 1.0 - dt_over_tau


def _exact(dt_over_tau: np.ndarray) -> np.ndarray:
    return np.exp(-dt_over_tau)


# discretization name -> retention a(dt/tau); the inverse (tau from a) is below.
DISCRETIZATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"euler": _euler, "exact": _exact}
_INVERSE = {"euler": lambda a: 1.0 - a, "exact": lambda a: -math.log(a)}  # a -> dt/tau

# how the file's ``tau`` relates to the time constant in seconds. norse 1.1.0's ``to_nir`` writes
# dt/tau_mem_inv = dt * tau (https://github.com/norse/norse/issues/411), hence "norse".
TAU_CONVENTIONS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "nir": lambda tau, dt: tau,
    "norse": lambda tau, dt: tau / dt,
}


@dataclass
class Timing:
    """How continuous time becomes timesteps: step length, discretization and the file's tau convention."""

    dt: float = 1e-3
    discretization: str = "euler"
    tau_convention: str = "nir"

    def __post_init__(self) -> None:
        if not 0 < self.dt < math.inf:
            raise SpikeforgeError(f"--dt must be a positive, finite number of seconds, got {self.dt}")
        if self.discretization not in DISCRETIZATIONS:
            raise SpikeforgeError(
                f"unknown discretization {self.discretization!r}; choose one of {', '.join(DISCRETIZATIONS)}"
            )
        if self.tau_convention not in TAU_CONVENTIONS:
            raise SpikeforgeError(
                f"unknown tau convention {self.tau_convention!r}; choose one of {', '.join(TAU_CONVENTIONS)}"
            )

    def retention(self, tau: np.ndarray) -> np.ndarray:
        """Per-step retention a of each neuron of time constant ``tau`` (as stored in the file)."""
        seconds = TAU_CONVENTIONS[self.tau_convention](np.asarray(tau, dtype=np.float64), self.dt)
        if (seconds <= 0).any():
            raise SpikeforgeError(f"time constants must be positive, got {float(seconds.min())}")
        return DISCRETIZATIONS[self.discretization](self.dt / seconds)

    def tau_of_shift(self, k: int) -> float:
        """The time constant in seconds (NIR convention) whose retention is exactly 1 - 2^-k."""
        a = 1.0 - 2.0**-k
        if a <= 0.0 and self.discretization == "exact":
            raise SpikeforgeError(
                "leak_shift 0 (no memory at all) has no finite time constant under exact discretization;"
                " use euler"
            )
        return self.dt / _INVERSE[self.discretization](a)


@dataclass
class LeakFit:
    """One layer's shift k against its neurons' target retentions, and the errors it makes."""

    leak_shift: int
    retention_ours: float  # 1 - 2^-k
    retention_target_min: float
    retention_target_max: float
    retention_abs_error_max: float  # max over neurons of |a - (1 - 2^-k)|
    tau_steps_target_min: float  # tau / dt, the target time constant in steps (inf: no leak)
    tau_steps_target_max: float
    tau_steps_ours: float  # the time constant in steps that 1 - 2^-k implies (same discretization)
    tau_relative_error_max: float  # max over neurons of |tau_ours - tau| / tau


def fit_leak_shift(retention: np.ndarray, timing: Timing) -> LeakFit:
    """The k in 0..30 minimizing the largest |a - (1 - 2^-k)| over the layer's neurons."""
    a = np.asarray(retention, dtype=np.float64).ravel()
    ks = np.arange(LEAK_SHIFT_MAX + 1)
    ours = 1.0 - 2.0 ** -ks.astype(np.float64)
    errors = np.abs(a[None, :] - ours[:, None]).max(axis=1)
    k = int(ks[np.argmin(errors)])
    steps = _tau_steps(a, timing.discretization)
    steps_ours = float(_tau_steps(np.array([ours[k]]), timing.discretization)[0])
    with np.errstate(invalid="ignore"):
        rel = np.abs(steps_ours - steps) / steps
    return LeakFit(
        leak_shift=k,
        retention_ours=float(ours[k]),
        retention_target_min=float(a.min()),
        retention_target_max=float(a.max()),
        retention_abs_error_max=float(errors[k]),
        tau_steps_target_min=float(steps.min()),
        tau_steps_target_max=float(steps.max()),
        tau_steps_ours=steps_ours,
        tau_relative_error_max=float(np.nanmax(rel)) if np.isfinite(rel).any() else math.inf,
    )


def _tau_steps(retention: np.ndarray, discretization: str) -> np.ndarray:
    """tau / dt implied by a retention (0 when a <= 0: the neuron forgets within one step)."""
    out = np.zeros_like(retention, dtype=np.float64)
    live = retention > 0
    out[live] = [1.0 / _INVERSE[discretization](float(a)) for a in retention[live]]
    return out


@dataclass
class LayerMapping:
    """What one (synapse, neuron) pair of a NIR graph became in our model."""

    nodes: list[str]  # NIR node names, synapse first
    neuron: str  # NIR type of the neuron node
    n_in: int
    n_out: int
    leak: LeakFit | None  # None for IF / I nodes (no leak)
    input_gain_min: float  # (1 - a) R, or R for IF / I
    input_gain_max: float
    reset: str
    threshold_min: float | None
    threshold_max: float | None
    weight_bits: int = 0
    weight_scale: float = 0.0  # the power-of-two quantization step chosen by brevitas
    weight_abs_error_max: float = 0.0  # |quantized - mapped float| over the layer's weights
    weight_abs_max: float = 0.0
    bias_abs_error_max: float = 0.0
    threshold_abs_error_max: float = 0.0


@dataclass
class BehaviourCheck:
    """Our imported model against the NIR reference on seeded random Bernoulli spike trains."""

    samples: int
    timesteps: int
    input_rate: float
    seed: int
    spike_agreement: list[float]  # per firing layer: fraction of (sample, step, neuron) with equal spikes
    reference_spike_rate: list[float]
    prediction_agreement: float  # fraction of samples with the same argmax of the readout
    readout_relative_error: float  # max |ours - reference| / max |reference|


@dataclass
class MappingReport:
    """The approximation report of a NIR import (JSON + Markdown)."""

    source: str
    timing: Timing
    readout: str
    layers: list[LayerMapping]
    warnings: list[str] = field(default_factory=list)
    behaviour: BehaviourCheck | None = None
    evaluation: dict[str, Any] | None = None  # accuracy on a dataset, when the import was given one

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict; infinite or undefined numbers (a tau below dt) become null."""
        return _finite(asdict(self))

    def to_markdown(self) -> str:
        t = self.timing
        lines = [
            f"# NIR import of `{self.source}`",
            "",
            f"dt = {t.dt:g} s, discretization `{t.discretization}`, tau convention `{t.tau_convention}`,"
            f" readout `{self.readout}`.",
            "Retention a = fraction of the membrane kept per step; ours is 1 - 2^-k (one k per layer).",
            "",
            "| layer | NIR nodes | neuron | n_in | n_out | k | a target | a ours | max abs err a"
            " | tau target [steps] | tau ours [steps] | max rel err tau | weight bits | weight step"
            " | max abs err w (max abs w) | max abs err threshold |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for i, m in enumerate(self.layers):
            if m.leak is None:
                leak = ["-", "1 (no leak)", "1", "0", "inf", "inf", "0"]
            else:
                f = m.leak
                leak = [
                    str(f.leak_shift),
                    _span(f.retention_target_min, f.retention_target_max),
                    f"{f.retention_ours:.6g}",
                    f"{f.retention_abs_error_max:.3g}",
                    _span(f.tau_steps_target_min, f.tau_steps_target_max),
                    f"{f.tau_steps_ours:.4g}",
                    f"{f.tau_relative_error_max:.3g}",
                ]
            lines.append(
                "| "
                + " | ".join(
                    [
                        str(i),
                        " -> ".join(m.nodes),
                        m.neuron,
                        str(m.n_in),
                        str(m.n_out),
                        *leak,
                        str(m.weight_bits),
                        f"{m.weight_scale:g}",
                        f"{m.weight_abs_error_max:.3g} ({m.weight_abs_max:.3g})",
                        f"{m.threshold_abs_error_max:.3g}",
                    ]
                )
                + " |"
            )
        b = self.behaviour
        if b is not None:
            lines += [
                "",
                "## Behaviour against the NIR reference",
                "",
                f"{b.samples} random spike trains of {b.timesteps} steps"
                f" (input rate {b.input_rate}, seed {b.seed}) through the",
                "NIR graph stepped exactly (float64, per-neuron retention, unquantized weights, v > v_th)"
                " and through ours:",
                "",
                "- spike agreement per firing layer: "
                f"{', '.join(f'{a:.4f}' for a in b.spike_agreement) or '-'}"
                f" (reference spike rates {', '.join(f'{r:.3f}' for r in b.reference_spike_rate) or '-'})",
                f"- prediction (argmax) agreement: {b.prediction_agreement:.4f}",
                f"- readout error: max |ours - reference| / max |reference| = {b.readout_relative_error:.4g}",
            ]
        e = self.evaluation
        if e is not None:
            lines += [
                "",
                f"## Accuracy on {e['dataset']} (test split, T = {e['timesteps']}, {e['encoder']} encoder)",
                "",
                f"- float (our torch model): {100 * e['float_accuracy']:.2f}%",
                f"- hardware (golden simulator on model.npz, membrane bits {e['membrane_bits']}):"
                f" {100 * e['hardware_accuracy']:.2f}%",
            ]
        if self.warnings:
            lines += ["", "## Warnings", "", *(f"- {w}" for w in self.warnings)]
        return "\n".join(lines) + "\n"


def _finite(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _span(lo: float, hi: float) -> str:
    return f"{lo:.6g}" if lo == hi else f"{lo:.6g} .. {hi:.6g}"
