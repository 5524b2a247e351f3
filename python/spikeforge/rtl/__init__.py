"""The event-driven Verilog core (hls/rtl): generator of a design folder per model, Verilator runner, engine."""

from spikeforge.rtl.generator import RTL_DIR, CoreParams, LayerParams, core_params, generate_rtl, merge_params

__all__ = ["RTL_DIR", "CoreParams", "LayerParams", "core_params", "generate_rtl", "merge_params"]
