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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spikeforge.atomic import atomic_write
from spikeforge.errors import ModelFormatError

FORMAT = "spikeforge-hw"
VERSION = 1
RESETS = ("subtract", "zero")
READOUTS = ("count", "membrane")
WEIGHT_DTYPES = (np.int8, np.int16, np.int32)
MEMBRANE_BITS_MAX = 32
# Keys of the meta JSON that describe structure; everything else is carried along as `extra`.
_STRUCTURAL_KEYS = ("format", "version", "n_inputs", "readout", "layers")


def signed_range(bits: int) -> tuple[int, int]:
    """Inclusive range of a signed two's-complement integer of ``bits`` bits."""
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def weight_dtype(bits: int) -> type[np.integer]:
    """The narrowest allowed dtype of ``bits``-bit weights (what the model file stores)."""
    return np.int8 if bits <= 8 else np.int16


def _require_int(name: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ModelFormatError(f"{name} must be an integer, got {value!r}")
    if not lo <= int(value) <= hi:
        raise ModelFormatError(f"{name} must be in {lo}..{hi}, got {int(value)}")
    return int(value)


def _require_int_array(name: str, array: Any, shape: tuple[int, ...], dtypes: tuple, lo: int, hi: int) -> np.ndarray:
    if not isinstance(array, np.ndarray):
        raise ModelFormatError(f"{name} must be a numpy array, got {type(array).__name__}")
    if array.dtype.type not in dtypes:
        allowed = "/".join(np.dtype(d).name for d in dtypes)
        raise ModelFormatError(f"{name} must have dtype {allowed}, got {array.dtype}")
    if array.shape != shape:
        raise ModelFormatError(f"{name} must have shape {list(shape)}, got {list(array.shape)}")
    if array.size:
        amin, amax = int(array.min()), int(array.max())
        if amin < lo or amax > hi:
            bad = amin if amin < lo else amax
            raise ModelFormatError(f"{name} holds {bad}, outside the allowed range {lo}..{hi}")
    return array


@dataclass(frozen=True, eq=False)
class DenseLayer:
    """One fully connected layer of SPEC neurons. Arrays are validated and stored read-only."""

    weight: np.ndarray  # [n_out, n_in], signed, fits weight_bits; 0 = pruned synapse
    threshold: np.ndarray  # [n_out] int32, 1 .. 2^(m-1)-1
    bias: np.ndarray  # [n_out] int32
    weight_bits: int
    membrane_bits: int
    leak_shift: int | None = None  # None = IF neuron (no leak)
    reset: str = "subtract"
    name: str = "layer"  # prefix used in error messages, e.g. "layer1"

    type = "dense"

    def __post_init__(self) -> None:
        p = self.name
        wb = _require_int(f"{p}.weight_bits", self.weight_bits, 2, 16)
        m = _require_int(f"{p}.membrane_bits", self.membrane_bits, 2, MEMBRANE_BITS_MAX)
        if self.leak_shift is not None:
            _require_int(f"{p}.leak_shift", self.leak_shift, 0, m - 1)
        if self.reset not in RESETS:
            raise ModelFormatError(f"{p}.reset must be one of {', '.join(RESETS)}, got {self.reset!r}")
        if not isinstance(self.weight, np.ndarray) or self.weight.ndim != 2:
            raise ModelFormatError(f"{p}.weight must be a 2-D integer array [n_out, n_in]")
        n_out, n_in = self.weight.shape
        if n_out < 1 or n_in < 1:
            raise ModelFormatError(f"{p}.weight must have at least one row and column, got shape {list(self.weight.shape)}")
        _require_int_array(f"{p}.weight", self.weight, (n_out, n_in), WEIGHT_DTYPES, *signed_range(wb))
        _require_int_array(f"{p}.threshold", self.threshold, (n_out,), (np.int32,), 1, signed_range(m)[1])
        _require_int_array(f"{p}.bias", self.bias, (n_out,), (np.int32,), *signed_range(32))
        for arr in (self.weight, self.threshold, self.bias):
            arr.setflags(write=False)

    @property
    def n_in(self) -> int:
        return int(self.weight.shape[1])

    @property
    def n_out(self) -> int:
        return int(self.weight.shape[0])

    @property
    def nonzeros(self) -> int:
        return int(np.count_nonzero(self.weight))

    def header(self) -> dict[str, Any]:
        """The layer's entry in the meta JSON."""
        return {
            "type": self.type,
            "n_in": self.n_in,
            "n_out": self.n_out,
            "weight_bits": self.weight_bits,
            "membrane_bits": self.membrane_bits,
            "leak_shift": self.leak_shift,
            "reset": self.reset,
        }


@dataclass(frozen=True, eq=False)
class HardwareModel:
    """A chain of layers plus the readout mode; ``extra`` carries provenance keys of the meta JSON."""

    layers: tuple[DenseLayer, ...]
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
                    f"layer{i}.n_in is {layer.n_in} but layer{i - 1}.n_out is {prev.n_out}; consecutive layers must agree"
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
            "version": VERSION,
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
        """Read and validate a model file; any broken rule raises ModelFormatError naming the field."""
        path = Path(path)
        if not path.is_file():
            raise ModelFormatError(f"{path}: no such model file")
        try:
            with np.load(path, allow_pickle=False) as archive:
                names = set(archive.files)
                arrays = {}
                for name in names:
                    try:
                        arrays[name] = archive[name]
                    except ValueError as exc:
                        if "pickle" in str(exc):
                            raise ModelFormatError(f"{path}: array {name} holds pickled objects, which are not allowed") from exc
                        raise ModelFormatError(f"{path}: array {name} is unreadable ({exc})") from exc
                    except (zipfile.BadZipFile, EOFError, OSError) as exc:
                        raise ModelFormatError(f"{path}: array {name} is truncated or corrupt ({exc})") from exc
        except ModelFormatError:
            raise
        except ValueError as exc:
            if "pickle" in str(exc):
                raise ModelFormatError(f"{path}: not an .npz archive (it would need unpickling, which is refused)") from exc
            raise ModelFormatError(f"{path}: not a readable .npz archive ({exc})") from exc
        except (zipfile.BadZipFile, EOFError, OSError) as exc:
            raise ModelFormatError(f"{path}: not a readable .npz archive ({exc})") from exc
        try:
            return cls.from_arrays(arrays)
        except ModelFormatError as exc:
            raise ModelFormatError(f"{path}: {exc}") from None

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> HardwareModel:
        """Build from the named arrays of a model file, checking the meta JSON against them."""
        meta = _parse_meta(arrays)
        layers = []
        for i, head in enumerate(meta["layers"]):
            p = f"layer{i}"
            if not isinstance(head, dict):
                raise ModelFormatError(f"meta.layers[{i}] must be an object")
            if head.get("type") != "dense":
                raise ModelFormatError(f"meta.layers[{i}].type must be 'dense', got {head.get('type')!r}")
            for key in ("n_in", "n_out", "weight_bits", "membrane_bits", "reset"):
                if key not in head:
                    raise ModelFormatError(f"meta.layers[{i}].{key} is missing")
            if "leak_shift" not in head:
                raise ModelFormatError(f"meta.layers[{i}].leak_shift is missing (use null for no leak)")
            n_in = _require_int(f"meta.layers[{i}].n_in", head["n_in"], 1, 1 << 30)
            n_out = _require_int(f"meta.layers[{i}].n_out", head["n_out"], 1, 1 << 30)
            for suffix in ("weight", "threshold", "bias"):
                if f"{p}.{suffix}" not in arrays:
                    raise ModelFormatError(f"array {p}.{suffix} is missing")
            weight = arrays[f"{p}.weight"]
            if weight.shape != (n_out, n_in):
                raise ModelFormatError(
                    f"{p}.weight has shape {list(weight.shape)} but meta says n_out={n_out}, n_in={n_in}"
                )
            layers.append(
                DenseLayer(
                    weight=weight,
                    threshold=arrays[f"{p}.threshold"],
                    bias=arrays[f"{p}.bias"],
                    weight_bits=head["weight_bits"],
                    membrane_bits=head["membrane_bits"],
                    leak_shift=head["leak_shift"],
                    reset=head["reset"],
                    name=p,
                )
            )
        extra = {k: v for k, v in meta.items() if k not in _STRUCTURAL_KEYS}
        model = cls(layers=tuple(layers), readout=meta["readout"], extra=extra)
        n_inputs = _require_int("meta.n_inputs", meta["n_inputs"], 1, 1 << 30)
        if n_inputs != model.n_inputs:
            raise ModelFormatError(f"meta.n_inputs is {n_inputs} but layer0.n_in is {model.n_inputs}")
        return model

    def summary(self) -> dict[str, Any]:
        """Sizes, sparsity and memory of the model, per layer and in total (JSON-able)."""
        rows = []
        for i, layer in enumerate(self.layers):
            synapses = layer.n_in * layer.n_out
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


def _parse_meta(arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    if "meta" not in arrays:
        raise ModelFormatError("array meta is missing")
    raw = arrays["meta"]
    if raw.shape != () or raw.dtype.kind != "U":
        raise ModelFormatError(f"meta must be a 0-d unicode string array, got dtype {raw.dtype} shape {list(raw.shape)}")
    try:
        meta = json.loads(str(raw))
    except json.JSONDecodeError as exc:
        raise ModelFormatError(f"meta is not valid JSON ({exc.msg} at character {exc.pos})") from None
    if not isinstance(meta, dict):
        raise ModelFormatError("meta must be a JSON object")
    if meta.get("format") != FORMAT:
        raise ModelFormatError(f"meta.format must be {FORMAT!r}, got {meta.get('format')!r}")
    if meta.get("version") != VERSION:
        raise ModelFormatError(f"meta.version must be {VERSION}, got {meta.get('version')!r}")
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
