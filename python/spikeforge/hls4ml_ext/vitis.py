"""The SFVitis backend: hls4ml's Vitis backend writing the event-driven HLS C++ of SF layers.

The project is a regular hls4ml Vitis project (``build_prj.tcl``, ``firmware/``, bridge) whose
synthesis top is an AXI4-Stream wrapper with TLAST and ``ap_ctrl_none`` (SPEC 3/4). ``compile()``
builds the g++ C simulation; ``predict()`` feeds spike trains [B, T, n_in] through it as one
event stream and returns the int32 readouts [B, n_out] exactly (no floating point anywhere).
The bridge also lets a compiled project take new weights of the same shape at run time.
"""

from __future__ import annotations

import ctypes
from pathlib import Path
from string import Template

import numpy as np
from hls4ml.backends import VitisBackend
from hls4ml.backends.fpga.fpga_backend import FPGABackend
from hls4ml.model.flow import get_flow, register_flow
from hls4ml.writer.vitis_writer import VitisWriter

from spikeforge._files import packaged
from spikeforge.atomic import atomic_write_text
from spikeforge.errors import SpikeforgeError
from spikeforge.hls4ml_ext.convert import layer_dicts, sf_layers
from spikeforge.hls4ml_ext.passes import MAX_STREAM_DEPTH, PASSES
from spikeforge.hls4ml_ext.templates import AXIS_HEADER, KERNEL_HEADER, TEMPLATES
from spikeforge.hw.events import Stream, decode_readout, encode_spikes
from spikeforge.hw.golden import check_spike_trains
from spikeforge.hw.model import HardwareModel

NAME = "SFVitis"
WEIGHTS = ("ptr", "neuron", "weight", "threshold", "bias")


def top_name(project_name: str) -> str:
    """The synthesis top: the AXI4-Stream wrapper around hls4ml's top function."""
    return f"{project_name}_axis"


def _replace_once(text: str, old: str, new: str, where: str) -> str:
    if text.count(old) != 1:
        raise RuntimeError(f"{where}: expected one {old!r} in hls4ml's generated file")
    return text.replace(old, new)


def render(template: str, **values) -> str:
    """A packaged template of hls/hls4ml filled strictly (a missing value raises KeyError)."""
    return Template(packaged("hls", "hls4ml", template).read_text()).substitute(values)


def _fifo_depth(words: int) -> int:
    return max(2, min(MAX_STREAM_DEPTH, words))


class SFVitisWriter(VitisWriter):
    """hls4ml's Vitis writer plus the AXI4-Stream top, its csim test bench and exact bridge entry points."""

    def write_hls(self, model) -> None:
        super().write_hls(model)
        out = Path(model.config.get_output_dir())
        project = model.config.get_project_name()
        self._write_axis_top(model, out, project)
        self._write_bridge_entry_points(model, out, project)
        self._write_axis_test_bench(out, project)
        self._set_top(out, project)
        self._write_readme(model, out, project)

    @staticmethod
    def _write_axis_top(model, out: Path, project: str) -> None:
        top = top_name(project)
        (out / "firmware" / f"{top}.h").write_text(
            render("sf_axis_top.h.tpl", guard=f"{top.upper()}_H_", project=project, top=top)
        )
        (inp,), (outp,) = model.get_input_variables(), model.get_output_variables()
        layers = sf_layers(model)
        wrapper = render(
            "sf_axis_top.cpp.tpl",
            top=top,
            project=project,
            input_t=inp.type.name,
            result_t=outp.type.name,
            in_depth=_fifo_depth(layers[0].get_attr("n_in") + 2),
            out_depth=_fifo_depth(layers[-1].get_attr("n_out") + 2),
        )
        with open(out / "firmware" / f"{project}.cpp", "a") as f:
            f.write(wrapper)

    @staticmethod
    def _write_bridge_entry_points(model, out: Path, project: str) -> None:
        externs, cases = [], []
        for node in sf_layers(model):
            for name in WEIGHTS:
                var = node.get_weights(name)
                externs.append(f"extern {var.type.name} {var.name}[{var.data_length}];")
                cases.append(
                    f'    if (std::strcmp(name, "{var.name}") == 0) {{\n'
                    f"        if (n != {var.data_length}) return -1;\n"
                    f"        for (long i = 0; i < n; i++) {var.name}[i] = values[i];\n"
                    f"        return 0;\n    }}"
                )
        text = render(
            "sf_bridge.cpp.tpl",
            top_header=f"firmware/{top_name(project)}.h",
            top=top_name(project),
            externs="\n".join(externs),
            cases="\n".join(cases),
        )
        with open(out / f"{project}_bridge.cpp", "a") as f:
            f.write(text)

    @staticmethod
    def _write_axis_test_bench(out: Path, project: str) -> None:
        text = render("sf_test.cpp.tpl", top_header=f"firmware/{top_name(project)}.h", top=top_name(project))
        (out / f"{project}_test.cpp").write_text(text)
        (out / "tb_data").mkdir(exist_ok=True)

    @staticmethod
    def _set_top(out: Path, project: str) -> None:
        path = out / "build_prj.tcl"
        text = _replace_once(
            path.read_text(), "set_top ${project_name}\n", "set_top ${project_name}_axis\n", str(path)
        )
        path.write_text(text)

    @staticmethod
    def _write_readme(model, out: Path, project: str) -> None:
        layers = "\n".join(
            f"| {n.name} | {n.get_attr('n_in')} -> {n.get_attr('n_out')} | {n.get_attr('lanes')} | "
            f"{n.get_attr('slots')} | {n.get_attr('weight_bits')} | {n.get_attr('membrane_bits')} | "
            f"{'block RAM' if n.get_attr('state_in_bram') else 'LUT RAM'} |"
            for n in sf_layers(model)
        )
        text = render(
            "README.md.tpl",
            project=project,
            top=top_name(project),
            part=model.config.get_config_value("Part"),
            clock=model.config.get_config_value("ClockPeriod"),
            layers=layers,
        )
        (out / "README.md").write_text(text)


