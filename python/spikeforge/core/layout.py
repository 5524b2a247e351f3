"""The memory layout of one layer of the core: CSR-like slot lists of every input's synapses.

Every input's nonzero synapses (target neuron q, weight) are packed P to a slot, in neuron
order, so an event with fan-out f costs ceil(f / P) slots: the work is events x fan-out / P.
Lane p of the core accumulates into its own copy of the accumulators (summed in the neuron
phase), so any synapse may sit in any lane. Neuron q's state is at row q // P, sub-word q % P.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LayerLayout:
    """Weights padded to ROWS*P neurons and the slot lists derived from them."""

    weight: np.ndarray  # [rows*P, n_in] (padded neurons have zero rows)
    threshold: np.ndarray  # [rows*P] (padding: 1)
    bias: np.ndarray  # [rows*P] (padding: 0)
    lanes: int
    first_slot: np.ndarray  # [n_in]
    slot_count: np.ndarray  # [n_in]
    slot_neuron: np.ndarray  # [slots, P] target neuron q
    slot_weight: np.ndarray  # [slots, P] (0 = empty lane)

    @property
    def rows(self) -> int:
        return self.weight.shape[0] // self.lanes


def layer_layout(
    weight: np.ndarray, threshold: np.ndarray, bias: np.ndarray, lanes: int, n_in: int
) -> LayerLayout:
    """Slot lists of a layer with ``weight`` [n_out, n_in_logical] padded to ``n_in`` inputs."""
    n_out = weight.shape[0]
    rows = -(-n_out // lanes)
    padded = np.zeros((rows * lanes, n_in), dtype=np.int64)
    padded[:n_out, : weight.shape[1]] = weight
    theta = np.ones(rows * lanes, dtype=np.int64)
    theta[:n_out] = threshold
    b = np.zeros(rows * lanes, dtype=np.int64)
    b[:n_out] = bias
    fanout = np.count_nonzero(padded, axis=0)
    count = -(-fanout // lanes)
    first = np.concatenate(([0], np.cumsum(count)[:-1])).astype(np.int64)
    total = int(count.sum())
    neuron = np.zeros(total * lanes, dtype=np.int64)
    wvals = np.zeros(total * lanes, dtype=np.int64)
    i_idx, q_idx = np.nonzero(padded.T)  # sorted by input, then neuron
    rank = np.arange(i_idx.size) - np.concatenate(([0], np.cumsum(fanout)[:-1]))[i_idx]
    pos = first[i_idx] * lanes + rank
    neuron[pos] = q_idx
    wvals[pos] = padded[q_idx, i_idx]
    return LayerLayout(
        weight=padded,
        threshold=theta,
        bias=b,
        lanes=lanes,
        first_slot=first,
        slot_count=count,
        slot_neuron=neuron.reshape(total, lanes),
        slot_weight=wvals.reshape(total, lanes),
    )
