"""Latency model of the event-driven core (hls/rtl/sf_layer.v): cycles per sample from the architecture
and the spike activity.

Per layer and timestep t, the synapse engine takes ``max(min_event_cycles, slots_i + event_cycles)``
cycles for each input event i, where slots_i = ceil(fan-out_i / P) is the number of P-wide weight slots
of input i (every lane accumulates into its own copy, so any synapse fits any lane). The end-of-timestep marker then drains the pipeline
(``drain_cycles``) and updates ROWS = ceil(n_out / P) rows at one per cycle (``row_cycles``) plus the
marker row. Layers form a pipeline over timesteps (layer l works on t while layer l-1 works on t+1),
so finish times follow the flow-shop recurrence ``F[l][t] = max(F[l][t-1], F[l-1][t]) + W[l][t]``; samples
follow back to back, and the last sample's readout streams n_out words (``readout_cycles`` each).
Cycles per sample = (finish of the batch) / samples, as the RTL runner measures it. The constants live in
calibration.json (key ``latency``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from spikeforge.estimate.activity import Activity
from spikeforge.estimate.calibration import load_constants
from spikeforge.hw.layers import DenseLayer
from spikeforge.hw.model import HardwareModel


@dataclass(frozen=True)
class LatencyEstimate:
    """Cycles per sample and each layer's busy cycles per sample, at a clock in MHz."""

    cycles: float
    layer_cycles: tuple[float, ...]
    clock_mhz: float

    @property
    def latency_us(self) -> float:
        return self.cycles / self.clock_mhz

    @property
    def fps(self) -> float:
        return 1e6 / self.latency_us if self.cycles > 0 else float("inf")


def slots_per_input(layer: DenseLayer, lanes: int) -> np.ndarray:
    """Weight slots each input of ``layer`` occupies: ceil(fan-out / P), since every lane owns a private
    accumulator copy and so any synapse can go in any lane."""
    return -(-np.count_nonzero(layer.weight, axis=0) // lanes)


def event_cycles(slots: np.ndarray | float, const: dict[str, float]) -> np.ndarray:
    """Cycles of the synapse engine for one input event of ``slots`` weight slots (per input, or a mean)."""
    return np.maximum(const["min_event_cycles"], slots + const["event_cycles"])


def update_cycles(rows: int, const: dict[str, float]) -> float:
    """Cycles of one layer's end of timestep: drain the pipeline, update ``rows`` rows and the marker row."""
    return const["drain_cycles"] + const["row_cycles"] * (rows + 1) + const["timestep_cycles"]


def layer_work(events: np.ndarray, slots: np.ndarray, rows: int, const: dict[str, float]) -> np.ndarray:
    """W[b, t]: cycles one layer spends on timestep t of sample b, for input spikes ``events`` [B, T, n_in]."""
    return events @ event_cycles(slots, const).astype(np.float64) + update_cycles(rows, const)


def cycles_per_sample(model: HardwareModel, activity: Activity, lanes: int | list[int] = 1,
                      clock_mhz: float = 100.0, constants: dict[str, Any] | None = None) -> LatencyEstimate:
    """Expected cycles per sample for the activity's samples streamed back to back."""
    const = (constants or load_constants())["latency"]
    per = [lanes] * len(model.layers) if isinstance(lanes, int) else list(lanes)
    works = []
    for layer, events, p in zip(model.layers, activity.layers, per, strict=True):
        slots = slots_per_input(layer, p)
        works.append(layer_work(events.astype(np.float64), slots, -(-layer.n_out // p), const))
    batch, steps = works[0].shape
    finish = np.zeros(len(works))
    for b in range(batch):
        for t in range(steps):
            ready = 0.0
            for index, work in enumerate(works):
                finish[index] = max(finish[index], ready) + work[b, t]
                ready = finish[index]
    total = finish[-1] + const["readout_cycles"] * model.n_outputs + const["sample_cycles"]
    return LatencyEstimate(
        cycles=float(total / batch),
        layer_cycles=tuple(float(w.sum() / batch) for w in works),
        clock_mhz=clock_mhz,
    )
