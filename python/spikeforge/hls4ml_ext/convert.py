"""The one front end: a hardware model (SPEC model file) -> an hls4ml ``ModelGraph`` of SF layers.

Every backend (SFVitis: HLS C++; SFRTL: the Verilog core) starts from this graph. Weights become
per-input fan-out lists; ``graph_to_model`` reads the graph back into the same hardware model, so
a backend that needs the dense form (the Verilog writer) gets exactly what the graph holds.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spikeforge.core.params import lanes_per_layer
from spikeforge.errors import SpikeforgeError
from spikeforge.hls4ml_ext.layers import BRAM_STATE_BITS, layer_widths
from spikeforge.hw.layers import DenseLayer, weight_dtype
from spikeforge.hw.model import HardwareModel

PROJECT_NAME = "spikeforge_hls"
DEFAULT_PART = "xc7z020clg400-1"  # PYNQ-Z1/Z2
DEFAULT_CLOCK_NS = 10


@dataclass(frozen=True)
class FanoutLists:
    """One layer's synapses as per-input lists: input i owns slots ptr[i] .. ptr[i+1]-1, each `lanes` wide."""

    ptr: np.ndarray  # [n_in + 1]
    neuron: np.ndarray  # [slots * lanes] target neuron (0 in empty lanes)
    weight: np.ndarray  # [slots * lanes] weight (0 in empty lanes)
    lanes: int

    @property
    def slots(self) -> int:
        return self.neuron.size // self.lanes

    @property
    def used_slots(self) -> int:
        return int(self.ptr[-1])


