"""Event-camera data from user-supplied local files -> spike trains [T, n_inputs] for the SNN.

Events are numpy structured arrays with the fields ``x, y, t, p`` (t in microseconds), the
in-memory format of tonic (https://github.com/neuromorphs/tonic), so a tonic dataset's samples
can be binned directly (``frames_from_tonic``) without importing tonic here.

The N-MNIST / N-Caltech101 ``.bin`` format (Orchard et al. 2015) is read without tonic: 5 bytes
(40 bits, big-endian) per event, bits 39-32 x, bits 31-24 y, bit 23 polarity (1 = ON), bits 22-0
timestamp in microseconds. As in Orchard's eventvision.py and tonic's ``read_mnist_file``, an
event with y == 240 is a timestamp-overflow marker: it is dropped and 2^13 us is added to the
timestamps of every event after it.

Binning: the sample's window ``[t0, t0 + window)`` (t0 = first event, window = given or the
sample's span) is cut into T equal bins, ``bin = (t - t0) * T // window`` (exact integers); an
input spikes at step t if at least one event of its pixel and polarity falls in bin t. The input
index of an event is ``p * (H * W) + y * W + x``: tonic's ``ToFrame`` layout [T, P, H, W] flattened.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from spikeforge.errors import SpikeforgeError

# tonic's event dtype (tonic.io.events_struct): one record per event.
EVENT_DTYPE = np.dtype([("x", np.int16), ("y", np.int16), ("t", np.int64), ("p", bool)])
NMNIST_SENSOR = (34, 34, 2)  # (width, height, polarities), tonic's sensor_size convention
NMNIST_SPLITS = {"train": "Train", "test": "Test"}  # folder names of the original archives
OVERFLOW_Y = 240  # y address of a timestamp-overflow marker in the .bin format
OVERFLOW_US = 1 << 13  # added to later timestamps per overflow marker (eventvision.py, tonic)


def read_nmnist_bin(path: str | Path) -> np.ndarray:
    """Read one N-MNIST/N-Caltech101 ``.bin`` file into an EVENT_DTYPE array (file order kept)."""
    path = Path(path)
    if not path.is_file():
        raise SpikeforgeError(f"{path}: no such N-MNIST event file")
    raw = np.fromfile(path, dtype=np.uint8)
    if raw.size % 5:
        raise SpikeforgeError(f"{path}: {raw.size} bytes is not a whole number of 5-byte N-MNIST events")
    raw = raw.reshape(-1, 5).astype(np.int64)
    x, y = raw[:, 0], raw[:, 1]
    p = raw[:, 2] >> 7
    t = ((raw[:, 2] & 0x7F) << 16) | (raw[:, 3] << 8) | raw[:, 4]
    overflow = y == OVERFLOW_Y
    t = t + OVERFLOW_US * np.cumsum(overflow)  # a marker shifts itself and every later event
    keep = ~overflow
    events = np.empty(int(keep.sum()), dtype=EVENT_DTYPE)
    events["x"], events["y"], events["t"], events["p"] = x[keep], y[keep], t[keep], p[keep]
    return events


def bin_events(
    events: np.ndarray,
    sensor_size: tuple[int, int, int],
    timesteps: int,
    window_us: int | None = None,
    source: str = "events",
) -> np.ndarray:
    """Bin one sample's events (fields x, y, t, p) into a bool spike train [T, P*H*W] (see module doc)."""
    width, height, polarities = (int(v) for v in sensor_size)
    if timesteps < 1:
        raise SpikeforgeError(f"timesteps must be at least 1, got {timesteps}")
    if window_us is not None and window_us < 1:
        raise SpikeforgeError(f"the time window must be at least 1 us, got {window_us}")
    missing = [f for f in ("x", "y", "t", "p") if events.dtype.names is None or f not in events.dtype.names]
    if missing:
        raise SpikeforgeError(f"{source}: events need the fields x, y, t, p; missing {', '.join(missing)}")
    frames = np.zeros((timesteps, polarities * height * width), dtype=bool)
    if events.size == 0:
        return frames
    x, y = events["x"].astype(np.int64), events["y"].astype(np.int64)
    t, p = events["t"].astype(np.int64), events["p"].astype(np.int64)
    for name, values, size in (("x", x, width), ("y", y, height), ("p", p, polarities)):
        bad = values[(values < 0) | (values >= size)]
        if bad.size:
            raise SpikeforgeError(
                f"{source}: event {name}={int(bad[0])} is outside the sensor range 0..{size - 1}"
            )
    t0 = int(t.min())
    window = int(t.max()) - t0 + 1 if window_us is None else int(window_us)
    step = (t - t0) * timesteps // window
    inside = step < timesteps
    frames[step[inside], (p * height * width + y * width + x)[inside]] = True
    return frames


