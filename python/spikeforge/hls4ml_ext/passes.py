"""Optimizer passes of the SF backends (hls4ml ``match(node)`` / ``transform(model, node)``)."""

from __future__ import annotations

from hls4ml.model.optimizer import OptimizerPass

# FIFO depth between layers: one timestep of spikes plus its marker, capped (deeper FIFOs only
# absorb bursts; they never change results)
MAX_STREAM_DEPTH = 1024


class SFStreamDepth(OptimizerPass):
    """Size the FIFO after each SF layer for one timestep's events (hls4ml sizes it to the nominal shape)."""

    def match(self, node) -> bool:
        if not node.class_name.startswith("SFEvent"):
            return False
        var = node.get_output_variable()
        return getattr(var, "pragma", None) is not None and var.pragma != ("stream", self._depth(node))

    @staticmethod
    def _depth(node) -> int:
        n_out = node.get_attr("n_out") if node.class_name == "SFEventDense" else 1
        return int(min(MAX_STREAM_DEPTH, n_out + 2))

    def transform(self, model, node) -> bool:
        node.get_output_variable().pragma = ("stream", self._depth(node))
        return False


PASSES = {"sf_stream_depth": SFStreamDepth}
