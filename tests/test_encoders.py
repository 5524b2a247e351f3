"""Deterministic rate and latency encoders."""

import numpy as np
import pytest

from spikeforge.data.encoders import encode, latency_encode, rate_encode
from spikeforge.errors import SpikeforgeError


def test_rate_code_by_hand():
    x = np.array([0.0, 0.25, 0.5, 1.0])
    got = rate_encode(x, 4).astype(int)
    assert got.shape == (4, 4)
    assert got[:, 0].tolist() == [0, 0, 0, 0]
    assert got[:, 1].tolist() == [0, 0, 0, 1]  # 0.25 per step crosses 1 at step 4
    assert got[:, 2].tolist() == [0, 1, 0, 1]
    assert got[:, 3].tolist() == [1, 1, 1, 1]


def test_rate_counts_follow_intensity_and_are_deterministic():
    x = np.random.default_rng(0).random((5, 30))
    a = rate_encode(x, 16)
    assert a.shape == (5, 16, 30) and a.dtype == bool
    counts = a.sum(axis=1)
    assert np.all(np.abs(counts - x * 16) < 1.0 + 1e-9)
    np.testing.assert_array_equal(a, rate_encode(x, 16))


def test_latency_code_by_hand():
    x = np.array([0.0, 0.25, 0.5, 1.0])
    got = latency_encode(x, 5).astype(int)
    # t = round((1 - x) * 4): 0.25 -> 3, 0.5 -> 2, 1.0 -> 0; zero intensity never fires.
    assert got[:, 0].tolist() == [0] * 5
    assert got[:, 1].tolist() == [0, 0, 0, 1, 0]
    assert got[:, 2].tolist() == [0, 0, 1, 0, 0]
    assert got[:, 3].tolist() == [1, 0, 0, 0, 0]
    assert latency_encode(x, 5, threshold=0.3).sum(axis=0).tolist() == [0, 0, 1, 1]


def test_bad_input_refused():
    with pytest.raises(SpikeforgeError, match=r"\[0, 1\]"):
        rate_encode(np.array([1.5]), 4)
    with pytest.raises(SpikeforgeError, match="timesteps"):
        latency_encode(np.array([0.5]), 0)
    with pytest.raises(SpikeforgeError, match="unknown encoder 'poisson'"):
        encode(np.array([0.5]), 4, "poisson")