def nmnist_files(root: str | Path, split: str) -> list[tuple[Path, int]]:
    """The (file, label) pairs of ROOT/Train or ROOT/Test (``<digit>/*.bin``, the original layout), sorted."""
    if split not in NMNIST_SPLITS:
        raise SpikeforgeError(f"unknown N-MNIST split {split!r}; choose one of {', '.join(NMNIST_SPLITS)}")
    folder = Path(root) / NMNIST_SPLITS[split]
    if not folder.is_dir():
        raise SpikeforgeError(
            f"{folder}: no such N-MNIST folder "
            f"(expected {root}/Train and {root}/Test holding 0/ .. 9/ of .bin files)"
        )
    files = [
        (f, int(d.name))
        for d in sorted(folder.iterdir())
        if d.is_dir() and d.name.isdigit()
        for f in sorted(d.glob("*.bin"))
    ]
    if not files:
        raise SpikeforgeError(f"{folder}: holds no <digit>/*.bin N-MNIST event files")
    return files


def bin_nmnist_files(
    files: list[tuple[Path, int]],
    timesteps: int,
    window_us: int | None = None,
    quiet: bool | None = False,
    what: str = "N-MNIST",
) -> tuple[np.ndarray, np.ndarray]:
    """Read and bin N-MNIST files -> spikes [N, T, 2312], labels [N]; ``quiet=None``: a bar only on a
    terminal."""
    samples = ((read_nmnist_bin(f), label, str(f)) for f, label in files)
    return _stack(samples, len(files), NMNIST_SENSOR, timesteps, window_us, quiet, what)


def load_nmnist(
    root: str | Path,
    split: str,
    timesteps: int,
    window_us: int | None = None,
    limit: int | None = None,
    quiet: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Read ROOT/Train or ROOT/Test -> spikes [N, T, 2312], labels [N]; ``limit`` keeps the first N files."""
    files = nmnist_files(root, split)
    return bin_nmnist_files(
        files[:limit] if limit is not None else files, timesteps, window_us, quiet, f"N-MNIST {split}"
    )


def frames_from_tonic(
    dataset: Any, timesteps: int, window_us: int | None = None, quiet: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """Bin every (events, target) sample of a tonic dataset (it has ``sensor_size``) -> spikes [N, T, n],
    labels [N]."""
    sensor_size = getattr(dataset, "sensor_size", None)
    if sensor_size is None or len(sensor_size) != 3:
        raise SpikeforgeError(
            f"{type(dataset).__name__}: a tonic dataset needs sensor_size = (width, height, polarities)"
        )
    samples = (
        (events, int(target), f"{type(dataset).__name__}[{i}]") for i, (events, target) in enumerate(dataset)
    )
    return _stack(
        samples, len(dataset), tuple(sensor_size), timesteps, window_us, quiet, type(dataset).__name__
    )


def _stack(
    samples: Iterable[tuple[np.ndarray, int, str]],
    count: int,
    sensor_size: tuple[int, int, int],
    timesteps: int,
    window_us: int | None,
    quiet: bool | None,
    what: str,
) -> tuple[np.ndarray, np.ndarray]:
    width, height, polarities = sensor_size
    spikes = np.zeros((count, timesteps, width * height * polarities), dtype=bool)
    labels = np.zeros(count, dtype=np.int64)
    for i, (events, label, source) in enumerate(tqdm(samples, total=count, desc=what, disable=quiet)):
        spikes[i] = bin_events(events, sensor_size, timesteps, window_us, source)
        labels[i] = label
    return spikes, labels
