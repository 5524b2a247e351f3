"""The event-driven Verilog core (hls/rtl): writer of a design folder per model, Verilator runner, engine."""

from spikeforge.rtl.generator import generate_rtl

__all__ = ["generate_rtl"]
