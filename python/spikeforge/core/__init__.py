"""The accelerator's architecture: per-layer parameters and memory layout of the event-driven core, shared
by the Verilog writer, the HLS writer and the resource model (no Verilog, no C++ here)."""
