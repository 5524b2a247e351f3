"""Trained torch model -> hardware model file (SPEC), with membrane widths chosen from measured peaks."""

from spikeforge.export.hardware import choose_membrane_bits, integer_readout, to_hardware_model

__all__ = ["choose_membrane_bits", "integer_readout", "to_hardware_model"]
