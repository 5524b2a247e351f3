"""Latency model of the event-driven core (hls/rtl/sf_layer.v): cycles per sample from the architecture
and the spike activity.

Per layer and timestep t, input events are taken at most one per cycle (``min_event_cycles``), and
bank b of the P banks works through ``count[i, b]`` synapse-list entries of each event i (its share of
input i's fan-out, one entry per cycle). Banks run decoupled behind their event queues, so the
synapse work of a timestep is
``syn = max(events * min_event_cycles, max_b sum_i count[i, b] + event_cycles)``;
its marker retires ``drain_cycles`` later. The neuron phase then updates ROWS = ceil(n_out / P) rows at one
per cycle (``row_cycles``, plus the marker row) and empties its pipeline (``timestep_cycles``). Two
accumulator buffers let the synapse work of t+1 overlap the neuron phase of t, and each bank goes on
with the next timestep's events as soon as it is done with its own share, so per layer and bank b:

    S_b[t] = max(S_b[t-1], U[t-2], U_prev[t]) + load_b[t]     bank b done (U_prev: the layer before)
    U[t] = max(max_b S_b[t] + drain, U[t-1]) + update          neuron phase done

over the timesteps of all samples back to back; the last sample's readout streams n_out words
(``readout_cycles`` each). Cycles per sample = (finish of the batch) / samples, as the RTL runner measures
it. The constants live in calibration.json (key ``latency``).
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
    """Cycles of one layer's neuron phase: ``rows`` rows, the marker row and the pipeline tail."""
    return const["row_cycles"] * (rows + 1) + const["timestep_cycles"]


def timestep_cycles(synapse: float, rows: int, const: dict[str, float]) -> float:
    """Steady cycles per timestep of one layer: synapse work (and its drain) overlaps the neuron phase."""
    return max(synapse + const["drain_cycles"], update_cycles(rows, const))


def synapse_work(events: np.ndarray, counts: np.ndarray, const: dict[str, float]) -> np.ndarray:
    """syn[b, t]: synapse cycles of timestep t of sample b, for input spikes ``events`` [B, T, n_in]
    and the per-bank entry counts ``counts`` [n_in, P]."""
    busiest = (events @ counts.astype(np.float64)).max(axis=-1) + const["event_cycles"] * (events.sum(-1) > 0)
    return np.maximum(events.sum(axis=-1) * const["min_event_cycles"], busiest)


def layer_work(events: np.ndarray, counts: np.ndarray, rows: int, const: dict[str, float]) -> np.ndarray:
    """W[b, t]: one layer's cycles for timestep t of sample b with no overlap (synapse work, drain, neuron
    phase one after the other): an upper bound of what the timestep adds."""
    return synapse_work(events, counts, const) + const["drain_cycles"] + update_cycles(rows, const)


def cycles_per_sample(
    model: HardwareModel,
    activity: Activity,
    lanes: int | list[int] = 1,
    clock_mhz: float = 100.0,
    constants: dict[str, Any] | None = None,
) -> LatencyEstimate:
    """Expected cycles per sample for the activity's samples streamed back to back."""
    const = (constants or load_constants())["latency"]
    per = [lanes] * len(model.layers) if isinstance(lanes, int) else list(lanes)
    batch = activity.layers[0].shape[0]
    upd_prev: np.ndarray | None = None  # the input stream: events available at once
    busy = []
    for layer, events, p in zip(model.layers, activity.layers, per, strict=True):
        flat = events.astype(np.float64).reshape(-1, events.shape[-1])  # [B*T, n_in]
        loads = flat @ slots_per_input(layer, p).astype(np.float64)  # [B*T, P] entries per bank
        n_events = flat.sum(axis=1)
        upd = update_cycles(-(-layer.n_out // p), const)
        syn = synapse_work(flat, slots_per_input(layer, p), const)
        busy.append(float(np.maximum(syn + const["drain_cycles"], upd).sum()))
        banks, fetch = np.zeros(p), 0.0
        u_done = np.zeros(flat.shape[0])
        for g in range(flat.shape[0]):
            arrive = upd_prev[g] if upd_prev is not None else 0.0
            free = u_done[g - 2] if g >= 2 else 0.0  # the accumulator buffer of timestep g - 2
            fetch = max(fetch, arrive) + n_events[g] * const["min_event_cycles"]
            banks = np.maximum(banks, max(free, arrive)) + loads[g]
            done = max(float(banks.max()) + const["event_cycles"] * (n_events[g] > 0), fetch)
            u_done[g] = max(done + const["drain_cycles"], u_done[g - 1] if g else 0.0) + upd
        upd_prev = u_done
    assert upd_prev is not None
    total = upd_prev[-1] + const["readout_cycles"] * model.n_outputs + const["sample_cycles"]
    return LatencyEstimate(
        cycles=float(total / batch),
        layer_cycles=tuple(float(b / batch) for b in busy),
        clock_mhz=clock_mhz,
    )
