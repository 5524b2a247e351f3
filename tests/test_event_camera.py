"""Event-camera loaders on small synthetic files written in the real N-MNIST .bin format."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from spikeforge.data.event_camera import (
    EVENT_DTYPE,
    bin_events,
    frames_from_tonic,
    load_nmnist,
    read_nmnist_bin,
)
from spikeforge.errors import SpikeforgeError


def write_bin(path: Path, events: list[tuple[int, int, int, int]]) -> Path:
    """Independent writer: each (x, y, p, t) as one 40-bit big-endian word x<<32 | y<<24 | p<<23 | t."""
    with open(path, "wb") as f:
        for x, y, p, t in events:
            assert 0 <= t < (1 << 23)
            f.write(((x << 32) | (y << 24) | (p << 23) | t).to_bytes(5, "big"))
    return path


def as_tuples(events: np.ndarray) -> list[tuple[int, int, int, int]]:
    return [(int(e["x"]), int(e["y"]), int(e["p"]), int(e["t"])) for e in events]


def test_hand_decoded_bytes(tmp_path: Path) -> None:
    raw = bytes(
        [
            5,
            7,
            0x80,
            0x01,
            0x02,  # x=5 y=7 ON  t=0x000102=258
            33,
            0,
            0x7F,
            0xFF,
            0xFF,  # x=33 y=0 OFF t=0x7FFFFF=8388607
            0,
            33,
            0x01,
            0x00,
            0x00,
        ]
    )  # x=0 y=33 OFF t=0x010000=65536
    path = tmp_path / "hand.bin"
    path.write_bytes(raw)
    events = read_nmnist_bin(path)
    assert events.dtype == EVENT_DTYPE
    assert as_tuples(events) == [(5, 7, 1, 258), (33, 0, 0, 8388607), (0, 33, 0, 65536)]


def test_round_trip_through_independent_writer(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    n = 500
    written = list(
        zip(
            rng.integers(0, 34, n).tolist(),
            rng.integers(0, 34, n).tolist(),
            rng.integers(0, 2, n).tolist(),
            np.sort(rng.integers(0, 1 << 23, n)).tolist(),
            strict=True,
        )
    )
    events = read_nmnist_bin(write_bin(tmp_path / "r.bin", written))
    assert as_tuples(events) == written


def test_overflow_marker_shifts_later_timestamps(tmp_path: Path) -> None:
    path = write_bin(
        tmp_path / "o.bin", [(1, 2, 1, 100), (0, 240, 0, 0), (3, 4, 0, 50), (0, 240, 0, 0), (5, 6, 1, 7)]
    )
    assert as_tuples(read_nmnist_bin(path)) == [(1, 2, 1, 100), (3, 4, 0, 50 + 8192), (5, 6, 1, 7 + 2 * 8192)]


def test_bad_files_give_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SpikeforgeError, match="no such N-MNIST event file"):
        read_nmnist_bin(tmp_path / "missing.bin")
    (tmp_path / "short.bin").write_bytes(bytes(7))
    with pytest.raises(SpikeforgeError, match=r"short\.bin: 7 bytes is not a whole number"):
        read_nmnist_bin(tmp_path / "short.bin")


def events_of(rows: list[tuple[int, int, int, int]]) -> np.ndarray:
    out = np.zeros(len(rows), dtype=EVENT_DTYPE)
    for i, (x, y, p, t) in enumerate(rows):
        out[i] = (x, y, t, p)
    return out


def test_binning_by_hand() -> None:
    # sensor W=3, H=2, P=2 -> index p*6 + y*3 + x; events from t0=1000, span 1000..1399 -> window 400,
    # T=4 bins of 100 us
    ev = events_of([(0, 0, 0, 1000), (2, 1, 1, 1099), (1, 0, 0, 1100), (1, 0, 0, 1150), (2, 1, 0, 1399)])
    frames = bin_events(ev, (3, 2, 2), timesteps=4)
    expected = np.zeros((4, 12), dtype=bool)
    expected[0, 0] = True  # (0,0,OFF) at +0
    expected[0, 6 + 3 + 2] = True  # (2,1,ON) at +99
    expected[1, 1] = True  # (1,0,OFF) at +100 and +150: one spike
    expected[3, 3 + 2] = True  # (2,1,OFF) at +399
    np.testing.assert_array_equal(frames, expected)
    # a fixed 200 us window: bins of 50 us, events at +399 and beyond dropped
    frames = bin_events(ev, (3, 2, 2), timesteps=4, window_us=200)
    expected = np.zeros((4, 12), dtype=bool)
    expected[0, 0] = expected[1, 11] = expected[2, 1] = expected[3, 1] = True
    np.testing.assert_array_equal(frames, expected)


def test_binning_rejects_out_of_sensor_events() -> None:
    with pytest.raises(SpikeforgeError, match="sample7: event x=3 is outside the sensor range 0..2"):
        bin_events(events_of([(3, 0, 0, 0)]), (3, 2, 2), 2, source="sample7")
    assert not bin_events(events_of([]), (3, 2, 2), 2).any()


def test_load_nmnist_directory(tmp_path: Path) -> None:
    for digit, name, rows in [
        (3, "b.bin", [(33, 33, 1, 0), (0, 0, 0, 999)]),
        (0, "a.bin", [(1, 0, 0, 5)]),
        (3, "a.bin", [(2, 0, 1, 10), (2, 0, 1, 20)]),
    ]:
        (tmp_path / "Train" / str(digit)).mkdir(parents=True, exist_ok=True)
        write_bin(tmp_path / "Train" / str(digit) / name, rows)
    spikes, labels = load_nmnist(tmp_path, "train", timesteps=2, quiet=True)
    assert spikes.shape == (3, 2, 2312) and spikes.dtype == bool
    np.testing.assert_array_equal(labels, [0, 3, 3])  # sorted by label folder, then file name
    assert [np.flatnonzero(s).tolist() for s in spikes.reshape(3, -1)] == [
        [1],  # 0/a.bin: one event -> step 0, index y*34+x = 1
        [
            1156 + 2,
            2312 + 1156 + 2,
        ],  # 3/a.bin: ON (2,0) at t=10, 20; window 11 us -> steps 0*2//11=0, 10*2//11=1
        [1156 + 33 * 34 + 33, 2312 + 0],  # 3/b.bin: ON (33,33) at step 0, OFF (0,0) at step 1
    ]
    _, first = load_nmnist(tmp_path, "train", timesteps=2, limit=1, quiet=True)
    assert first.tolist() == [0]
    with pytest.raises(SpikeforgeError, match=r"Test: no such N-MNIST folder"):
        load_nmnist(tmp_path, "test", timesteps=2, quiet=True)


class TonicStyleDataset:
    """The interface of a tonic dataset (sensor_size; (events, target) items), built from plain arrays."""

    sensor_size = (3, 2, 2)

    def __init__(self, samples: list[tuple[np.ndarray, int]]) -> None:
        self.samples = samples

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        return self.samples[i]


def test_frames_from_tonic_style_dataset() -> None:
    ev = events_of([(0, 0, 0, 1000), (2, 1, 1, 1099), (1, 0, 0, 1100), (1, 0, 0, 1150), (2, 1, 0, 1399)])
    spikes, labels = frames_from_tonic(TonicStyleDataset([(ev, 4), (ev[:1], 9)]), timesteps=4, quiet=True)
    np.testing.assert_array_equal(spikes[0], bin_events(ev, (3, 2, 2), 4))
    assert np.flatnonzero(spikes[1]).tolist() == [0] and labels.tolist() == [4, 9]


def test_agrees_with_tonic(tmp_path: Path) -> None:
    """Cross-check against tonic's own reader and ToFrame layout (runs only where tonic is installed)."""
    tonic = pytest.importorskip("tonic")
    rng = np.random.default_rng(1)
    n = 300
    rows = list(
        zip(
            rng.integers(0, 34, n).tolist(),
            rng.integers(0, 34, n).tolist(),
            rng.integers(0, 2, n).tolist(),
            np.sort(rng.integers(0, 300_000, n)).tolist(),
            strict=True,
        )
    )
    path = write_bin(tmp_path / "x.bin", rows)
    theirs = tonic.io.read_mnist_file(str(path), dtype=tonic.datasets.NMNIST.dtype)
    ours = read_nmnist_bin(path)
    for field in "xytp":
        np.testing.assert_array_equal(ours[field].astype(np.int64), theirs[field].astype(np.int64))
    counts = tonic.transforms.ToFrame(sensor_size=(34, 34, 2), n_time_bins=1)(
        theirs
    )  # [1, P, H, W] event counts
    np.testing.assert_array_equal(bin_events(ours, (34, 34, 2), 1), counts.reshape(1, -1) > 0)


