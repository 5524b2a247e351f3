"""Layer types of the integer network (SPEC section 1.2), by name.

Every type shares the SPEC neuron (threshold, bias, membrane width, leak, reset) and differs only in
how the synaptic current is formed. A type owns its meta header, the validation of its arrays, the
exact synaptic current of a batch of 0/1 spikes, and each input's fan-out (what event-driven
hardware walks per input event). Code that handles layers looks the type up in ``LAYER_TYPES``
instead of testing names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from spikeforge.errors import ModelFormatError

RESETS = ("subtract", "zero")
WEIGHT_DTYPES = (np.int8, np.int16, np.int32)
MEMBRANE_BITS_MAX = 32
_FLOAT32_EXACT = 1 << 24
FLOAT64_EXACT = 1 << 53


def signed_range(bits: int) -> tuple[int, int]:
    """Inclusive range of a signed two's-complement integer of ``bits`` bits."""
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def weight_dtype(bits: int) -> type[np.integer]:
    """The narrowest allowed dtype of ``bits``-bit weights (what the model file stores)."""
    return np.int8 if bits <= 8 else np.int16


def require_int(name: str, value: Any, lo: int, hi: int) -> int:
    """``value`` as an int in lo..hi, or ModelFormatError naming the field."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise ModelFormatError(f"{name} must be an integer, got {value!r}")
    if not lo <= int(value) <= hi:
        raise ModelFormatError(f"{name} must be in {lo}..{hi}, got {int(value)}")
    return int(value)


def require_int_array(
    name: str, array: Any, shape: tuple[int, ...], dtypes: tuple, lo: int, hi: int
) -> np.ndarray:
    """``array`` checked for type, dtype, shape and value range, or ModelFormatError naming the field."""
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


def exact_matmul(spikes: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Exact ``spikes [N, n_in] (0/1) @ weight.T [n_in, n_out]`` as int64, in float only where provably exact.

    Inputs are 0/1, so every partial sum of a row is bounded by the row's L1 norm; float32 (float64)
    represents every integer up to 2^24 (2^53) exactly.
    """
    bound = int(np.abs(weight.astype(np.int64)).sum(axis=1).max(initial=0))
    if bound < _FLOAT32_EXACT:
        dtype = np.float32
    elif bound < FLOAT64_EXACT:
        dtype = np.float64
    else:  # pragma: no cover - needs > 2^53 / 2^15 inputs
        dtype = np.int64
    return (spikes.astype(dtype) @ weight.T.astype(dtype)).astype(np.int64)


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

    type: ClassVar[str] = "dense"
    ARRAYS: ClassVar[tuple[str, ...]] = ("weight", "threshold", "bias")

    def __post_init__(self) -> None:
        p = self.name
        m = self._check_neuron()
        if not isinstance(self.weight, np.ndarray) or self.weight.ndim != 2:
            raise ModelFormatError(f"{p}.weight must be a 2-D integer array [n_out, n_in]")
        n_out, n_in = self.weight.shape
        if n_out < 1 or n_in < 1:
            raise ModelFormatError(
                f"{p}.weight must have at least one row and column, got shape {list(self.weight.shape)}"
            )
        require_int_array(
            f"{p}.weight", self.weight, (n_out, n_in), WEIGHT_DTYPES, *signed_range(self.weight_bits)
        )
        require_int_array(f"{p}.threshold", self.threshold, (n_out,), (np.int32,), 1, signed_range(m)[1])
        require_int_array(f"{p}.bias", self.bias, (n_out,), (np.int32,), *signed_range(32))
        for arr in (self.weight, self.threshold, self.bias):
            arr.setflags(write=False)

    def _check_neuron(self) -> int:
        """Validate the neuron fields every type shares; returns the membrane width."""
        p = self.name
        require_int(f"{p}.weight_bits", self.weight_bits, 2, 16)
        m = require_int(f"{p}.membrane_bits", self.membrane_bits, 2, MEMBRANE_BITS_MAX)
        if self.leak_shift is not None:
            require_int(f"{p}.leak_shift", self.leak_shift, 0, m - 1)
        if self.reset not in RESETS:
            raise ModelFormatError(f"{p}.reset must be one of {', '.join(RESETS)}, got {self.reset!r}")
        return m

    @property
    def n_in(self) -> int:
        return int(self.weight.shape[1])

    @property
    def n_out(self) -> int:
        return int(self.weight.shape[0])

    @property
    def nonzeros(self) -> int:
        return int(np.count_nonzero(self.weight))

    @property
    def synapses(self) -> int:
        """Stored weight positions (pruned ones included)."""
        return int(self.weight.size)

    def neuron_threshold(self) -> np.ndarray:
        """Threshold of every output neuron [n_out] (int64)."""
        return self.threshold.astype(np.int64)

    def neuron_bias(self) -> np.ndarray:
        """Bias of every output neuron [n_out] (int64)."""
        return self.bias.astype(np.int64)

    def synaptic_current(self, spikes: np.ndarray) -> np.ndarray:
        """Exact ``sum_i w[j][i] * s[..., i]`` for 0/1 spikes [..., n_in], as int64 [..., n_out]."""
        flat = spikes.reshape(-1, self.n_in)
        return exact_matmul(flat, self.weight).reshape(*spikes.shape[:-1], self.n_out)

    def fanout(self) -> np.ndarray:
        """Nonzero synapses leaving each input [n_in]: the work of one input event."""
        return np.count_nonzero(self.weight, axis=0)

    def fanout_matrix(self) -> np.ndarray:
        """Dense [n_out, n_in] integer weights of every (neuron, input) pair (for layouts and estimates)."""
        return self.weight

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

    @classmethod
    def array_shapes(cls, head: dict[str, Any], where: str) -> dict[str, tuple[int, ...]]:
        """The shape of each array the header promises (checked before any array is read)."""
        n_in = require_int(f"{where}.n_in", head.get("n_in"), 1, 1 << 30)
        n_out = require_int(f"{where}.n_out", head.get("n_out"), 1, 1 << 30)
        return {"weight": (n_out, n_in), "threshold": (n_out,), "bias": (n_out,)}

    @classmethod
    def from_file(cls, head: dict[str, Any], arrays: dict[str, np.ndarray], name: str) -> DenseLayer:
        """Build from a meta header and the layer's arrays (keys: ARRAYS)."""
        return cls(
            weight=arrays["weight"],
            threshold=arrays["threshold"],
            bias=arrays["bias"],
            weight_bits=head["weight_bits"],
            membrane_bits=head["membrane_bits"],
            leak_shift=head["leak_shift"],
            reset=head["reset"],
            name=name,
        )


# The layer types of SPEC 1.2 by meta "type" name. A file's version is 1 when every layer is a v1 type.
LAYER_TYPES: dict[str, type[DenseLayer]] = {"dense": DenseLayer}
V1_TYPES = ("dense",)

Layer = DenseLayer
