"""Calibration of the resource and latency models: a sweep of generated cores, synthesized with Yosys and
simulated in Verilator, and the fit of the model constants to them."""
