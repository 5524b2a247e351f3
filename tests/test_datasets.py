"""Dataset registry: fixed seeded splits, intensities in [0, 1], spike encoding, clear errors."""

import numpy as np
import pytest

from spikeforge.data.datasets import DATASETS, SPLITS, load_dataset
from spikeforge.data.encoders import encode
from spikeforge.errors import SpikeforgeError


def _check_static(name, n_inputs, total):
    data = load_dataset(name)
    assert data.n_inputs == n_inputs and data.n_classes == 10
    sizes = data.describe()["sizes"]
    assert sum(sizes.values()) == total
    assert sizes["test"] == round(0.2 * total) and sizes["val"] == round(0.1 * total)
    for split in SPLITS:
        x, y = data.x[split], data.labels(split)
        assert x.shape == (sizes[split], n_inputs) and y.shape == (sizes[split],)
        assert x.min() >= 0.0 and x.max() <= 1.0
        assert set(np.unique(y)) == set(range(10))
    return data


def test_digits_splits_are_fixed_and_cover_the_data():
    from sklearn.datasets import load_digits

    data = _check_static("digits", 64, 1797)
    assert load_dataset("digits") is data  # cached
    raw = load_digits()
    # every split row is a row of the original data with its label (no mixing, no leakage of labels)
    lookup = {}
    for row, label in zip(raw.data / 16.0, raw.target, strict=True):
        lookup.setdefault(row.tobytes(), set()).add(int(label))
    for split in SPLITS:
        for row, label in zip(data.x[split], data.labels(split), strict=True):
            assert int(label) in lookup[row.tobytes()]
    # the splits together are exactly the original data, as a multiset: each raw row (with its label)
    # lands in one split exactly once (no overlap, no drawing with replacement, nothing left out)
    raw_rows = sorted(
        (row.tobytes(), int(label)) for row, label in zip(raw.data / 16.0, raw.target, strict=True)
    )
    split_rows = sorted(
        (row.tobytes(), int(label))
        for split in SPLITS
        for row, label in zip(data.x[split], data.labels(split), strict=True)
    )
    assert split_rows == raw_rows
    # a fixed split: loading again from scratch (no cache) cuts the same rows
    again = DATASETS["digits"]()
    for split in SPLITS:
        np.testing.assert_array_equal(again.x[split], data.x[split])
        np.testing.assert_array_equal(again.labels(split), data.labels(split))


@pytest.mark.parametrize("encoder", ["rate", "latency"])
def test_spike_trains_are_the_encoded_intensities(encoder):
    data = load_dataset("digits")
    spikes = data.spike_trains("val", 6, encoder)
    assert spikes.dtype == np.bool_ and spikes.shape == (data.labels("val").size, 6, 64)
    np.testing.assert_array_equal(spikes, encode(data.x["val"], 6, encoder))
    assert not spikes.flags.writeable  # cached arrays are shared: read-only


def test_unknown_names_are_one_sentence_errors():
    with pytest.raises(SpikeforgeError, match="unknown dataset 'cifar'; choose one of .*digits"):
        load_dataset("cifar")
    with pytest.raises(SpikeforgeError, match="unknown split 'dev'"):
        load_dataset("digits").labels("dev")
    assert {"digits", "mnist5k", "mnist1d"} <= set(DATASETS)


@pytest.mark.slow
def test_mnist5k():
    data = _check_static("mnist5k", 784, 5000)
    assert data.x["train"].max() == 1.0  # 255 scaled to 1


@pytest.mark.slow
def test_mnist1d():
    data = _check_static("mnist1d", 40, 5000)
    assert data.x["train"].min() == 0.0 and data.x["train"].max() == 1.0  # min-max on the train split
