"""The SpikingMLP as a Compressible: its brevitas synapses, cross-entropy on the readout, bit moves."""

from __future__ import annotations

from typing import Any

import torch

from spikeforge.compress.problem import Compressible
from spikeforge.snn import SpikingMLP


def readout_loss(model: torch.nn.Module, batch: Any) -> torch.Tensor:
    """L(w): cross-entropy on the readout, as in training."""
    x, y = batch
    return torch.nn.functional.cross_entropy(model(x), y)


def compressible(model: SpikingMLP, learn_bits: bool = True) -> Compressible:
    """Wrap a SpikingMLP; ``learn_bits=False`` keeps its bit-widths fixed (the uniform-bits baseline)."""
    return Compressible(
        model=model,
        layers=[layer.synapse for layer in model.layers],
        loss=readout_loss,
        bits=[int(layer.weight_bits) for layer in model.layers],
        set_bits=(lambda i, b: model.layers[i].set_weight_bits(b)) if learn_bits else None,
        quantized=lambda i: model.layers[i].synapse.quant_weight().int(),
    )
