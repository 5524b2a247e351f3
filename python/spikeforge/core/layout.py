"""The memory layout of one layer of the core: per-bank synapse lists of every input.

Neuron q lives in bank q % P, row q // P; bank b owns the accumulators of its neurons and a list
memory of {row, weight} entries. Input i's synapses onto bank b's neurons are ``count[i, b]``
consecutive entries of bank b's list starting at ``first[i, b]`` (in neuron order). Banks work
through their own entries independently, so an event costs each bank only its own share of the
fan-out, and no two banks ever touch the same memory: area grows linearly with P.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LayerLayout:
    """Weights padded to ROWS*P neurons and the per-bank synapse lists derived from them."""

    weight: np.ndarray  # [rows*P, n_in] (padded neurons have zero rows)
    threshold: np.ndarray  # [rows*P] (padding: 1)
    bias: np.ndarray  # [rows*P] (padding: 0)
    lanes: int
    first: np.ndarray  # [n_in, P] first entry of input i in bank b's list
    count: np.ndarray  # [n_in, P] entries of input i in bank b's list
    entry_row: np.ndarray  # [P, slots] row (neuron // P) of each entry, 0-padded
    entry_weight: np.ndarray  # [P, slots] weight of each entry (0 = padding)

    @property
    def rows(self) -> int:
        return self.weight.shape[0] // self.lanes

    @property
    def pointer_bits(self) -> int:
        """Bits of the pointer word that are not zero for every input: per bank, the bits of its largest
        first entry and of its largest count (synthesis drops memory columns that are constant)."""
        return sum(
            int(self.first[:, b].max(initial=0)).bit_length()
            + int(self.count[:, b].max(initial=0)).bit_length()
            for b in range(self.lanes)
        )

    @property
    def slots(self) -> int:
        """Depth of the deepest bank list (every bank's memory has this depth)."""
        return self.entry_row.shape[1]


def bank_counts(weight: np.ndarray, lanes: int) -> np.ndarray:
    """[n_in, P]: synapses of each input onto each bank (neuron q in bank q % P)."""
    n_out = weight.shape[0]
    rows = -(-n_out // lanes)
    nz = np.zeros((rows * lanes, weight.shape[1]), dtype=bool)
    nz[:n_out] = weight != 0
    return nz.reshape(rows, lanes, -1).sum(axis=0).T.astype(np.int64)


def layer_layout(
    weight: np.ndarray, threshold: np.ndarray, bias: np.ndarray, lanes: int, n_in: int
) -> LayerLayout:
    """Bank lists of a layer with ``weight`` [n_out, n_in_logical] padded to ``n_in`` inputs."""
    n_out = weight.shape[0]
    rows = -(-n_out // lanes)
    padded = np.zeros((rows * lanes, n_in), dtype=np.int64)
    padded[:n_out, : weight.shape[1]] = weight
    theta = np.ones(rows * lanes, dtype=np.int64)
    theta[:n_out] = threshold
    b = np.zeros(rows * lanes, dtype=np.int64)
    b[:n_out] = bias
    count = bank_counts(padded, lanes)
    first = np.cumsum(count, axis=0) - count
    depth = max(1, int(count.sum(axis=0).max(initial=0)))
    entry_row = np.zeros((lanes, depth), dtype=np.int64)
    entry_weight = np.zeros((lanes, depth), dtype=np.int64)
    i_idx, q_idx = np.nonzero(padded.T)  # sorted by input, then neuron
    for bank in range(lanes):
        sel = q_idx % lanes == bank
        n = int(sel.sum())
        entry_row[bank, :n] = q_idx[sel] // lanes
        entry_weight[bank, :n] = padded[q_idx[sel], i_idx[sel]]
    return LayerLayout(
        weight=padded,
        threshold=theta,
        bias=b,
        lanes=lanes,
        first=first,
        count=count,
        entry_row=entry_row,
        entry_weight=entry_weight,
    )