def test_nmnist_dataset_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from spikeforge.data.datasets import DATASETS, load_dataset

    rng = np.random.default_rng(4)
    for split, count in (("Train", 20), ("Test", 3)):
        for i in range(count):
            folder = tmp_path / split / str(i % 10)
            folder.mkdir(parents=True, exist_ok=True)
            rows = list(
                zip(
                    rng.integers(0, 34, 30).tolist(),
                    rng.integers(0, 34, 30).tolist(),
                    rng.integers(0, 2, 30).tolist(),
                    np.sort(rng.integers(0, 300_000, 30)).tolist(),
                    strict=True,
                )
            )
            write_bin(folder / f"{i:05d}.bin", rows)
    data = load_dataset("nmnist", root=str(tmp_path))
    assert data.n_inputs == 2312 and data.n_classes == 10
    assert data.describe()["sizes"] == {"train": 18, "val": 2, "test": 3}  # val = 10% of Train, seeded
    assert sorted(data.labels("train").tolist() + data.labels("val").tolist()) == sorted(
        i % 10 for i in range(20)
    )
    # seeded: building the dataset again from scratch (bypassing the registry cache) picks the same val files
    val_spikes = data.spike_trains("val", 6)
    rebuilt = DATASETS["nmnist"](root=str(tmp_path))
    assert rebuilt is not data
    assert rebuilt.describe()["sizes"] == data.describe()["sizes"]
    np.testing.assert_array_equal(rebuilt.labels("val"), data.labels("val"))
    np.testing.assert_array_equal(rebuilt.spike_trains("val", 6), val_spikes)
    np.testing.assert_array_equal(rebuilt.labels("train"), data.labels("train"))
    # and every val sample is one of the Train files, with its label (checked against the direct loader)
    train_spikes, train_labels = load_nmnist(tmp_path, "train", timesteps=6, quiet=True)
    for spikes, label in zip(val_spikes, data.labels("val"), strict=True):
        assert any(
            np.array_equal(spikes, s) and label == y for s, y in zip(train_spikes, train_labels, strict=True)
        )
    test_spikes = data.spike_trains("test", 6)
    direct, labels = load_nmnist(tmp_path, "test", timesteps=6, quiet=True)
    np.testing.assert_array_equal(test_spikes, direct)
    np.testing.assert_array_equal(data.labels("test"), labels)
    monkeypatch.delenv("SPIKEFORGE_NMNIST", raising=False)
    with pytest.raises(SpikeforgeError, match="set SPIKEFORGE_NMNIST"):
        load_dataset("nmnist")
    monkeypatch.setenv("SPIKEFORGE_NMNIST", str(tmp_path / "nowhere"))
    with pytest.raises(SpikeforgeError, match=r"nowhere: no such N-MNIST folder"):
        load_dataset("nmnist")
