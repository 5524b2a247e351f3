"""Latency model of the event-driven core (hls/rtl/sf_layer.v): cycles per sample from the architecture
and the spike activity.

Per layer and timestep t, input events are taken at most one per cycle (``min_event_cycles``), and
bank b of the P banks works through ``count[i, b]`` synapse-list entries of each event i (its share of
input i's fan-out, one entry per cycle). Banks run decoupled behind their event queues, so the
synapse phase takes ``max(events * min_event_cycles, max_b sum_i count[i, b] + event_cycles)``. The
end-of-timestep marker then drains the banks (``drain_cycles``) and updates ROWS = ceil(n_out / P) rows at
one per cycle (``row_cycles``) plus the marker row and the neuron pipeline (``timestep_cycles``). Layers form
a pipeline over timesteps (layer l works on t while layer l-1 works on t+1), so finish times follow the
flow-shop recurrence ``F[l][t] = max(F[l][t-1], F[l-1][t]) + W[l][t]``; samples follow back to back, and the
last sample's readout streams n_out words (``readout_cycles`` each). Cycles per sample = (finish of the batch)
/ samples, as the RTL runner measures it. The constants live in calibration.json (key ``latency``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from spikeforge.core.layout import bank_counts
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
    """[n_in, P]: synapse-list entries of each input in each bank (neuron q in bank q % P)."""
    return bank_counts(layer.weight, lanes)


def event_cycles(slots: np.ndarray | float, const: dict[str, float]) -> np.ndarray:
    """Cycles per event of one bank with a mean of ``slots`` entries per event (expected-value models)."""
    return np.maximum(const["min_event_cycles"], slots + const["event_cycles"])


def update_cycles(rows: int, const: dict[str, float]) -> float:
    """Cycles of one layer's end of timestep: drain the banks, update ``rows`` rows and the marker row."""
    return const["drain_cycles"] + const["row_cycles"] * (rows + 1) + const["timestep_cycles"]


def layer_work(events: np.ndarray, counts: np.ndarray, rows: int, const: dict[str, float]) -> np.ndarray:
    """W[b, t]: cycles one layer spends on timestep t of sample b, for input spikes ``events`` [B, T, n_in]
    and the per-bank entry counts ``counts`` [n_in, P]."""
    busiest = (events @ counts.astype(np.float64)).max(axis=-1) + const["event_cycles"] * (events.sum(-1) > 0)
    synapse = np.maximum(events.sum(axis=-1) * const["min_event_cycles"], busiest)
    return synapse + update_cycles(rows, const)


def cycles_per_sample(model: HardwareModel, activity: Activity, lanes: int | list[int] = 1,
                      clock_mhz: float = 100.0, constants: dict[str, Any] | None = None) -> LatencyEstimate:
    """Expected cycles per sample for the activity's samples streamed back to back."""
    const = (constants or load_constants())["latency"]
    per = [lanes] * len(model.layers) if isinstance(lanes, int) else list(lanes)
    works = []
    for layer, events, p in zip(model.layers, activity.layers, per, strict=True):
        counts = slots_per_input(layer, p)
        works.append(layer_work(events.astype(np.float64), counts, -(-layer.n_out // p), const))
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
