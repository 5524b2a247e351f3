"""Deploy on a board: per-board Vivado recipes (bitstreams/), the package folder, the PYNQ driver,
and a simulated board that runs the driver unchanged."""
