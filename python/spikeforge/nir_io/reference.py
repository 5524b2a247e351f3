"""The NIR graph stepped exactly as its own semantics say, to measure what our approximation changes.

Float64, per-neuron retention a (not one 2^-k per layer), unquantized weights, and NIR's strict
``v > v_th``. Comparing it with the imported model on random spike trains turns the parameter
errors of the report into behaviour: how many spikes and predictions agree.
"""

from __future__ import annotations

import numpy as np
import torch

from spikeforge.nir_io.mapping import BehaviourCheck
from spikeforge.nir_io.reader import Neuron, Synapse
from spikeforge.snn import SpikingMLP


def simulate(pairs: list[tuple[Synapse, Neuron]], spikes: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """spikes [B, T, n_in] -> (each firing layer's spikes [B, T, n] bool, readout [B, n_out] float64)."""
    x = np.asarray(spikes, dtype=np.float64)
    layer_spikes, v = [], None
    for syn, neuron in pairs:
        current = x @ syn.weight.T + syn.bias
        a = 1.0 if neuron.retention is None else neuron.retention
        v = np.zeros((x.shape[0], syn.weight.shape[0]))
        out = np.zeros(current.shape, dtype=bool)
        for t in range(x.shape[1]):
            v = a * v + neuron.gain * current[:, t] + neuron.rest
            if neuron.threshold is None:
                continue
            fired = v > neuron.threshold
            v = np.where(fired, v - neuron.threshold if neuron.reset == "subtract" else 0.0, v)
            out[:, t] = fired
        if neuron.threshold is not None:
            layer_spikes.append(out)
        x = out.astype(np.float64)
    readout = v if pairs[-1][1].threshold is None else layer_spikes[-1].sum(axis=1).astype(np.float64)
    return layer_spikes, readout


def compare(
    pairs: list[tuple[Synapse, Neuron]],
    model: SpikingMLP,
    *,
    samples: int = 64,
    timesteps: int = 32,
    input_rate: float = 0.2,
    seed: int = 0,
) -> BehaviourCheck:
    """Run both on the same random inputs (float mode for ours) and measure their agreement."""
    n_in = pairs[0][0].weight.shape[1]
    spikes = np.random.default_rng(seed).random((samples, timesteps, n_in)) < input_rate
    ref_spikes, ref_readout = simulate(pairs, spikes)
    x = torch.from_numpy(spikes).float()
    with torch.no_grad():
        ours = [
            s.numpy() > 0.5
            for s, layer in zip(model.spike_trains(x), model.layers, strict=True)
            if layer.fires
        ]
        readout = model(x).double().numpy()
    scale = float(np.abs(ref_readout).max())
    return BehaviourCheck(
        samples=samples,
        timesteps=timesteps,
        input_rate=input_rate,
        seed=seed,
        spike_agreement=[float(np.mean(a == b)) for a, b in zip(ours, ref_spikes, strict=True)],
        reference_spike_rate=[float(r.mean()) for r in ref_spikes],
        prediction_agreement=float(np.mean(readout.argmax(axis=1) == ref_readout.argmax(axis=1))),
        readout_relative_error=float(np.abs(readout - ref_readout).max() / scale) if scale else 0.0,
    )
