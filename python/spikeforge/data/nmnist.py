"""The ``nmnist`` dataset: the user's local copy of N-MNIST, binned into T frames on demand.

The folder comes from ``root=`` or the environment variable SPIKEFORGE_NMNIST and must hold the
original ``Train/<digit>/*.bin`` and ``Test/<digit>/*.bin``. ``test`` is the Test folder; ``val``
is 10% of the Train files chosen with the registry's fixed SPLIT_SEED, ``train`` the rest. Events
are already spikes, so the encoder argument of ``spike_trains`` is not used (``describe`` says so).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from spikeforge.data.datasets import SPLIT_SEED, SPLITS, check_split, split_arrays
from spikeforge.data.event_camera import NMNIST_SENSOR, bin_nmnist_files, nmnist_files
from spikeforge.errors import SpikeforgeError

ENV_VAR = "SPIKEFORGE_NMNIST"
VAL_FRACTION = 0.1


@dataclass(frozen=True, eq=False)
class EventDataset:
    """Event files and labels per split; spike trains are binned when asked for (cached per T)."""

    name: str
    n_classes: int
    files: dict[str, list[tuple[Path, int]]]
    source: str
    window_us: int | None = None  # None: each sample's own span

    @property
    def n_inputs(self) -> int:
        width, height, polarities = NMNIST_SENSOR
        return width * height * polarities

    def labels(self, split: str) -> np.ndarray:
        return np.array([label for _, label in self.files[check_split(split)]], dtype=np.int64)

    def spike_trains(self, split: str, timesteps: int, encoder: str = "rate") -> np.ndarray:
        return _binned(self, check_split(split), timesteps)

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "n_inputs": self.n_inputs,
            "n_classes": self.n_classes,
            "split_seed": SPLIT_SEED,
            "sizes": {s: len(self.files[s]) for s in SPLITS},
            "source": self.source,
            "encoder": "none: events binned into T frames (index p*H*W + y*W + x)",
            "window_us": self.window_us,
        }


@lru_cache(maxsize=8)
def _binned(dataset: EventDataset, split: str, timesteps: int) -> np.ndarray:
    # the Dataset protocol has no quiet flag: show the progress bar only on a terminal (tqdm disable=None)
    spikes, _ = bin_nmnist_files(
        dataset.files[split], timesteps, dataset.window_us, quiet=None, what=f"{dataset.name} {split}"
    )
    spikes.setflags(write=False)
    return spikes


def nmnist_dataset(root: str | None = None) -> EventDataset:
    """N-MNIST from ``root`` or $SPIKEFORGE_NMNIST (see the module doc)."""
    root = root or os.environ.get(ENV_VAR)
    if not root:
        raise SpikeforgeError(
            f"N-MNIST is read from your local copy: set {ENV_VAR} to the folder holding Train/ and Test/"
        )
    if not Path(root).is_dir():
        raise SpikeforgeError(f"{root}: no such N-MNIST folder (from {ENV_VAR} or root=)")
    train = nmnist_files(root, "train")
    index, _ = split_arrays(
        np.arange(len(train)), np.array([label for _, label in train]), val=VAL_FRACTION, test=0.0
    )
    files = {
        "train": [train[i] for i in index["train"]],
        "val": [train[i] for i in index["val"]],
        "test": nmnist_files(root, "test"),
    }
    return EventDataset("nmnist", 10, files, source=f"N-MNIST .bin files under {root}")
