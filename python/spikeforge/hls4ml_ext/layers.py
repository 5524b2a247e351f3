"""hls4ml IR layers of the event-driven accelerator (SF prefix: never collides with hls4ml's own SNN layers).

``SFEventInput`` is the event stream entering the network: 33-bit words (SPEC 3 TDATA plus the
marker's TLAST). ``SFEventDense`` is one dense layer of SPEC neurons: its weights are stored as
per-input fan-out lists (``ptr`` into slots of ``lanes`` synapses: target ``neuron`` and ``weight``),
and every width is derived from the model's bits and sizes so that each sum is exact.
"""

from __future__ import annotations

import numpy as np
from hls4ml.model.attributes import Attribute, ChoiceAttribute, TypeAttribute, WeightAttribute
from hls4ml.model.layers import Input, Layer, register_layer
from hls4ml.model.types import IntegerPrecisionType, NamedType

WORD_BITS = 33  # TDATA (32) + TLAST of a marker (bit 32)
COUNT_BITS = 32
BIAS_BITS = 32
# a layer keeps its accumulators and membranes in block RAM above this many bits of state
BRAM_STATE_BITS = 2048


def word_precision() -> IntegerPrecisionType:
    """The precision of the words between layers."""
    return IntegerPrecisionType(width=WORD_BITS, signed=False)


def unsigned_bits(max_value: int) -> int:
    """Bits of an unsigned integer that holds 0..max_value (at least 1)."""
    return max(1, int(max_value).bit_length())


def layer_widths(n_in: int, n_out: int, slots: int, weight_bits: int, membrane_bits: int) -> dict[str, int]:
    """Widths of a layer's types. The accumulator holds any sum of n_in weights; the neuron sum
    holds membrane + current + int32 bias; so the one clamp to m bits sees the exact value."""
    accum = weight_bits + int(n_in).bit_length()
    return {
        "weight": weight_bits,
        "neuron": unsigned_bits(n_out - 1),
        "ptr": unsigned_bits(slots),
        "threshold": membrane_bits,
        "bias": BIAS_BITS,
        "membrane": membrane_bits,
        "accum": accum,
        "sum": max(membrane_bits, accum, BIAS_BITS) + 2,
        "count": COUNT_BITS,
    }


class SFEventInput(Input):
    """The network's input: a stream of 33-bit event words (one word per stream element)."""

    def initialize(self) -> None:
        self.add_output_variable([1], var_name=self.name, type_name="input_t", precision=word_precision())


class SFEventDense(Layer):
    """A dense layer of SPEC neurons, event-driven: fan-out lists in, spike events (or readouts) out."""

    _expected_attributes = [
        Attribute("n_in"),
        Attribute("n_out"),
        Attribute("lanes"),
        Attribute("slots"),
        Attribute("weight_bits"),
        Attribute("membrane_bits"),
        Attribute("leak", value_type=bool),
        Attribute("leak_shift"),
        ChoiceAttribute("reset", ["subtract", "zero"], configurable=False),
        Attribute("fires", value_type=bool),
        Attribute("last", value_type=bool),
        ChoiceAttribute("readout", ["count", "membrane"], configurable=False),
        Attribute("state_in_bram", value_type=bool),
        WeightAttribute("ptr"),
        WeightAttribute("neuron"),
        WeightAttribute("weight"),
        WeightAttribute("threshold"),
        WeightAttribute("bias"),
        TypeAttribute("accum"),
        TypeAttribute("sum"),
        TypeAttribute("membrane"),
        TypeAttribute("count"),
    ]

    def initialize(self) -> None:
        widths = layer_widths(
            self.get_attr("n_in"),
            self.get_attr("n_out"),
            self.get_attr("slots"),
            self.get_attr("weight_bits"),
            self.get_attr("membrane_bits"),
        )
        signed = {"weight", "threshold", "bias", "membrane", "accum", "sum"}
        index = self.index
        for name in ("accum", "sum", "membrane", "count"):
            precision = IntegerPrecisionType(width=widths[name], signed=name in signed)
            self.set_attr(f"{name}_t", NamedType(f"sf_{name}{index}_t", precision))
        for name, var in (
            ("ptr", "sf_ptr"),
            ("neuron", "sf_neuron"),
            ("weight", "sf_w"),
            ("threshold", "sf_theta"),
            ("bias", "sf_b"),
        ):
            data = np.asarray(self.get_attr(f"{name}_data"), dtype=np.int64)
            precision = IntegerPrecisionType(width=widths[name], signed=name in signed)
            self.add_weights_variable(
                name=name,
                var_name=f"{var}{{index}}",
                type_name=f"sf_{name}{{index}}_t",
                precision=precision,
                data=data,
            )
        self.add_output_variable([1], precision=word_precision())


LAYERS = (SFEventInput, SFEventDense)


def register_layers() -> None:
    """Register the SF layers with hls4ml (register_layer overwrites, so calling twice is harmless)."""
    for cls in LAYERS:
        register_layer(cls.__name__, cls)
