"""The Vivado recipe of every board, executed under a stub Vivado in Tcl (tkinter.Tcl, no Vivado here).

Each Vivado command the recipe may use is a recording stub; any other command fails (`unknown`).
From the record: part and board part per board, the DMA configuration, every pin the recipe names
exists on the generated Verilog top (or on the PS / DMA / interconnect / reset cells), every memory
image goes into the IP, every clock and reset pin is driven, the design is validated before the
wrapper, and the outputs are copied beside a spikeforge.json. Broken recipes are shown to fail.
"""

from __future__ import annotations

import json
import re
import shutil
import tkinter
from dataclasses import dataclass
from pathlib import Path

import pytest

from spikeforge._files import packaged
from spikeforge.deploy.boards import CORE_NAME, DMA_NAME, deploy_board, deploy_boards
from spikeforge.deploy.hwh import DMA_PARAMETERS, hwh_text
from spikeforge.deploy.package import package_model
from spikeforge.deploy.recipe import overlay_json
from spikeforge.hw.random_model import random_model

BOARDS = ["pynq-z1", "pynq-z2", "ultra96-v2", "zcu104", "kv260", "zcu102"]

STUB = r"""
set ::sf_log {}
proc rec {args} { lappend ::sf_log $args }
namespace eval ipx {}
set ::stub_files {}
set ::stub_projdir {}
foreach cmd {add_files close_project update_compile_order update_ip_catalog create_bd_design
             save_bd_design validate_bd_design assign_bd_address generate_target launch_runs
             wait_on_run apply_bd_automation connect_bd_intf_net connect_bd_net
             ipx::package_project ipx::infer_bus_interfaces ipx::associate_bus_interfaces
             ipx::create_xgui_files ipx::update_checksums ipx::check_integrity ipx::save_core} {
    proc $cmd {args} "rec $cmd {*}\$args; stub_after $cmd \$args; return {}"
}
proc stub_after {cmd args} {
    set args [lindex $args 0]
    if {$cmd eq "add_files"} { foreach f [lindex $args end] { lappend ::stub_files $f } }
    if {$cmd eq "launch_runs"} {
        set runs [file join $::stub_projdir [file tail $::stub_projdir].runs impl_1]
        file mkdir $runs
        close [open [file join $runs spikeforge_bd_wrapper.bit] w]
        set hh [file join $::stub_projdir [file tail $::stub_projdir].gen sources_1 bd spikeforge_bd]
        set hh [file join $hh hw_handoff]
        file mkdir $hh
        close [open [file join $hh spikeforge_bd.hwh] w]
    }
}
proc create_project {args} {
    rec create_project {*}$args
    set ::stub_projdir [lindex $args 2]
    return [lindex $args 1]
}
proc get_parts {args} { rec get_parts {*}$args; if {$::stub_parts} { return [lindex $args end] }; return {} }
proc get_board_parts {args} {
    rec get_board_parts {*}$args
    if {!$::stub_board_files} { return {} }
    set p [lindex $args end]
    set p [regsub {^\*:} $p "vendor.com:"]
    return [list [regsub {:\*$} $p ":1.0"]]
}
proc set_property {args} { rec set_property {*}$args; return {} }
proc current_fileset {args} { return sources_1 }
proc current_project {args} { return project_1 }
proc get_files {args} { rec get_files {*}$args; return [lindex $args end] }
proc get_runs {args} { return [lindex $args end] }
proc get_property {args} {
    set name [lindex $args 0]
    switch -- $name {
        PROGRESS { return "100%" }
        STATUS { return "write_bitstream Complete!" }
        STATS.WNS { return $::stub_wns }
        STATS.WHS { return 0.021 }
        DIRECTORY { return [file join $::stub_projdir [file tail $::stub_projdir].runs impl_1] }
    }
    error "stub get_property: unexpected $name"
}
proc get_ipdefs {args} {
    rec get_ipdefs {*}$args
    set filter [lindex $args end]
    if {![regexp {NAME == (\S+)} $filter -> name]} { error "stub get_ipdefs: no NAME in $filter" }
    return [list "vendor:lib:$name:1.0"]
}
proc create_bd_cell {args} { rec create_bd_cell {*}$args; return "/[lindex $args end]" }
proc get_bd_intf_pins {args} { rec get_bd_intf_pins {*}$args; return $args }
proc get_bd_pins {args} { rec get_bd_pins {*}$args; return [concat {*}$args] }
proc get_bd_addr_spaces {args} { return [lindex $args end] }
proc get_bd_addr_segs {args} { rec get_bd_addr_segs {*}$args; return "/seg_dma_reg" }
proc make_wrapper {args} {
    rec make_wrapper {*}$args
    return [file join $::stub_projdir spikeforge_bd_wrapper.v]
}
proc ipx::current_core {args} { return core }
proc ipx::get_bus_interfaces {args} {
    set n [lindex $args 0]
    if {$n in {s_axis m_axis ap_rst_n ap_clk}} { return $n }
    return {}
}
proc ipx::get_bus_parameters {args} { return {} }
proc ipx::add_bus_parameter {args} { rec ipx::add_bus_parameter {*}$args; return POLARITY }
proc ipx::get_file_groups {args} { return synth_group }
proc ipx::get_files {args} {
    set pattern [lindex $args end]
    set hits {}
    foreach f $::stub_files { if {[string match $pattern $f]} { lappend hits $f } }
    return $hits
}
proc ipx::add_file {args} { rec ipx::add_file {*}$args; return [lindex $args 0] }
rename unknown _tcl_unknown
proc unknown {args} { error "stub Vivado: unknown command [lindex $args 0]" }
"""


