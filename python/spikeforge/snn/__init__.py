"""Spiking layers in PyTorch: SPEC neurons with brevitas power-of-two synapses, and MLP builders.

Public API: ``SNNConfig``, ``SpikingMLP`` (float ``forward``, ``integer_readout``,
``from_float_layers`` / ``float_layers``), ``FloatLayer``, ``LIFLayer``, ``IntegerLayer``, ``SURROGATES``.
"""

from spikeforge.snn.lif import IntegerLayer, LIFLayer, integer_forward
from spikeforge.snn.model import FloatLayer, SNNConfig, SpikingMLP
from spikeforge.snn.surrogate import SURROGATES

__all__ = [
    "SURROGATES",
    "FloatLayer",
    "IntegerLayer",
    "LIFLayer",
    "SNNConfig",
    "SpikingMLP",
    "integer_forward",
]
