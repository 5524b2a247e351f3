"""C++ templates of the SF layers: the config struct (parameters.h) and the call in the top function."""

from __future__ import annotations

from hls4ml.backends.template import FunctionCallTemplate, LayerConfigTemplate

from spikeforge.hls4ml_ext.layers import SFEventDense

KERNEL_HEADER = "sf_event_dense.h"
AXIS_HEADER = "sf_axis.h"

_CONFIG = """struct config{index} : nnet::sf_event_dense_config {{
    static const unsigned n_in = {n_in};
    static const unsigned n_out = {n_out};
    static const unsigned lanes = {lanes};
    static const unsigned slots = {slots};
    static const unsigned max_fanout_slots = {max_fanout_slots};
    static const bool leak = {leak};
    static const unsigned leak_shift = {leak_shift};
    static const bool reset_zero = {reset_zero};
    static const bool fires = {fires};
    static const bool last = {last};
    static const bool count_readout = {count_readout};
    static const bool state_in_bram = {state_in_bram};
    typedef {accum_t.name} accum_t;
    typedef {sum_t.name} sum_t;
    typedef {membrane_t.name} membrane_t;
    typedef {count_t.name} count_t;
    typedef {ptr_t.name} ptr_t;
    typedef {neuron_t.name} neuron_t;
    typedef {weight_t.name} weight_t;
    typedef {threshold_t.name} threshold_t;
    typedef {bias_t.name} bias_t;
}};
"""

_CALL = (
    "nnet::sf_event_dense<{input_t}, {output_t}, {config}>"
    "({input}, {output}, {ptr}, {neuron}, {weight}, {threshold}, {bias});"
)


def _lower(value: bool) -> str:
    return "true" if value else "false"


class SFEventDenseConfigTemplate(LayerConfigTemplate):
    """config{index}: sizes, neuron options and the exact-width types of one SFEventDense layer."""

    def __init__(self) -> None:
        super().__init__(SFEventDense)

    def format(self, node) -> str:
        params = self._default_config_params(node)
        params["reset_zero"] = _lower(node.get_attr("reset") == "zero")
        params["count_readout"] = _lower(node.get_attr("readout") == "count")
        params["max_fanout_slots"] = -(-node.get_attr("n_out") // node.get_attr("lanes"))
        for name in ("ptr", "neuron", "weight", "threshold", "bias"):
            params[f"{name}_t"] = node.get_weights(name).type
        return _CONFIG.format(**params)


class SFEventDenseFunctionTemplate(FunctionCallTemplate):
    """The layer's call in the top function's DATAFLOW region."""

    def __init__(self) -> None:
        super().__init__(SFEventDense, include_header=[f"nnet_utils/{KERNEL_HEADER}"])

    def format(self, node) -> str:
        params = self._default_function_params(node)
        for name in ("ptr", "neuron", "weight", "threshold", "bias"):
            params[name] = node.get_weights(name).name
        return _CALL.format(**params)


TEMPLATES = (SFEventDenseConfigTemplate, SFEventDenseFunctionTemplate)