@dataclass
class Run:
    log: list[list[str]]
    error: str | None
    package: Path

    def calls(self, name: str) -> list[list[str]]:
        return [c[1:] for c in self.log if c[0] == name]

    def index(self, name: str) -> int:
        return next(i for i, c in enumerate(self.log) if c[0] == name)


def run_recipe(
    package: Path,
    *,
    wns: float = 0.1,
    board_files: bool = True,
    parts: bool = True,
    recipe: Path | None = None,
) -> Run:
    tcl = tkinter.Tcl()
    tcl.eval(STUB)
    tcl.eval(
        f"set ::stub_wns {wns}; set ::stub_board_files {int(board_files)}; set ::stub_parts {int(parts)}"
    )
    tcl.call("set", "::argv", [str(package)])
    error = None
    try:
        tcl.call("source", str(recipe or package / "build.tcl"))
    except tkinter.TclError as exc:
        error = str(exc)
    log = [list(tcl.splitlist(c)) for c in tcl.splitlist(tcl.eval("set ::sf_log"))]
    return Run(log, error, package)


@pytest.fixture(scope="module")
def model_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("model") / "m.npz"
    random_model([12, 9, 4], seed=5).save(path)
    return path


@pytest.fixture(scope="module")
def packages(model_file, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("packages")
    return {b: (package_model(model_file, b, root / b, lanes=2), root / b)[1] for b in BOARDS}


def _verilog_ports(package: Path) -> set[str]:
    manifest = json.loads((package / "ip" / "rtl" / "manifest.json").read_text())
    text = (package / "ip" / "rtl" / f"{manifest['top']}.v").read_text()
    header = text[text.index(f"module {manifest['top']}") : text.index(");")]
    return set(re.findall(r"(?:input|output)\s+wire\s+(?:\[[^\]]+\]\s*)?(\w+)", header))


# interface and pin names of the Xilinx cells (PG021 AXI DMA, axi_interconnect, proc_sys_reset)
DMA_PINS = {
    "S_AXI_LITE",
    "M_AXI_MM2S",
    "M_AXI_S2MM",
    "M_AXIS_MM2S",
    "S_AXIS_S2MM",
    "s_axi_lite_aclk",
    "m_axi_mm2s_aclk",
    "m_axi_s2mm_aclk",
    "axi_resetn",
}
IC_PINS = {
    "S00_AXI",
    "S01_AXI",
    "M00_AXI",
    "ACLK",
    "S00_ACLK",
    "S01_ACLK",
    "M00_ACLK",
    "ARESETN",
    "S00_ARESETN",
    "S01_ARESETN",
    "M00_ARESETN",
}
RST_PINS = {"slowest_sync_clk", "ext_reset_in", "interconnect_aresetn", "peripheral_aresetn"}


def test_every_board_has_a_recipe():
    assert deploy_boards() == sorted(BOARDS)


@pytest.mark.parametrize("board", BOARDS)
def test_recipe_builds_the_block_design(board, packages):
    package = packages[board]
    run = run_recipe(package)
    assert run.error is None, run.error
    info = deploy_board(board)
    ps = info.ps
    # part and board part
    projects = run.calls("create_project")
    assert len(projects) == 2 and all(p[-1] == info.part for p in projects)
    board_parts = [c[1] for c in run.calls("set_property") if c[0] == "board_part"]
    assert len(board_parts) == 1 and re.fullmatch(info.board_part.replace("*", ".*"), board_parts[0])
    connections = [c[1] for c in run.calls("set_property") if c[0] == "board_connections"]
    assert bool(connections) == (board == "kv260")
    # IP lookups are by name, never by a hard-coded version
    assert all("NAME ==" in c[-1] for c in run.calls("get_ipdefs"))
    cells = {c[-1]: c[c.index("-vlnv") + 1] for c in run.calls("create_bd_cell")}
    assert cells[info.ps_name] == f"vendor:lib:{ps['ps_ip']}:1.0"
    assert cells[CORE_NAME] == "vendor:lib:spikeforge_core:1.0"
    assert cells[DMA_NAME] == "vendor:lib:axi_dma:1.0"
    # DMA in simple mode, 32-bit streams and memory maps
    dma_dict = next(c[1] for c in run.calls("set_property") if c[0] == "-dict" and c[-1] == f"/{DMA_NAME}")
    dma = dict(zip(*[iter(tkinter.Tcl().splitlist(dma_dict))] * 2, strict=True))
    assert dma["CONFIG.c_include_sg"] == "0" and dma["CONFIG.c_sg_length_width"] == "26"
    for key in (
        "c_m_axi_mm2s_data_width",
        "c_m_axis_mm2s_tdata_width",
        "c_m_axi_s2mm_data_width",
        "c_s_axis_s2mm_tdata_width",
    ):
        assert dma[f"CONFIG.{key}"] == "32"
    # the simulated board's .hwh carries the same DMA configuration (recipe and driver cannot drift)
    for key, value in dma.items():
        assert DMA_PARAMETERS[key.removeprefix("CONFIG.")] == value
    hwh = hwh_text(info, 100.0)
    for cell in cells:
        assert f'INSTANCE="{cell}"' in hwh
    # board preset and the PS clock
    auto = run.calls("apply_bd_automation")
    assert auto and 'apply_board_preset "1"' in auto[0][auto[0].index("-config") + 1]
    if info.family == "zynq7":  # the PS7's DDR and fixed I/O must leave the block design
        assert 'make_external "FIXED_IO, DDR"' in auto[0][auto[0].index("-config") + 1]
    ps_props = [c for c in run.calls("set_property") if c[0] == "-dict" and c[-1] == f"/{info.ps_name}"]
    assert any(f"CONFIG.{ps['ps_clock_property']} 100" in c[1] for c in ps_props)

    # every pin the recipe names exists on its cell
    ports = _verilog_ports(package)
    pins = [
        p
        for c in run.calls("get_bd_pins") + run.calls("get_bd_intf_pins")
        for a in c
        for p in tkinter.Tcl().splitlist(a)
    ]
    known = {
        CORE_NAME: ports | {"s_axis", "m_axis"},
        DMA_NAME: DMA_PINS,
        "ctrl_interconnect": IC_PINS,
        "mem_interconnect": IC_PINS,
        "rst_pl": RST_PINS,
        info.ps_name: {
            ps["ps_master"],
            ps["ps_slave"],
            ps["ps_master_clk"],
            ps["ps_slave_clk"],
            ps["ps_clk"],
            ps["ps_resetn"],
        },
    }
    for pin in pins:
        cell, name = pin.split("/")
        assert name in known[cell], f"{board}: {pin} is not a pin of {cell}"
    for iface in ("s_axis", "m_axis"):  # AXI4-Stream inference needs these ports on the top
        assert {f"{iface}_tdata", f"{iface}_tvalid", f"{iface}_tready", f"{iface}_tlast"} <= ports
    assert {"ap_clk", "ap_rst_n"} <= ports

    # clocks and resets: every clock pin on the PS clock net, every reset on the reset block
    nets = [[p for a in c for p in tkinter.Tcl().splitlist(a)] for c in run.calls("connect_bd_net")]
    clock_net = next(n for n in nets if n[0] == f"{info.ps_name}/{ps['ps_clk']}")
    assert {
        f"{CORE_NAME}/ap_clk",
        f"{DMA_NAME}/s_axi_lite_aclk",
        f"{DMA_NAME}/m_axi_mm2s_aclk",
        f"{DMA_NAME}/m_axi_s2mm_aclk",
        f"{info.ps_name}/{ps['ps_master_clk']}",
        f"{info.ps_name}/{ps['ps_slave_clk']}",
        "rst_pl/slowest_sync_clk",
    } <= set(clock_net)
    assert all(
        f"{ic}/{p}" in clock_net
        for ic in ("ctrl_interconnect", "mem_interconnect")
        for p in ("ACLK", "S00_ACLK", "M00_ACLK")
    )
    resets = next(n for n in nets if n[0] == "rst_pl/peripheral_aresetn")
    assert {f"{CORE_NAME}/ap_rst_n", f"{DMA_NAME}/axi_resetn"} <= set(resets)
    assert [f"{info.ps_name}/{ps['ps_resetn']}", "rst_pl/ext_reset_in"] in nets
    intf = [[p for a in c for p in tkinter.Tcl().splitlist(a)] for c in run.calls("connect_bd_intf_net")]
    assert [f"{DMA_NAME}/M_AXIS_MM2S", f"{CORE_NAME}/s_axis"] in intf
    assert [f"{CORE_NAME}/m_axis", f"{DMA_NAME}/S_AXIS_S2MM"] in intf
    assert [f"{info.ps_name}/{ps['ps_master']}", "ctrl_interconnect/S00_AXI"] in intf
    assert ["mem_interconnect/M00_AXI", f"{info.ps_name}/{ps['ps_slave']}"] in intf

    # every memory image goes into the IP (added, typed as memory files)
    manifest = json.loads((package / "ip" / "rtl" / "manifest.json").read_text())
    added = {Path(f).name for c in run.calls("add_files") for f in tkinter.Tcl().splitlist(c[-1])}
    assert set(manifest["memory_images"]) <= added and set(manifest["sources"]) <= added
    assert all((package / "ip" / "rtl" / m).is_file() for m in manifest["memory_images"])
    typed = [c for c in run.calls("set_property") if c[:2] == ["type", "mem"]]
    assert len(typed) == len(manifest["memory_images"])
    # order: addresses, validation, wrapper, implementation
    assert run.index("assign_bd_address") < run.index("validate_bd_design") < run.index("make_wrapper")
    assert run.index("make_wrapper") < run.index("launch_runs")
    # outputs copied beside spikeforge.json, with the same fields the simulated board writes
    out = package / "output"
    assert (out / "spikeforge.bit").is_file() and (out / "spikeforge.hwh").is_file()
    written = json.loads((out / "spikeforge.json").read_text())
    expected = overlay_json(
        info,
        model_sha256=manifest["model_sha256"],
        n_inputs=12,
        n_outputs=4,
        backend="rtl",
        clock_requested=100,
        clock_achieved=written["clock_mhz_achieved"],
        wns_ns=0.1,
    )
    assert written == expected
    assert written["clock_mhz_achieved"] == pytest.approx(1000 / (10 - 0.1), abs=1e-3)


def test_timing_failure_fails_loudly(packages):
    shutil.rmtree(packages["pynq-z2"] / "output", ignore_errors=True)
    run = run_recipe(packages["pynq-z2"], wns=-0.25)
    assert run.error is not None and "timing not met at 100 MHz (WNS -0.25 ns" in run.error
    assert not (packages["pynq-z2"] / "output" / "spikeforge.bit").exists()


def test_missing_board_files_fail_early_and_say_where(packages):
    run = run_recipe(packages["ultra96-v2"], board_files=False)
    assert "board files for ultra96-v2" in run.error and "github.com/Avnet/bdf" in run.error
    assert not run.calls("create_project")  # before anything slow
    run = run_recipe(packages["zcu102"], parts=False)
    assert "no device support for xczu9eg-ffvb1156-2-e" in run.error


def test_broken_recipes_are_caught(packages, tmp_path):
    package = packages["pynq-z2"]
    recipe = (package / "build.tcl").read_text()
    # a misspelt Vivado command: the stub's unknown fails the run
    bad = tmp_path / "typo.tcl"
    bad.write_text(recipe.replace("validate_bd_design\n", "validate_bd_desing\n"))
    run = run_recipe(package, recipe=bad)
    assert run.error == "stub Vivado: unknown command validate_bd_desing"
    # a misspelt port: the run completes, the pin check finds it
    bad.write_text(recipe.replace("$sf_core_name/s_axis]", "$sf_core_name/s_axi]"))
    run = run_recipe(package, recipe=bad)
    pins = {p for c in run.calls("get_bd_intf_pins") for a in c for p in tkinter.Tcl().splitlist(a)}
    assert f"{CORE_NAME}/s_axi" in pins and f"{CORE_NAME}/s_axi" not in {
        f"{CORE_NAME}/{p}" for p in _verilog_ports(package) | {"s_axis", "m_axis"}
    }
    # the wrapper before validation: the order check would fail
    bad.write_text(
        recipe.replace("validate_bd_design\nsave_bd_design\n", "save_bd_design\n").replace(
            "add_files -norecurse $sf_wrapper\n", "add_files -norecurse $sf_wrapper\nvalidate_bd_design\n"
        )
    )
    run = run_recipe(package, recipe=bad)
    assert run.index("validate_bd_design") > run.index("make_wrapper")


def test_hls_ip_folder(model_file, tmp_path):
    ip = tmp_path / "hls_ip"
    ip.mkdir()
    (ip / "component.xml").write_text(
        '<?xml version="1.0"?><spirit:component xmlns:spirit="http://www.spiritconsortium.org/XMLSchema/'
        'SPIRIT/1685-2009"><spirit:vendor>xilinx.com</spirit:vendor><spirit:library>hls</spirit:library>'
        "<spirit:name>spikeforge_hls_axis</spirit:name><spirit:version>1.0</spirit:version>"
        "</spirit:component>"
    )
    package = tmp_path / "pkg"
    package_model(model_file, "zcu104", package, backend="hls", hls_ip=ip)
    run = run_recipe(package)
    assert run.error is None, run.error
    cells = {c[-1]: c[c.index("-vlnv") + 1] for c in run.calls("create_bd_cell")}
    assert cells[CORE_NAME] == "vendor:lib:spikeforge_hls_axis:1.0"
    assert not run.calls("ipx::package_project")
    repo = [c for c in run.calls("set_property") if c[0] == "ip_repo_paths"]
    assert repo and repo[0][1] == str(package / "ip" / "hls")
    (package / "ip" / "hls" / "component.xml").unlink()
    run = run_recipe(package)
    assert "holds no component.xml" in run.error


def test_recipe_is_the_packaged_one(packages):
    assert (packages["kv260"] / "build.tcl").read_text() == packaged("bitstreams", "build.tcl").read_text()
