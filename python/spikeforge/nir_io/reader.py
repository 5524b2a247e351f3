"""Import a NIR graph (a chain of Affine/Linear + LIF/IF, ending in LIF/IF/LI/I) into a SpikingMLP.

Each NIR node type has a handler in a registry (``SYNAPSES``, ``NEURONS``); nodes that only pass
data along (Input, Output, Flatten of a vector) are skipped. Anything else, and any graph that is
not one feed-forward chain, raises one SpikeforgeError naming the node and its type.
"""

from __future__ import annotations

import math
import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nir
import numpy as np

from spikeforge.errors import SpikeforgeError
from spikeforge.nir_io.mapping import LayerMapping, MappingReport, Timing, fit_leak_shift
from spikeforge.snn import FloatLayer, SpikingMLP

RESET_KEY = "spikeforge_reset"  # neuron metadata: NIR 1.0 has no reset-by-subtraction, we carry it here
BITS_KEY = "spikeforge_weight_bits"  # synapse metadata: the bit width our export quantized the weights to
SCALE_KEY = "spikeforge_weight_scale"  # synapse metadata: the power-of-two step of those weights
DEFAULT_WEIGHT_BITS = 8


@dataclass
class Synapse:
    name: str
    weight: np.ndarray  # [n_out, n_in]
    bias: np.ndarray  # [n_out]
    weight_bits: int | None = None  # from our own export's metadata
    scale: float | None = None  # likewise


@dataclass
class Neuron:
    name: str
    kind: str  # the NIR type name
    retention: np.ndarray | None  # per-neuron a; None: no leak
    gain: np.ndarray  # per-neuron factor on the input current: (1 - a) R, or R
    rest: np.ndarray  # constant input from v_leak: (1 - a) v_leak
    threshold: np.ndarray | None  # None: a non-firing readout neuron (LI, I)
    reset: str


def _finite(node: nir.NIRNode, attr: str, values: np.ndarray) -> np.ndarray:
    """``values`` if every one is a finite number; else one error naming the node and the parameter."""
    bad = values[~np.isfinite(values)]
    if bad.size:
        raise SpikeforgeError(
            f"NIR node of type {type(node).__name__} holds {bad.reshape(-1)[0]} in {attr}; "
            "parameters must be finite numbers"
        )
    return values