def full_capacity(model: HardwareModel, lanes: int | Sequence[int]) -> list[int]:
    """Slot capacity that holds any model with the same layer sizes (every synapse present)."""
    per = lanes_per_layer(lanes, len(model.layers))
    return [layer.n_in * -(-layer.n_out // p) for layer, p in zip(model.layers, per, strict=True)]


def fanout_lists(weight: np.ndarray, lanes: int, capacity: int | None = None) -> FanoutLists:
    """Pack the nonzero synapses of ``weight`` [n_out, n_in] per input, in neuron order, ``lanes`` per slot.

    ``capacity`` pads the slot arrays (at least one slot: hls4ml cannot hold an empty weight array).
    """
    weight = np.asarray(weight, dtype=np.int64)
    fanout = np.count_nonzero(weight, axis=0)
    count = -(-fanout // lanes)
    ptr = np.concatenate(([0], np.cumsum(count))).astype(np.int64)
    used = int(ptr[-1])
    slots = max(1, used if capacity is None else capacity)
    if used > slots:
        raise SpikeforgeError(f"the layer needs {used} fan-out slots but the graph holds only {slots}")
    neuron = np.zeros(slots * lanes, dtype=np.int64)
    values = np.zeros(slots * lanes, dtype=np.int64)
    inputs, targets = np.nonzero(weight.T)  # sorted by input, then neuron
    rank = np.arange(inputs.size) - (np.cumsum(fanout) - fanout)[inputs]
    pos = ptr[inputs] * lanes + rank
    neuron[pos] = targets
    values[pos] = weight[targets, inputs]
    return FanoutLists(ptr=ptr, neuron=neuron, weight=values, lanes=lanes)


def dense_view(layer) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A layer of any type as dense int64 weights [n_out, n_in] and per-neuron thresholds and biases
    (a convolution's shared weights expanded to every position it reaches)."""
    weight, threshold, bias = layer.fanout_matrix(), layer.neuron_threshold(), layer.neuron_bias()
    return (
        np.asarray(weight, dtype=np.int64),
        np.asarray(threshold, dtype=np.int64),
        np.asarray(bias, dtype=np.int64),
    )


def layer_dicts(
    model: HardwareModel, lanes: int | Sequence[int] = 1, capacity: Sequence[int] | None = None
) -> list[dict]:
    """The layer list of ``ModelGraph.from_layer_list``: the event input, then one SFEventDense per layer."""
    per = lanes_per_layer(lanes, len(model.layers))
    if capacity is not None and len(capacity) != len(model.layers):
        raise SpikeforgeError(
            f"capacity gives {len(capacity)} values but the model has {len(model.layers)} layers"
        )
    layers: list[dict] = [
        {"class_name": "SFEventInput", "name": "events_in", "inputs": ["input"], "input_shape": [1]}
    ]
    for index, (layer, p) in enumerate(zip(model.layers, per, strict=True)):
        weight, threshold, bias = dense_view(layer)
        lists = fanout_lists(weight, p, None if capacity is None else capacity[index])
        last = index == len(model.layers) - 1
        widths = layer_widths(layer.n_in, layer.n_out, lists.slots, layer.weight_bits, layer.membrane_bits)
        state_bits = layer.n_out * (widths["membrane"] + widths["count"] + p * widths["accum"])
        layers.append(
            {
                "class_name": "SFEventDense",
                "name": f"sf_dense{index}",
                "n_in": layer.n_in,
                "n_out": layer.n_out,
                "lanes": p,
                "slots": lists.slots,
                "weight_bits": layer.weight_bits,
                "membrane_bits": layer.membrane_bits,
                "leak": layer.leak_shift is not None,
                "leak_shift": layer.leak_shift or 0,
                "reset": layer.reset,
                "fires": not (last and model.readout == "membrane"),
                "last": last,
                "readout": model.readout,
                "state_in_bram": state_bits > BRAM_STATE_BITS,
                "ptr_data": lists.ptr,
                "neuron_data": lists.neuron,
                "weight_data": lists.weight,
                "threshold_data": threshold,
                "bias_data": bias,
            }
        )
    return layers


def to_graph(
    model: HardwareModel,
    output_dir: str | os.PathLike,
    *,
    backend: str = "SFVitis",
    lanes: int | Sequence[int] = 1,
    capacity: Sequence[int] | None = None,
    project_name: str = PROJECT_NAME,
    part: str = DEFAULT_PART,
    clock_period: float = DEFAULT_CLOCK_NS,
    model_sha256: str | None = None,
):
    """An hls4ml ``ModelGraph`` of ``model`` for ``backend`` ("SFVitis" or "SFRTL") writing to ``output_dir``.

    ``capacity``: fan-out slots per layer (default: what the model needs); a graph built with
    ``full_capacity`` accepts any model of the same sizes and bits at run time.
    """
    import hls4ml
    from hls4ml.model.graph import ModelGraph

    from spikeforge.hls4ml_ext.plugin import register

    register()
    config = hls4ml.utils.config.create_config(
        output_dir=str(Path(output_dir)),
        project_name=project_name,
        backend=backend,
        io_type="io_stream",
        part=part,
        clock_period=clock_period,
    )
    config["HLSConfig"] = {"Model": {"Precision": "ap_int<32>", "ReuseFactor": 1, "Strategy": "Latency"}}
    config["SpikeforgeModel"] = {
        "n_inputs": model.n_inputs,
        "n_outputs": model.n_outputs,
        "readout": model.readout,
        "model_sha256": model_sha256,
    }
    return ModelGraph.from_layer_list(config, layer_dicts(model, lanes, capacity))


def sf_layers(graph) -> list:
    """The SFEventDense nodes of a graph, in order."""
    return [node for node in graph.get_layers() if node.class_name == "SFEventDense"]


def graph_to_model(graph) -> HardwareModel:
    """Read a graph of SF layers back into the hardware model it holds (fan-out lists -> dense weights;
    a convolution comes back as the equivalent dense layer)."""
    layers = []
    readout = "count"
    for index, node in enumerate(sf_layers(graph)):
        n_in, n_out, p = node.get_attr("n_in"), node.get_attr("n_out"), node.get_attr("lanes")
        ptr = node.get_weights("ptr").data
        neuron = node.get_weights("neuron").data.reshape(-1, p)
        values = node.get_weights("weight").data.reshape(-1, p)
        weight = np.zeros((n_out, n_in), dtype=np.int64)
        for i in range(n_in):
            slots = slice(int(ptr[i]), int(ptr[i + 1]))
            nz = values[slots] != 0
            weight[neuron[slots][nz], i] = values[slots][nz]
        wb = node.get_attr("weight_bits")
        layers.append(
            DenseLayer(
                weight=weight.astype(weight_dtype(wb)),
                threshold=node.get_weights("threshold").data.astype(np.int32),
                bias=node.get_weights("bias").data.astype(np.int32),
                weight_bits=wb,
                membrane_bits=node.get_attr("membrane_bits"),
                leak_shift=node.get_attr("leak_shift") if node.get_attr("leak") else None,
                reset=node.get_attr("reset"),
                name=f"layer{index}",
            )
        )
        readout = node.get_attr("readout")
    return HardwareModel(layers=tuple(layers), readout=readout)