class SFVitisBackend(VitisBackend):
    """hls4ml's Vitis backend for graphs of SF layers (templates, passes and writer of spikeforge)."""

    def __init__(self) -> None:
        FPGABackend.__init__(self, name=NAME)
        self._register_layer_attributes()
        self._register_flows()
        for template in TEMPLATES:
            self.register_template(template)
        for name, cls in PASSES.items():
            self.register_pass(name, cls, flow=f"{NAME.lower()}:sf_optimize")
        for header in (KERNEL_HEADER, AXIS_HEADER):
            self.register_source(packaged("hls", "hls4ml", header))

    def _register_flows(self) -> None:
        name = NAME.lower()
        template_flow = register_flow(
            "apply_templates", self._get_layer_templates, requires=["vivado:init_layers"], backend=self.name
        )
        sf_flow = register_flow("sf_optimize", [], requires=["vivado:init_layers"], backend=self.name)
        writer_passes = ["make_stamp", f"{name}:write_hls"]
        self._writer_flow = register_flow("write", writer_passes, requires=[f"{name}:ip"], backend=self.name)
        requires = get_flow("vitis:ip").requires.copy()
        requires.insert(requires.index("vivado:apply_templates"), sf_flow)
        requires.append(template_flow)
        self._default_flow = register_flow("ip", None, requires=requires, backend=self.name)

    def create_initial_config(
        self,
        part="xc7z020clg400-1",
        clock_period=10,
        clock_uncertainty="27%",
        io_type="io_stream",
        namespace=None,
        write_weights_txt=True,
        write_tar=False,
        **_,
    ):
        """hls4ml's Vitis config, always io_stream. Weights are initialized arrays for synthesis and, in
        the C simulation, read from firmware/weights/*.txt (g++ compiles large initialized arrays of
        ap_int for minutes); the bridge can replace them at run time."""
        config = super().create_initial_config(
            part=part,
            clock_period=clock_period,
            clock_uncertainty=clock_uncertainty,
            io_type="io_stream",
            namespace=None,
            write_weights_txt=True,
            write_tar=write_tar,
        )
        return config

    def predict(self, model, x, *args, **kwargs) -> np.ndarray:
        """C simulation of spike trains ``x`` [B, T, n_in] (0/1): int32 readouts [B, n_out], exact."""
        spec = model.config.get_config_value("SpikeforgeModel")
        spikes = check_spike_trains(x, spec["n_inputs"])
        if spikes.shape[0] == 0:
            return np.zeros((0, spec["n_outputs"]), dtype=np.int32)
        stream = encode_spikes(spikes)
        lib = compiled_library(model)
        words, last = run_stream(lib, stream.words, stream.last, spikes.shape[0] * spec["n_outputs"])
        return decode_readout(Stream(words, last), spec["n_outputs"])


