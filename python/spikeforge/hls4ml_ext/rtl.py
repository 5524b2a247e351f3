"""The SFRTL backend: the spikeforge Verilog core as an hls4ml backend of the same SF graph.

Its writer reads the hardware model back from the graph and calls the one Verilog writer
(``spikeforge.rtl.generator.generate_rtl``); ``compile()`` builds the design with Verilator and
``predict()`` streams spike trains through the built core (cocotb testbench).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hls4ml.backends.backend import Backend
from hls4ml.backends.fpga.fpga_backend import FPGABackend
from hls4ml.model.flow import register_flow
from hls4ml.model.optimizer import model_optimizer
from hls4ml.writer.writers import Writer, get_writer

from spikeforge.errors import SpikeforgeError
from spikeforge.hls4ml_ext.convert import graph_to_model, sf_layers
from spikeforge.hw.events import encode_spikes
from spikeforge.hw.golden import check_spike_trains

NAME = "SFRTL"
BUILD_DIR = "verilator"  # inside the design folder, made by compile() only


def design_dir(model) -> Path:
    """The graph's output folder is the design folder (what `generate rtl` writes)."""
    return Path(model.config.get_output_dir())


class SFRTLWriter(Writer):
    """Writes the Verilog design folder (sources, $readmemh images, manifest.json) of the graph's model."""

    def write_hls(self, model) -> None:
        from spikeforge.rtl.generator import generate_rtl

        lanes = [node.get_attr("lanes") for node in sf_layers(model)]
        sha = model.config.get_config_value("SpikeforgeModel", {}).get("model_sha256")
        generate_rtl(graph_to_model(model), design_dir(model), lanes, model_sha256=sha)


class SFRTLBackend(Backend):
    """hls4ml backend whose "project" is the spikeforge Verilog core; simulated with Verilator."""

    def __init__(self) -> None:
        super().__init__(NAME)
        self.writer = get_writer(NAME)
        self._default_flow = register_flow("ip", [], backend=self.name)
        self._writer_flow = register_flow(
            "write", [f"{NAME.lower()}:write_rtl"], requires=[self._default_flow], backend=self.name
        )

    def create_initial_config(self, part="xc7z020clg400-1", clock_period=10, io_type="io_stream", **_):
        return {
            "Part": part,
            "ClockPeriod": clock_period,
            "IOType": io_type,
            "HLSConfig": {},
            "WriterConfig": {},
        }

    def create_layer_class(self, layer_class):
        return layer_class

    @classmethod
    def convert_precision_string(cls, precision):
        """Precision strings ("ap_int<8>") parse as for hls4ml's FPGA backends."""
        return FPGABackend.convert_precision_string(precision)

    def get_default_flow(self):
        return self._default_flow

    def get_writer_flow(self):
        return self._writer_flow

    @model_optimizer()
    def write_rtl(self, model):
        self.writer.write_hls(model)
        return True

    def write(self, model) -> None:
        model.apply_flow(self._writer_flow)

    def compile(self, model):
        """Build the written design with Verilator. Returns None: there is no C library to load
        (hls4ml then opens the running program itself, which is harmless)."""
        from spikeforge.rtl.runner import build

        design = design_dir(model)
        if not (design / "manifest.json").is_file():
            raise SpikeforgeError(f"{design} holds no written design; call write() first")
        build(design, design / BUILD_DIR)
        return None

    def predict(self, model, x, *args, **kwargs) -> np.ndarray:
        """Spike trains [B, T, n_in] through the built core, back to back: int32 readouts [B, n_out]."""
        from spikeforge.rtl.runner import SimCase, run

        spec = model.config.get_config_value("SpikeforgeModel")
        spikes = check_spike_trains(x, spec["n_inputs"])
        if spikes.shape[0] == 0:
            return np.zeros((0, spec["n_outputs"]), dtype=np.int32)
        build_dir = design_dir(model) / BUILD_DIR
        if not (build_dir / "sf_top.txt").is_file():
            raise SpikeforgeError("the RTL design is not compiled; call compile() on the graph first")
        case = SimCase.from_stream(design_dir(model), encode_spikes(spikes), spec["n_outputs"])
        (result,) = run(build_dir, [case])
        return result.readout
