"""An independent, deliberately naive implementation of SPEC section 1, for tests only.

Pure Python integers, time-major (all layers at t before t+1), one event at a time in a caller-chosen
order, accumulating into an exact current before the single clamp. It shares no code with
spikeforge.hw.golden, so agreement between the two is evidence, not tautology.
"""

from __future__ import annotations

import random


def reference_readout(layers, readout, spikes, shuffle_seed=None):
    """layers: list of dicts with python lists (weight [n_out][n_in], threshold, bias) and ints;
    spikes: nested lists [T][n_in] of 0/1 for ONE sample. Returns the list of readouts."""
    rng = random.Random(shuffle_seed)
    state = [[0] * len(layer["threshold"]) for layer in layers]
    counts = [0] * len(layers[-1]["threshold"])
    for t in range(len(spikes)):
        incoming = [i for i, s in enumerate(spikes[t]) if s]
        for index, layer in enumerate(layers):
            last = index == len(layers) - 1
            fires = not (last and readout == "membrane")
            m = layer["membrane_bits"]
            lo, hi = -(2 ** (m - 1)), 2 ** (m - 1) - 1
            events = list(incoming)
            if shuffle_seed is not None:
                rng.shuffle(events)
            current = list(layer["bias"])
            for i in events:  # event-driven accumulation, exact
                for j in range(len(current)):
                    current[j] += layer["weight"][j][i]
            outgoing = []
            for j, v in enumerate(state[index]):
                k = layer["leak_shift"]
                if k is not None:
                    v = v - (v // (2**k))  # floor division == arithmetic shift
                u = min(max(v + current[j], lo), hi)
                if fires and u >= layer["threshold"][j]:
                    outgoing.append(j)
                    u = u - layer["threshold"][j] if layer["reset"] == "subtract" else 0
                    if last:
                        counts[j] += 1
                state[index][j] = u
            incoming = outgoing
    return counts if readout == "count" else list(state[-1])


def layers_of(model):
    """Plain-Python view of a spikeforge HardwareModel's layers, for reference_readout."""
    return [
        {
            "weight": layer.weight.astype(int).tolist(),
            "threshold": layer.threshold.astype(int).tolist(),
            "bias": layer.bias.astype(int).tolist(),
            "membrane_bits": layer.membrane_bits,
            "leak_shift": layer.leak_shift,
            "reset": layer.reset,
        }
        for layer in model.layers
    ]