def compiled_library(model) -> ctypes.CDLL:
    """The C simulation library that ``ModelGraph.compile()`` loaded for ``model``."""
    lib = getattr(model, "_top_function_lib", None)
    if lib is None:
        raise SpikeforgeError("the HLS project is not compiled; call compile() on the graph first")
    return lib


def run_stream(
    lib: ctypes.CDLL, words: np.ndarray, last: np.ndarray, max_out: int
) -> tuple[np.ndarray, np.ndarray]:
    """Feed one AXI4-Stream (TDATA, TLAST) to a compiled C simulation; return the output stream."""
    fn = lib.sf_run
    fn.restype = ctypes.c_long
    words = np.ascontiguousarray(words, dtype=np.uint32)
    last = np.ascontiguousarray(last, dtype=np.uint8)
    out = np.zeros(max(1, max_out), dtype=np.uint32)
    out_last = np.zeros(max(1, max_out), dtype=np.uint8)
    n = fn(
        words.ctypes.data_as(ctypes.c_void_p),
        last.ctypes.data_as(ctypes.c_void_p),
        ctypes.c_long(words.size),
        out.ctypes.data_as(ctypes.c_void_p),
        out_last.ctypes.data_as(ctypes.c_void_p),
        ctypes.c_long(out.size),
    )
    if n == -1:
        raise SpikeforgeError("the input stream ends without TLAST on a marker (an incomplete packet)")
    if n < 0:
        raise RuntimeError(f"the C simulation produced more than {max_out} output words")
    return out[:n].copy(), out_last[:n].astype(bool)


def load_model(graph, model: HardwareModel, lib: ctypes.CDLL | None = None) -> None:
    """Replace the weights of a compiled SFVitis graph (or of ``lib``, a library built from its project)
    with those of ``model``, which must have the same sizes, bits and neuron options."""
    lib = lib if lib is not None else compiled_library(graph)
    nodes = sf_layers(graph)
    caps = [n.get_attr("slots") for n in nodes]
    lanes = [n.get_attr("lanes") for n in nodes]
    if len(model.layers) != len(nodes):
        raise SpikeforgeError(f"the model has {len(model.layers)} layers but the compiled graph {len(nodes)}")
    wanted = layer_dicts(model, lanes, caps)[1:]
    keys = (
        "n_in",
        "n_out",
        "weight_bits",
        "membrane_bits",
        "leak",
        "leak_shift",
        "reset",
        "fires",
        "readout",
    )
    fn = lib.sf_set_weight
    fn.restype = ctypes.c_int
    for node, want in zip(nodes, wanted, strict=True):
        diff = [k for k in keys if node.get_attr(k) != want[k]]
        if diff:
            raise SpikeforgeError(f"the model differs from the compiled graph in {node.name}.{diff[0]}")
        for name in WEIGHTS:
            var = node.get_weights(name)
            values = np.ascontiguousarray(want[f"{name}_data"], dtype=np.int64)
            rc = fn(var.name.encode(), values.ctypes.data_as(ctypes.c_void_p), ctypes.c_long(values.size))
            if rc != 0:
                raise RuntimeError(f"the bridge refused {var.name} ({values.size} values): code {rc}")


def write_test_vectors(project_dir: str | Path, model: HardwareModel, spikes: np.ndarray) -> int:
    """Write tb_data/sf_input.txt and sf_expected.txt (golden readouts) for the project's C simulation
    test bench; returns the number of expected output words."""
    from spikeforge.hw import golden
    from spikeforge.hw.events import encode_readout

    spikes = check_spike_trains(spikes, model.n_inputs)
    stream = encode_spikes(spikes)
    out = encode_readout(golden.run(model, spikes).readout)
    tb = Path(project_dir) / "tb_data"
    tb.mkdir(parents=True, exist_ok=True)
    for name, s in (("sf_input.txt", stream), ("sf_expected.txt", out)):
        lines = "".join(f"{int(w)} {int(b)}\n" for w, b in zip(s.words, s.last, strict=True))
        atomic_write_text(tb / name, lines)
    return len(out)
