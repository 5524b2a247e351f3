"""spikeforge's hls4ml extension: SF layers, the converter from the model file, templates, passes,
and two backends of one graph (SFVitis: event-driven HLS C++; SFRTL: the Verilog core)."""

from spikeforge.hls4ml_ext.plugin import register

__all__ = ["register"]
