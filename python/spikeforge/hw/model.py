"""The integer network of SPEC sections 1-2: a validated in-memory object and its .npz file format.

Every object of these classes satisfies the contract (validation runs on construction), so
code downstream of a ``HardwareModel`` never re-checks ranges. Loading reports the first
broken rule as one sentence that names the field.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spikeforge.atomic import atomic_write
from spikeforge.errors import ModelFormatError
from spikeforge.hw.layers import LAYER_TYPES, V1_TYPES, Layer, require_int, weight_dtype

FORMAT = "spikeforge-hw"
VERSIONS = (1, 2)
READOUTS = ("count", "membrane")
# Keys of the meta JSON that describe structure; everything else is carried along as `extra`.
_STRUCTURAL_KEYS = ("format", "version", "n_inputs", "readout", "layers")
_META_MAX_BYTES = 4 << 20  # 1 M characters of meta JSON


@dataclass(frozen=True, eq=False)
class HardwareModel:
    """A chain of layers plus the readout mode; ``extra`` carries provenance keys of the meta JSON."""

    layers: tuple[Layer, ...]
    readout: str = "count"
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "layers", tuple(self.layers))
        if not self.layers:
            raise ModelFormatError("layers must hold at least one layer")
        if self.readout not in READOUTS:
            raise ModelFormatError(f"readout must be one of {', '.join(READOUTS)}, got {self.readout!r}")
        for prev, (i, layer) in zip(self.layers, enumerate(self.layers[1:], start=1), strict=False):
            if layer.n_in != prev.n_out:
                raise ModelFormatError(
                    f"layer{i}.n_in is {layer.n_in} but layer{i - 1}.n_out is {prev.n_out}; "
                    "consecutive layers must agree"
                )
        clash = set(self.extra) & set(_STRUCTURAL_KEYS)
        if clash:
            raise ModelFormatError(f"extra metadata may not redefine {', '.join(sorted(clash))}")

    @property
    def n_inputs(self) -> int:
        return self.layers[0].n_in

    @property
    def n_outputs(self) -> int:
        return self.layers[-1].n_out

    def meta(self) -> dict[str, Any]:
        """The meta JSON object of the model file (structural keys first, then extras)."""
        return {
            "format": FORMAT,
            "version": 1 if all(layer.type in V1_TYPES for layer in self.layers) else 2,
            "n_inputs": self.n_inputs,
            "readout": self.readout,
            "layers": [layer.header() for layer in self.layers],
            **self.extra,
        }

    def arrays(self) -> dict[str, np.ndarray]:
        """The arrays of the model file; weights stored in the narrowest allowed dtype."""
        out: dict[str, np.ndarray] = {"meta": np.array(json.dumps(self.meta(), sort_keys=False))}
        for i, layer in enumerate(self.layers):
            out[f"layer{i}.weight"] = layer.weight.astype(weight_dtype(layer.weight_bits))
            out[f"layer{i}.threshold"] = layer.threshold.astype(np.int32)
            out[f"layer{i}.bias"] = layer.bias.astype(np.int32)
        return out

    def save(self, path: str | os.PathLike) -> Path:
        """Write the .npz atomically (temp file in the same folder, then rename)."""
        arrays = self.arrays()

        def write(tmp: str) -> None:
            with open(tmp, "wb") as f:  # a file object: np.savez would append .npz to a bare name
                np.savez(f, **arrays)

        return atomic_write(path, write)

    @classmethod
    def load(cls, path: str | os.PathLike) -> HardwareModel:
        """Read and validate a model file; any broken rule raises ModelFormatError naming the field.

        Only the arrays the contract names are read, and each one's shape and dtype are checked from
        its header first, so a file cannot make the loader allocate more than the model it declares.
        """
        path = Path(path)
        if not path.is_file():
            what = "is a folder, not a model file" if path.is_dir() else "no such model file"
            raise ModelFormatError(f"{path}: {what}")
        try:
            with zipfile.ZipFile(path) as archive:
                return cls._from_zip(archive)
        except ModelFormatError as exc:
            raise ModelFormatError(f"{path}: {exc}") from None
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
            raise ModelFormatError(f"{path}: not a readable .npz model archive ({exc})") from None

    @classmethod
    def _from_zip(cls, archive: zipfile.ZipFile) -> HardwareModel:
        members = set(archive.namelist())

        def read(name: str, shape: tuple[int, ...] | None) -> np.ndarray:
            member = f"{name}.npy"
            if member not in members:
                raise ModelFormatError(f"array {name} is missing")
            try:
                with archive.open(member) as f:
                    major, _ = np.lib.format.read_magic(f)
                    read_header = (
                        np.lib.format.read_array_header_1_0
                        if major == 1
                        else np.lib.format.read_array_header_2_0
                    )
                    found, _, dtype = read_header(f)
                if dtype.hasobject:
                    raise ModelFormatError(f"array {name} holds pickled objects, which are not allowed")
                if shape is None:  # the meta string
                    if found != () or dtype.kind != "U" or dtype.itemsize > _META_MAX_BYTES:
                        raise ModelFormatError(
                            f"meta must be a 0-d unicode string array of at most {_META_MAX_BYTES // 4} "
                            f"characters, got dtype {dtype} shape {list(found)}"
                        )
                elif tuple(found) != shape:
                    raise ModelFormatError(f"{name} has shape {list(found)} but meta says {list(shape)}")
                elif dtype.kind not in "iu" or dtype.itemsize > 8:
                    raise ModelFormatError(f"{name} must hold integers, got dtype {dtype}")
                with archive.open(member) as f:
                    return np.lib.format.read_array(f, allow_pickle=False)
            except ModelFormatError:
                raise
            except (ValueError, EOFError, OSError, zipfile.BadZipFile) as exc:
                raise ModelFormatError(f"array {name} is truncated or unreadable ({exc})") from None

        return cls._build(read)

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> HardwareModel:
        """Build from the named arrays of a model file (in memory), checking the meta JSON against them."""

        def read(name: str, shape: tuple[int, ...] | None) -> np.ndarray:
            if name not in arrays:
                raise ModelFormatError(f"array {name} is missing")
            if shape is not None and arrays[name].shape != shape:
                raise ModelFormatError(
                    f"{name} has shape {list(arrays[name].shape)} but meta says {list(shape)}"
                )
            return arrays[name]

        return cls._build(read)

    @classmethod
    def _build(cls, read: Callable[[str, tuple[int, ...] | None], np.ndarray]) -> HardwareModel:
        """The model of a file whose arrays ``read(name, shape)`` returns (shape None: the meta string),
        each checked against the shape its header promises before the layer type validates it."""
        meta = _parse_meta(read("meta", None))
        layers = []
        for i, head in enumerate(meta["layers"]):
            where, p = f"meta.layers[{i}]", f"layer{i}"
            layer_type = _layer_type(head, where)
            shapes = layer_type.array_shapes(head, where)
            arrays = {suffix: read(f"{p}.{suffix}", shapes[suffix]) for suffix in layer_type.ARRAYS}
            layers.append(layer_type.from_file(head, arrays, p))
        return cls._assemble(meta, layers)

    @classmethod
    def _assemble(cls, meta: dict[str, Any], layers: list[Layer]) -> HardwareModel:
        extra = {k: v for k, v in meta.items() if k not in _STRUCTURAL_KEYS}
        model = cls(layers=tuple(layers), readout=meta["readout"], extra=extra)
        n_inputs = require_int("meta.n_inputs", meta["n_inputs"], 1, 1 << 30)
        if n_inputs != model.n_inputs:
            raise ModelFormatError(f"meta.n_inputs is {n_inputs} but layer0.n_in is {model.n_inputs}")
        return model

    def summary(self) -> dict[str, Any]:
        """Sizes, sparsity and memory of the model, per layer and in total (JSON-able)."""
        rows = []
        for i, layer in enumerate(self.layers):
            synapses = layer.synapses
            nz = layer.nonzeros
            rows.append(
                {
                    "layer": i,
                    "type": layer.type,
                    "n_in": layer.n_in,
                    "n_out": layer.n_out,
                    "synapses": synapses,
                    "nonzeros": nz,
                    "density": nz / synapses,
                    "weight_bits": layer.weight_bits,
                    "membrane_bits": layer.membrane_bits,
                    "leak_shift": layer.leak_shift,
                    "reset": layer.reset,
                    "weight_memory_bits_dense": synapses * layer.weight_bits,
                    "weight_memory_bits_nonzero": nz * layer.weight_bits,
                    "state_memory_bits": layer.n_out * layer.membrane_bits,
                }
            )
        synapses = sum(r["synapses"] for r in rows)
        nonzeros = sum(r["nonzeros"] for r in rows)
        return {
            "n_inputs": self.n_inputs,
            "n_outputs": self.n_outputs,
            "readout": self.readout,
            "layers": rows,
            "total": {
                "layers": len(rows),
                "neurons": sum(r["n_out"] for r in rows),
                "synapses": synapses,
                "nonzeros": nonzeros,
                "density": nonzeros / synapses,
                "weight_memory_bits_dense": sum(r["weight_memory_bits_dense"] for r in rows),
                "weight_memory_bits_nonzero": sum(r["weight_memory_bits_nonzero"] for r in rows),
                "state_memory_bits": sum(r["state_memory_bits"] for r in rows),
            },
        }


def _layer_type(head: Any, where: str) -> type[Layer]:
    """The registered layer type of one meta header, after checking the fields every type shares."""
    if not isinstance(head, dict):
        raise ModelFormatError(f"{where} must be an object")
    if head.get("type") not in LAYER_TYPES:
        raise ModelFormatError(
            f"{where}.type must be one of {', '.join(LAYER_TYPES)}, got {head.get('type')!r}"
        )
    for key in ("n_in", "n_out", "weight_bits", "membrane_bits", "reset"):
        if key not in head:
            raise ModelFormatError(f"{where}.{key} is missing")
    if "leak_shift" not in head:
        raise ModelFormatError(f"{where}.leak_shift is missing (use null for no leak)")
    return LAYER_TYPES[head["type"]]


def _parse_meta(raw: np.ndarray) -> dict[str, Any]:
    if raw.shape != () or raw.dtype.kind != "U":
        raise ModelFormatError(
            f"meta must be a 0-d unicode string array, got dtype {raw.dtype} shape {list(raw.shape)}"
        )
    try:
        meta = json.loads(str(raw))
    except json.JSONDecodeError as exc:
        raise ModelFormatError(f"meta is not valid JSON ({exc.msg} at character {exc.pos})") from None
    except RecursionError:
        raise ModelFormatError("meta is nested too deeply to be a model description") from None
    except ValueError as exc:  # e.g. an integer of thousands of digits
        raise ModelFormatError(f"meta holds a value that cannot be read ({exc})") from None
    if not isinstance(meta, dict):
        raise ModelFormatError("meta must be a JSON object")
    if meta.get("format") != FORMAT:
        raise ModelFormatError(f"meta.format must be {FORMAT!r}, got {meta.get('format')!r}")
    if meta.get("version") not in VERSIONS:
        raise ModelFormatError(
            f"meta.version must be one of {', '.join(map(str, VERSIONS))}, got {meta.get('version')!r}"
        )
    for key in ("n_inputs", "readout", "layers"):
        if key not in meta:
            raise ModelFormatError(f"meta.{key} is missing")
    if not isinstance(meta["layers"], list) or not meta["layers"]:
        raise ModelFormatError("meta.layers must be a non-empty list")
    return meta


def file_sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file (the manifest's model_sha256)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
