"""Resource and latency models of the event-driven core: LUT, FF, BRAM18, DSP and cycles per layer,
summed over the design (FINN style), with constants calibrated against Yosys and Verilator."""
