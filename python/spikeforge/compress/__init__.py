"""Resource-constrained minimax compression (sparsity + bit-widths under FPGA budgets)."""
