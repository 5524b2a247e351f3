"""Export a SpikingMLP to a NIR graph: Input -> (Affine -> LIF | IF)* -> (LI | I for a membrane readout)
-> Output.

The exported parameters are the ones the hardware computes (quantized weights, thresholds on the
weight grid). A layer with leak shift k becomes a LIF/LI node with r = 1, v_leak = 0 and the tau
whose retention under the chosen discretization is exactly 1 - 2^-k; its weights and bias are
multiplied by 2^k (the inverse of the input gain 1 - a), so importing the file gives back our
layer (the weight bit width travels in ``metadata["spikeforge_weight_bits"]``). Thresholds are written
as the largest float32 below ours, because NIR fires on v > v_th and we on v >= theta: a float32
simulator of the file then spikes exactly when we do. NIR 1.0 has no reset by subtraction: such layers
say v_reset = 0 and carry ``metadata["spikeforge_reset"] = "subtract"``, which only spikeforge reads
(the export warns).
"""

from __future__ import annotations

import os
from pathlib import Path

import nir
import numpy as np

from spikeforge.atomic import atomic_write
from spikeforge.nir_io.mapping import Timing
from spikeforge.nir_io.reader import BITS_KEY, RESET_KEY, SCALE_KEY
from spikeforge.snn import SpikingMLP


def _f32(values: np.ndarray | float, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(values, dtype=np.float32), (n,)).copy()


def _strict(threshold: np.ndarray | float, n: int) -> np.ndarray:
    """The largest float32 below our threshold: NIR fires on v > v_th, we on v >= theta (exact in float32)."""
    return np.nextafter(_f32(threshold, n), np.float32(-np.inf))


def export_graph(model: SpikingMLP, timing: Timing) -> tuple[nir.NIRGraph, list[str]]:
    """The model as a NIR graph, and warnings about what other NIR tools will read differently."""
    nodes: dict[str, nir.NIRNode] = {
        "input": nir.Input(input_type={"input": np.array([model.config.sizes[0]])})
    }
    warnings = []
    for i, (params, layer) in enumerate(zip(model.float_layers(), model.layers, strict=True)):
        n = layer.n_out
        k = params.leak_shift
        scale = 1.0 if k is None else 2.0**k  # 1 / input gain
        bias = np.zeros(n) if params.bias is None else params.bias
        nodes[f"fc{i}"] = nir.Affine(
            weight=(params.weight * scale).astype(np.float32),
            bias=_f32(bias * scale, n),
            metadata={BITS_KEY: layer.weight_bits, SCALE_KEY: float(layer.weight_scale())},
        )
        ones, zeros = _f32(1.0, n), _f32(0.0, n)
        metadata = {}
        if layer.fires and params.reset == "subtract":
            metadata = {RESET_KEY: "subtract"}
            warnings.append(
                f"layer {i} resets by subtraction, which NIR 1.0 cannot express:"
                " other tools will reset it to v_reset = 0"
            )
        if not layer.fires:
            neuron = (
                nir.I(r=ones)
                if k is None
                else nir.LI(tau=_f32(timing.tau_of_shift(k), n), r=ones, v_leak=zeros)
            )
        elif k is None:
            neuron = nir.IF(
                r=ones, v_threshold=_strict(params.threshold, n), v_reset=zeros, metadata=metadata
            )
        else:
            neuron = nir.LIF(
                tau=_f32(timing.tau_of_shift(k), n),
                r=ones,
                v_leak=zeros,
                v_threshold=_strict(params.threshold, n),
                v_reset=zeros,
                metadata=metadata,
            )
        nodes[f"neuron{i}"] = neuron
    nodes["output"] = nir.Output(output_type={"output": np.array([model.config.sizes[-1]])})
    names = list(nodes)
    edges = list(zip(names[:-1], names[1:], strict=True))
    metadata = {
        "producer": "spikeforge",
        "dt": timing.dt,
        "discretization": timing.discretization,
        "readout": model.readout,
    }
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=metadata), warnings


def write_graph(graph: nir.NIRGraph, path: str | os.PathLike) -> Path:
    """Write a .nir file atomically (temp file in the same folder, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda tmp: nir.write(filename=tmp, graph=graph))  # keywords: the docs swap them
    return path