def _vector(node: nir.NIRNode, attr: str) -> np.ndarray:
    try:
        values = np.asarray(getattr(node, attr), dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise SpikeforgeError(
            f"NIR node of type {type(node).__name__}: {attr} is not an array of numbers"
        ) from None
    return _finite(node, attr, values)


def _matrix(node: nir.NIRNode) -> np.ndarray:
    try:
        weight = np.asarray(node.weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise SpikeforgeError(
            f"NIR node of type {type(node).__name__}: weight is not an array of numbers"
        ) from None
    if weight.ndim != 2:
        raise SpikeforgeError(
            f"NIR node of type {type(node).__name__}: weight must be 2-D [n_out, n_in], "
            f"got shape {list(weight.shape)}"
        )
    return _finite(node, "weight", weight)


def _bits(node: nir.NIRNode) -> int | None:
    value = node.metadata.get(BITS_KEY)
    return None if value is None else int(value)


def _scale(node: nir.NIRNode) -> float | None:
    value = node.metadata.get(SCALE_KEY)
    try:
        scale = None if value is None else float(np.asarray(value).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        return None
    return scale if scale is not None and math.isfinite(scale) and scale > 0 else None


def pin_grid(weight: np.ndarray, scale: float, bits: int) -> np.ndarray:
    """Weights on our export's grid (integers times ``scale``), adjusted so that the quantizer picks
    ``scale``.

    The power-of-two quantizer takes its step from max|w| (2^ceil(log2(max|w| / 2^(b-1)))), so when the
    largest integer is exactly 2^(b-2) it would pick scale/2 and the integers would change. Moving that
    one weight by a quarter step keeps every integer and gives the quantizer back its step.
    """
    q = np.rint(weight / scale)
    if not np.allclose(q * scale, weight, rtol=1e-6, atol=0) or np.abs(q).max() != 2.0 ** (bits - 2):
        return weight
    index = np.unravel_index(np.argmax(np.abs(q)), q.shape)
    pinned = weight.copy()
    pinned[index] = np.sign(q[index]) * (abs(q[index]) + 0.25) * scale
    return pinned


def _affine(name: str, node: nir.Affine, timing: Timing) -> Synapse:
    weight = _matrix(node)
    bias = np.zeros(weight.shape[0]) if node.bias is None else _vector(node, "bias")
    return Synapse(name, weight, bias, _bits(node), _scale(node))


def _linear(name: str, node: nir.Linear, timing: Timing) -> Synapse:
    weight = _matrix(node)
    return Synapse(name, weight, np.zeros(weight.shape[0]), _bits(node), _scale(node))


def _threshold(name: str, node: nir.NIRNode) -> np.ndarray:
    theta = _vector(node, "v_threshold")
    if (theta <= 0).any():
        raise SpikeforgeError(
            f"NIR node {name!r} ({type(node).__name__}) has v_threshold {theta[theta <= 0][0]:g}; "
            "thresholds must be positive"
        )
    return theta


def _reset(name: str, node: nir.NIRNode) -> str:
    v_reset = _vector(node, "v_reset")
    if np.any(v_reset != 0):
        raise SpikeforgeError(
            f"NIR node {name!r} ({type(node).__name__}) resets to "
            f"v_reset={float(v_reset[v_reset != 0][0]):g}; "
            "spikeforge neurons reset to 0 or by subtraction"
        )
    value = node.metadata.get(RESET_KEY, "zero")
    return value.decode() if isinstance(value, bytes) else str(value)


def _lif(name: str, node: nir.LIF, timing: Timing) -> Neuron:
    a = timing.retention(_vector(node, "tau"))
    return Neuron(
        name,
        "LIF",
        a,
        (1 - a) * _vector(node, "r"),
        (1 - a) * _vector(node, "v_leak"),
        _threshold(name, node),
        _reset(name, node),
    )


def _if(name: str, node: nir.IF, timing: Timing) -> Neuron:
    r = _vector(node, "r")
    return Neuron(name, "IF", None, r, np.zeros_like(r), _threshold(name, node), _reset(name, node))


def _li(name: str, node: nir.LI, timing: Timing) -> Neuron:
    a = timing.retention(_vector(node, "tau"))
    return Neuron(
        name, "LI", a, (1 - a) * _vector(node, "r"), (1 - a) * _vector(node, "v_leak"), None, "zero"
    )


def _i(name: str, node: nir.I, timing: Timing) -> Neuron:
    r = _vector(node, "r")
    return Neuron(name, "I", None, r, np.zeros_like(r), None, "zero")


# NIR node type -> handler (hls4ml-style registries: add a type by adding a line)
SYNAPSES: dict[type, Callable[[str, nir.NIRNode, Timing], Synapse]] = {
    nir.Affine: _affine,
    nir.Linear: _linear,
}
NEURONS: dict[type, Callable[[str, nir.NIRNode, Timing], Neuron]] = {
    nir.LIF: _lif,
    nir.IF: _if,
    nir.LI: _li,
    nir.I: _i,
}
PASS_THROUGH = (nir.Input, nir.Output, nir.Flatten)


def read_graph(path: str | os.PathLike) -> nir.NIRGraph:
    """Read a .nir file (nir 1.0.8) without its type check, which rejects norse's batched Input shapes."""
    path = Path(path)
    if path.is_dir():
        raise SpikeforgeError(f"{path}: is a folder, not a NIR file")
    if not path.is_file():
        raise SpikeforgeError(f"{path}: no such NIR file")
    try:
        graph = nir.read(path, type_check=False)
    except (OSError, KeyError, ValueError, TypeError, AssertionError) as exc:
        detail = " ".join(str(exc).split())[:200]
        raise SpikeforgeError(
            f"{path}: not a readable NIR graph" + (f" ({detail})" if detail else "")
        ) from None
    if not isinstance(graph, nir.NIRGraph):
        raise SpikeforgeError(f"{path}: holds a single {type(graph).__name__} node, not a NIR graph")
    return graph


def chain(graph: nir.NIRGraph) -> list[tuple[str, nir.NIRNode]]:
    """The nodes from the Input to the Output, in order; fails unless the graph is one feed-forward chain."""
    succ: dict[str, list[str]] = defaultdict(list)
    preds: dict[str, int] = defaultdict(int)
    for src, dst in graph.edges:
        succ[src].append(dst)
        preds[dst] += 1
    inputs = [name for name, node in graph.nodes.items() if isinstance(node, nir.Input)]
    if len(inputs) != 1:
        raise SpikeforgeError(
            f"the NIR graph has {len(inputs)} Input nodes; spikeforge imports graphs with exactly one"
        )
    order, current = [inputs[0]], inputs[0]
    while succ[current]:
        if len(succ[current]) > 1:
            raise SpikeforgeError(
                f"NIR node {current!r} feeds {len(succ[current])} nodes ({', '.join(succ[current])});"
                " spikeforge imports feed-forward chains only"
            )
        current = succ[current][0]
        if current not in graph.nodes:
            raise SpikeforgeError(f"a NIR edge leads to {current!r}, which is not a node of the graph")
        if current in order or preds[current] > 1:
            raise SpikeforgeError(
                f"NIR node {current!r} ({type(graph.nodes[current]).__name__}) has {preds[current]} inputs"
                " (recurrent or merging); spikeforge imports feed-forward chains only"
            )
        order.append(current)
    stray = [name for name in graph.nodes if name not in order]
    if stray:
        node = graph.nodes[stray[0]]
        raise SpikeforgeError(
            f"NIR node {stray[0]!r} ({type(node).__name__}) is not on the chain from the Input;"
            " spikeforge imports feed-forward chains only"
        )
    return [(name, graph.nodes[name]) for name in order]


def _unsupported(name: str, node: nir.NIRNode) -> SpikeforgeError:
    known = ", ".join(t.__name__ for t in (*SYNAPSES, *NEURONS, *PASS_THROUGH))
    return SpikeforgeError(
        f"NIR node {name!r} has type {type(node).__name__}, which spikeforge cannot import"
        f" (supported: {known})"
    )


def _named(name: str, handler: Callable, node: nir.NIRNode, timing: Timing):
    """Call a node handler; its errors about 'NIR node of type X' name the node."""
    try:
        return handler(name, node, timing)
    except SpikeforgeError as exc:
        raise SpikeforgeError(str(exc).replace("NIR node of type", f"NIR node {name!r} of type", 1)) from None


def layer_pairs(graph: nir.NIRGraph, timing: Timing) -> list[tuple[Synapse, Neuron]]:
    """The graph as (synapse, neuron) pairs with the neurons' discretized parameters (per neuron, exact)."""
    pairs: list[tuple[Synapse, Neuron]] = []
    pending: Synapse | None = None
    for name, node in chain(graph):
        kind = type(node)
        if isinstance(node, PASS_THROUGH):
            continue
        if kind in SYNAPSES:
            if pending is not None:
                raise SpikeforgeError(
                    f"NIR node {name!r} ({kind.__name__}) follows synapse {pending.name!r}"
                    " with no neuron between them"
                )
            pending = _named(name, SYNAPSES[kind], node, timing)
        elif kind in NEURONS:
            if pending is None:
                raise SpikeforgeError(
                    f"NIR node {name!r} ({kind.__name__}) has no Affine/Linear synapse before it"
                )
            if pairs and pairs[-1][1].threshold is None:
                raise SpikeforgeError(
                    f"NIR node {pairs[-1][1].name!r} ({pairs[-1][1].kind}) does not spike,"
                    " so it can only be the last neuron"
                )
            pairs.append((pending, _named(name, NEURONS[kind], node, timing)))
            pending = None
        else:
            raise _unsupported(name, node)
    if pending is not None:
        raise SpikeforgeError(
            f"NIR node {pending.name!r} is a synapse with no neuron after it; the graph must end in a neuron"
        )
    if not pairs:
        raise SpikeforgeError("the NIR graph holds no synapse + neuron pair")
    return pairs


def _check_input_size(graph: nir.NIRGraph, first: Synapse) -> None:
    """The Input node must feed the first synapse: its last dim (norse writes [1, n], sinabs [T, n]) or all
    of it."""
    name, node = next((k, v) for k, v in graph.nodes.items() if isinstance(v, nir.Input))
    shape = [int(d) for d in np.asarray(node.input_type["input"]).reshape(-1)]
    n_in = first.weight.shape[1]
    if shape and shape[-1] != n_in and int(np.prod(shape)) != n_in:
        raise SpikeforgeError(
            f"NIR Input node {name!r} has shape {shape} but synapse {first.name!r} takes {n_in} inputs"
        )


def import_graph(
    graph: nir.NIRGraph, timing: Timing, *, weight_bits: int | None = None, source: str = "<graph>"
) -> tuple[SpikingMLP, MappingReport]:
    """Map the graph's continuous-time parameters to our discrete ones and build the model, reporting the
    errors.

    ``weight_bits=None``: each layer's bit width recorded by our export, else DEFAULT_WEIGHT_BITS.
    """
    float_layers, mappings, warnings = [], [], []
    pairs = layer_pairs(graph, timing)
    _check_input_size(graph, pairs[0][0])
    for i, (syn, neuron) in enumerate(pairs):
        n_out, n_in = syn.weight.shape
        if neuron.gain.size != n_out:
            raise SpikeforgeError(
                f"NIR node {neuron.name!r} has {neuron.gain.size} neurons"
                f" but synapse {syn.name!r} has {n_out} outputs"
            )
        leak = None if neuron.retention is None else fit_leak_shift(neuron.retention, timing)
        if neuron.retention is not None and (neuron.retention <= 0).any():
            warnings.append(
                f"layer {i} ({neuron.name}): tau <= dt for some neurons"
                f" (retention {leak.retention_target_min:.3g}), so they "
                "forget everything within a step; check --dt and --tau-convention"
                " (norse 1.1.0 writes dt*tau, norse issue #411)"
            )
        bias = neuron.gain * syn.bias + neuron.rest
        float_layers.append(
            FloatLayer(
                weight=neuron.gain[:, None] * syn.weight,
                bias=bias if np.any(bias != 0) else None,
                threshold=neuron.threshold if neuron.threshold is not None else 1.0,
                leak_shift=None if leak is None else leak.leak_shift,
                reset=neuron.reset,
            )
        )
        thr = neuron.threshold
        mappings.append(
            LayerMapping(
                nodes=[syn.name, neuron.name],
                neuron=neuron.kind,
                n_in=int(n_in),
                n_out=int(n_out),
                leak=leak,
                input_gain_min=float(neuron.gain.min()),
                input_gain_max=float(neuron.gain.max()),
                reset=neuron.reset,
                threshold_min=None if thr is None else float(thr.min()),
                threshold_max=None if thr is None else float(thr.max()),
            )
        )
    readout = "membrane" if mappings[-1].threshold_min is None else "count"
    bits = [weight_bits or syn.weight_bits or DEFAULT_WEIGHT_BITS for syn, _ in pairs]
    for layer, (syn, _), b in zip(float_layers, pairs, bits, strict=True):
        if syn.scale is not None and b == syn.weight_bits:  # our own export: keep its integers exactly
            layer.weight = pin_grid(np.asarray(layer.weight, dtype=np.float64), syn.scale, b)
    model = SpikingMLP.from_float_layers(float_layers, readout=readout, weight_bits=bits)
    for mapping, wanted, got, ints in zip(
        mappings, float_layers, model.float_layers(), model.integer_layers(), strict=True
    ):
        mapping.weight_bits = ints.weight_bits
        mapping.weight_scale = ints.scale
        mapping.weight_abs_error_max = float(np.abs(got.weight - wanted.weight).max())
        mapping.weight_abs_max = float(np.abs(wanted.weight).max())
        want_bias = np.zeros(mapping.n_out) if wanted.bias is None else wanted.bias
        got_bias = np.zeros(mapping.n_out) if got.bias is None else got.bias
        mapping.bias_abs_error_max = float(np.abs(got_bias - want_bias).max())
        if mapping.threshold_min is not None:
            mapping.threshold_abs_error_max = float(
                np.abs(np.asarray(got.threshold) - wanted.threshold).max()
            )
    from spikeforge.nir_io.reference import compare  # reference builds on this module's Synapse/Neuron

    behaviour = compare(pairs, model)
    return model, MappingReport(
        source=source, timing=timing, readout=readout, layers=mappings, warnings=warnings, behaviour=behaviour
    )
