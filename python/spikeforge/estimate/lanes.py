"""Lanes per layer for a LUT budget (`--lanes auto`): the busiest layer sets the interval, so lanes go to
it first.

Every layer starts at P = 1; while the estimated LUT count allows, the layer with the most busy cycles
per sample (latency model) doubles its P. A step that would exceed the budget is not taken, and the
search stops when the busiest layer cannot grow (budget or P = 16): lanes on any other layer would
not shorten the interval. Pure function of the model, its activity and the constants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spikeforge.core.params import LANES, core_params
from spikeforge.errors import SpikeforgeError
from spikeforge.estimate.activity import Activity
from spikeforge.estimate.calibration import load_constants
from spikeforge.estimate.latency import cycles_per_sample
from spikeforge.estimate.resources import estimate_params
from spikeforge.hw.model import HardwareModel


@dataclass(frozen=True)
class LaneChoice:
    """The chosen lanes per layer and what the models predict for them."""

    lanes: tuple[int, ...]
    interval_cycles: float  # busy cycles per sample of the busiest layer
    cycles_per_sample: float  # samples back to back, including pipeline fill and readout
    layer_cycles: tuple[float, ...]
    lut: float
    ff: float
    bram18: int
    lut_budget: float
    bram18_budget: float | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "lanes": list(self.lanes),
            "interval_cycles": round(self.interval_cycles, 1),
            "cycles_per_sample": round(self.cycles_per_sample, 1),
            "layer_cycles": [round(c, 1) for c in self.layer_cycles],
            "lut": round(self.lut),
            "ff": round(self.ff),
            "bram18": self.bram18,
            "lut_budget": self.lut_budget,
            "bram18_budget": self.bram18_budget,
        }

    def summary(self, clock_mhz: float = 100.0) -> str:
        """One line: the lanes and the predicted interval (cycles and us at ``clock_mhz``)."""
        return (
            f"lanes auto: P={','.join(map(str, self.lanes))} "
            f"(LUT {round(self.lut):,} of {round(self.lut_budget):,}), "
            f"predicted interval {self.interval_cycles:,.0f} cycles = "
            f"{self.interval_cycles / clock_mhz:.1f} us "
            f"at {clock_mhz:g} MHz, busy cycles per layer "
            + ", ".join(f"{c:,.0f}" for c in self.layer_cycles)
        )


def _evaluate(
    model: HardwareModel,
    activity: Activity,
    lanes: list[int],
    constants: dict[str, Any],
    lut_budget: float,
    bram18_budget: float | None,
) -> LaneChoice:
    params, lays = core_params(model, lanes)
    res = estimate_params(params, constants, lays)
    lat = cycles_per_sample(model, activity, lanes, constants=constants)
    return LaneChoice(
        tuple(lanes),
        max(lat.layer_cycles),
        lat.cycles,
        lat.layer_cycles,
        res.lut,
        res.ff,
        res.bram18,
        lut_budget,
        bram18_budget,
    )


def _fits(choice: LaneChoice) -> bool:
    return choice.lut <= choice.lut_budget and (
        choice.bram18_budget is None or choice.bram18 <= choice.bram18_budget
    )


def choose_lanes(
    model: HardwareModel,
    activity: Activity,
    lut_budget: float,
    *,
    bram18_budget: float | None = None,
    constants: dict[str, Any] | None = None,
    max_lanes: int = LANES[-1],
) -> LaneChoice:
    """Lanes per layer that minimise the interval (busiest layer's busy cycles per sample) with the estimated
    LUT count (and BRAM18, if given) within budget. Raises if even P = 1 everywhere exceeds the budget."""
    constants = constants or load_constants()
    lanes = [1] * len(model.layers)
    best = _evaluate(model, activity, lanes, constants, lut_budget, bram18_budget)
    if not _fits(best):
        raise SpikeforgeError(
            f"even one lane per layer needs about {round(best.lut):,} LUT and {best.bram18} BRAM18, over the "
            f"budget of {round(lut_budget):,} LUT"
            + (f" and {bram18_budget:g} BRAM18" if bram18_budget else "")
        )
    while True:
        busiest = max(range(len(lanes)), key=lambda i: best.layer_cycles[i])
        if lanes[busiest] * 2 > max_lanes:
            return best
        trial = list(lanes)
        trial[busiest] *= 2
        candidate = _evaluate(model, activity, trial, constants, lut_budget, bram18_budget)
        if not _fits(candidate) or candidate.interval_cycles >= best.interval_cycles:
            return best
        lanes, best = trial, candidate
