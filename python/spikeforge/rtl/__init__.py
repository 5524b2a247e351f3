"""The event-driven Verilog core (hls/rtl): generator of a design folder per model, Verilator runner, engine."""

from spikeforge.rtl.generator import CoreParams, LayerParams, core_params, generate_rtl, merge_params

__all__ = ["CoreParams", "LayerParams", "core_params", "generate_rtl", "merge_params"]
