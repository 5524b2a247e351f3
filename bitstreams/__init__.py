"""Per-board Vivado build recipes shipped with spikeforge; read through spikeforge._files."""
