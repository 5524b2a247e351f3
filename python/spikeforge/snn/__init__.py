"""Spiking layers in PyTorch: SPEC neurons with brevitas power-of-two synapses, and MLP builders.

Public API: ``SNNOptions`` / ``SNNConfig``, ``SpikingMLP`` (float ``forward``, ``integer_layers``,
``from_float_layers`` / ``float_layers``), ``FloatLayer``, ``LIFLayer``, ``IntegerLayer``, ``SURROGATES``.
"""

from spikeforge.snn.lif import IntegerLayer, LIFLayer
from spikeforge.snn.model import FloatLayer, SNNConfig, SNNOptions, SpikingMLP
from spikeforge.snn.surrogate import SURROGATES

__all__ = [
    "SURROGATES",
    "FloatLayer",
    "IntegerLayer",
    "LIFLayer",
    "SNNConfig",
    "SNNOptions",
    "SpikingMLP",
]
