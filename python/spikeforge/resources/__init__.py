"""FPGA resource and latency models of the RTL core, the board catalog, and their calibration against Yosys."""
