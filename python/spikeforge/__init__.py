"""spikeforge: spiking neural networks from PyTorch to Xilinx FPGAs, verified in simulation."""

__version__ = "0.1.0"
