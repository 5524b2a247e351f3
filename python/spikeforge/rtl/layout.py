"""The memory layout of one layer of the core: hidden-neuron bank assignment and CSR-like slot lists.

Neuron q of a layer lives in bank (lane) q % P at row q // P. For every input, its nonzero
synapses are grouped by bank and packed into P-wide slots (slot s, lane p = the s-th synapse of
that input onto bank p), so one slot feeds all P accumulator banks in one cycle. Hidden neurons
may be permuted (their order is internal), which the generator uses to balance the banks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LayerLayout:
    """Physical weights [ROWS*P, n_in_phys] and the slot lists derived from them."""

    weight: np.ndarray  # [rows*P, n_in_phys] physical order (padded neurons have zero rows)
    threshold: np.ndarray  # [rows*P] (padding: 1)
    bias: np.ndarray  # [rows*P] (padding: 0)
    lanes: int
    first_slot: np.ndarray  # [n_in_phys]
    slot_count: np.ndarray  # [n_in_phys]
    slot_row: np.ndarray  # [slots, P]
    slot_weight: np.ndarray  # [slots, P] (0 = empty lane)

    @property
    def rows(self) -> int:
        return self.weight.shape[0] // self.lanes


def balanced_permutation(weight: np.ndarray, lanes: int, seed: int = 0) -> np.ndarray:
    """Physical position q of each logical neuron j, chosen greedily so that every input's synapses
    spread evenly over the P banks (fewer slots per event); pure function of the weights and seed."""
    n_out, n_in = weight.shape
    rows = -(-n_out // lanes)
    if lanes == 1:
        return np.arange(n_out)
    nz = weight != 0
    counts = np.zeros((n_in, lanes), dtype=np.int64)
    free = np.full(lanes, rows)
    bank_of = np.empty(n_out, dtype=np.int64)
    rng = np.random.default_rng(seed)
    order = np.argsort(-nz.sum(axis=1) + rng.random(n_out) * 0.5, kind="stable")  # busiest neurons first
    for j in order:
        inputs = nz[j]
        c = counts[inputs]  # [k, P]
        peak = c.max(axis=1, keepdims=True)
        cost = (c + 1 > peak).sum(axis=0) * 1_000_000 + (c * c).sum(axis=0)  # new slots, then spread
        cost = np.where(free > 0, cost, np.iinfo(np.int64).max)
        p = int(np.argmin(cost))
        bank_of[j] = p
        counts[inputs, p] += 1
        free[p] -= 1
    position = np.empty(n_out, dtype=np.int64)
    next_row = np.zeros(lanes, dtype=np.int64)
    for j in range(n_out):
        p = bank_of[j]
        position[j] = next_row[p] * lanes + p
        next_row[p] += 1
    return position


def layer_layout(
    weight: np.ndarray,
    threshold: np.ndarray,
    bias: np.ndarray,
    lanes: int,
    out_position: np.ndarray,
    in_position: np.ndarray,
    n_in_phys: int,
) -> LayerLayout:
    """Place logical neuron j at physical q = out_position[j], logical input i at in_position[i]."""
    n_out, n_in = weight.shape
    rows = -(-n_out // lanes)
    phys = np.zeros((rows * lanes, n_in_phys), dtype=np.int64)
    phys[np.ix_(out_position, in_position)] = weight
    theta = np.ones(rows * lanes, dtype=np.int64)
    theta[out_position] = threshold
    b = np.zeros(rows * lanes, dtype=np.int64)
    b[out_position] = bias
    first = np.zeros(n_in_phys, dtype=np.int64)
    count = np.zeros(n_in_phys, dtype=np.int64)
    slot_rows: list[np.ndarray] = []
    slot_weights: list[np.ndarray] = []
    total = 0
    for i in range(n_in_phys):
        targets = np.flatnonzero(phys[:, i])
        banks = targets % lanes
        per_bank = [targets[banks == p] for p in range(lanes)]
        n = max(len(t) for t in per_bank)
        r = np.zeros((n, lanes), dtype=np.int64)
        w = np.zeros((n, lanes), dtype=np.int64)
        for p, t in enumerate(per_bank):
            r[: len(t), p] = t // lanes
            w[: len(t), p] = phys[t, i]
        first[i], count[i] = total, n
        total += n
        slot_rows.append(r)
        slot_weights.append(w)
    empty = np.zeros((0, lanes), dtype=np.int64)
    return LayerLayout(
        weight=phys,
        threshold=theta,
        bias=b,
        lanes=lanes,
        first_slot=first,
        slot_count=count,
        slot_row=np.concatenate(slot_rows) if slot_rows else empty,
        slot_weight=np.concatenate(slot_weights) if slot_weights else empty,
    )
