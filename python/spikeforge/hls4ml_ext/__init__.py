"""spikeforge's hls4ml extension: SF layers, the converter from the model file, templates, passes,
and two backends of one graph (SFVitis: event-driven HLS C++; SFRTL: the Verilog core)."""

# hls4ml is imported before any module of this package: its import loads the backend plugins,
# whose entry point (plugin.register) imports this package's modules; importing hls4ml from
# inside one of them instead would find that module half-initialized.
import hls4ml  # noqa: F401, I001

from spikeforge.hls4ml_ext.plugin import register

__all__ = ["register"]
