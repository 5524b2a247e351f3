"""Hardware sources shipped with spikeforge: Verilog templates (rtl/) and HLS C++ kernels; read through spikeforge._files."""
