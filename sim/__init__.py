"""cocotb testbenches shipped with spikeforge; read through spikeforge._files."""
