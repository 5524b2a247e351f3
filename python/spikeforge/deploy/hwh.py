"""The hardware handoff (.hwh) of the block design build.tcl makes, written from the same board facts
(bitstreams/boards.json) and cell names, plus a stand-in .bit file: what the simulated board loads
through the unmodified pynq.Overlay."""

from __future__ import annotations

import struct
import xml.etree.ElementTree as ET

from spikeforge.deploy.boards import BD_NAME, CORE_NAME, DMA_NAME, DeployBoard

DMA_VLNV = "xilinx.com:ip:axi_dma:7.1"
CORE_VLNV = "spikeforge.org:spikeforge:spikeforge_core:1.0"
REG_RANGE = 0x10000

# the AXI DMA configuration build.tcl sets (PG021 simple mode, 32-bit streams and memory maps)
DMA_PARAMETERS = {
    "c_include_sg": "0",
    "c_sg_length_width": "26",
    "c_include_mm2s": "1",
    "c_include_s2mm": "1",
    "c_m_axi_mm2s_data_width": "32",
    "c_m_axis_mm2s_tdata_width": "32",
    "c_m_axi_s2mm_data_width": "32",
    "c_s_axis_s2mm_tdata_width": "32",
    "c_include_mm2s_dre": "0",
    "c_include_s2mm_dre": "0",
    "c_mm2s_burst_size": "16",
    "c_s2mm_burst_size": "16",
    "c_micro_dma": "0",
}


def _io_pll_mhz(board: DeployBoard) -> float:
    """The IO PLL the PL clocks divide: 1000 MHz on Zynq-7000, 1500 MHz on Zynq UltraScale+."""
    return 1000.0 if board.family == "zynq7" else 1500.0


def _pl_divisor(board: DeployBoard, clock_mhz: float) -> int:
    """The PS's divider of the IO PLL for PL clock 0 (divisor1 is 1)."""
    return max(1, round(_io_pll_mhz(board) / clock_mhz))


def achieved_clock(board: DeployBoard, clock_mhz: float) -> float:
    """The PL clock the PS generates for a request (integer divider of the IO PLL, as in the .hwh)."""
    return _io_pll_mhz(board) / _pl_divisor(board, clock_mhz)


def _ps_parameters(board: DeployBoard, clock_mhz: float) -> dict[str, str]:
    """The processing system's clock parameters as Vivado records them (PL clock 0 only)."""
    params = {k: str(v) for k, v in board.ps["ps_config"].items()}
    div0 = _pl_divisor(board, clock_mhz)
    achieved = f"{achieved_clock(board, clock_mhz):.6f}"
    if board.family == "zynq7":
        for i in range(4):
            on = "1" if i == 0 else "0"
            params[f"PCW_FPGA_FCLK{i}_ENABLE"] = on
            params[f"PCW_EN_CLK{i}_PORT"] = on
            params[f"PCW_FPGA{i}_PERIPHERAL_FREQMHZ"] = f"{clock_mhz:g}" if i == 0 else "50"
            params[f"PCW_ACT_FPGA{i}_PERIPHERAL_FREQMHZ"] = achieved if i == 0 else "10.000000"
            params[f"PCW_FCLK{i}_PERIPHERAL_DIVISOR0"] = str(div0) if i == 0 else "1"
            params[f"PCW_FCLK{i}_PERIPHERAL_DIVISOR1"] = "1"
            params[f"PCW_FCLK{i}_PERIPHERAL_CLKSRC"] = "IO PLL"
    else:
        for i in range(4):
            on = "1" if i == 0 else "0"
            params[f"PSU__FPGA_PL{i}_ENABLE"] = on
            params[f"PSU__CRL_APB__PL{i}_REF_CTRL__FREQMHZ"] = f"{clock_mhz:g}" if i == 0 else "100"
            params[f"PSU__CRL_APB__PL{i}_REF_CTRL__ACT_FREQMHZ"] = achieved if i == 0 else "100.000000"
            params[f"PSU__CRL_APB__PL{i}_REF_CTRL__DIVISOR0"] = str(div0) if i == 0 else "15"
            params[f"PSU__CRL_APB__PL{i}_REF_CTRL__DIVISOR1"] = "1"
            params[f"PSU__CRL_APB__PL{i}_REF_CTRL__SRCSEL"] = "IOPLL"
    return params


def _module(parent: ET.Element, instance: str, modtype: str, vlnv: str, **attrs: str) -> ET.Element:
    return ET.SubElement(
        parent,
        "MODULE",
        FULLNAME=f"/{instance}",
        INSTANCE=instance,
        MODTYPE=modtype,
        VLNV=vlnv,
        HWVERSION=vlnv.rsplit(":", 1)[1],
        IPTYPE=attrs.pop("IPTYPE", "PERIPHERAL"),
        MODCLASS=attrs.pop("MODCLASS", "PERIPHERAL"),
        IS_ENABLE="1",
        **attrs,
    )


def _parameters(module: ET.Element, params: dict[str, str]) -> None:
    node = ET.SubElement(module, "PARAMETERS")
    for name, value in params.items():
        ET.SubElement(node, "PARAMETER", NAME=name, VALUE=value)


def _ports(module: ET.Element, ports: list[tuple[str, str, str, str]]) -> None:
    """(name, dir, sigis, net) per port."""
    node = ET.SubElement(module, "PORTS")
    for name, direction, sigis, net in ports:
        ET.SubElement(node, "PORT", DIR=direction, NAME=name, SIGIS=sigis, SIGNAME=net)


def _bus(node: ET.Element, name: str, bus: str, kind: str, vlnv: str, width: str | None = None) -> None:
    attrs = {"BUSNAME": bus, "NAME": name, "TYPE": kind, "VLNV": vlnv}
    if width is not None:
        attrs["DATAWIDTH"] = width
    ET.SubElement(node, "BUSINTERFACE", **attrs)


def hwh_text(board: DeployBoard, clock_mhz: float, *, core_vlnv: str = CORE_VLNV) -> str:
    """The .hwh of the spikeforge block design on ``board`` with PL clock 0 at ``clock_mhz``."""
    ps = board.ps
    ps_name = board.ps_name
    aximm, axis = "xilinx.com:interface:aximm:1.0", "xilinx.com:interface:axis:1.0"
    clk_net, rst_net = f"{ps_name}_{ps['ps_clk']}", "rst_pl_peripheral_aresetn"
    part = board.part.lower()
    arch = "zynq" if board.family == "zynq7" else "zynquplus"
    device, package, speed = (
        (part[2:8], part[8:14], part[14:])
        if arch == "zynq"
        else (part.split("-")[0][2:], part.split("-")[1], "-" + "-".join(part.split("-")[2:]))
    )
    root = ET.Element("EDKSYSTEM", EDWVERSION="1.2", TIMESTAMP="spikeforge", VIVADOVERSION="spikeforge")
    ET.SubElement(
        root, "SYSTEMINFO", ARCH=arch, DEVICE=device, NAME=BD_NAME, PACKAGE=package, SPEEDGRADE=speed
    )
    ET.SubElement(root, "EXTERNALPORTS")
    ET.SubElement(root, "EXTERNALINTERFACES")
    modules = ET.SubElement(root, "MODULES")

    dma = _module(modules, DMA_NAME, "axi_dma", DMA_VLNV)
    _parameters(dma, DMA_PARAMETERS)
    _ports(
        dma,
        [
            ("s_axi_lite_aclk", "I", "clk", clk_net),
            ("m_axi_mm2s_aclk", "I", "clk", clk_net),
            ("m_axi_s2mm_aclk", "I", "clk", clk_net),
            ("axi_resetn", "I", "rst", rst_net),
        ],
    )
    buses = ET.SubElement(dma, "BUSINTERFACES")
    _bus(buses, "S_AXI_LITE", "ctrl_interconnect_M00_AXI", "SLAVE", aximm, "32")
    _bus(buses, "M_AXI_MM2S", f"{DMA_NAME}_M_AXI_MM2S", "MASTER", aximm, "32")
    _bus(buses, "M_AXI_S2MM", f"{DMA_NAME}_M_AXI_S2MM", "MASTER", aximm, "32")
    _bus(buses, "M_AXIS_MM2S", f"{DMA_NAME}_M_AXIS_MM2S", "INITIATOR", axis)
    _bus(buses, "S_AXIS_S2MM", f"{CORE_NAME}_m_axis", "TARGET", axis)
    memmap = ET.SubElement(dma, "MEMORYMAP")
    high = int(ps["ddr_base"], 16) + int(ps["memory_size"], 16) - 1
    for master in ("M_AXI_MM2S", "M_AXI_S2MM"):
        ET.SubElement(
            memmap,
            "MEMRANGE",
            ADDRESSBLOCK=ps["ps_slave_segment"],
            BASENAME="C_BASEADDR",
            BASEVALUE=ps["ddr_base"],
            HIGHNAME="C_HIGHADDR",
            HIGHVALUE=f"0x{high:08X}",
            INSTANCE=ps_name,
            IS_DATA="TRUE",
            IS_INSTRUCTION="TRUE",
            MASTERBUSINTERFACE=master,
            MEMTYPE="MEMORY",
            SLAVEBUSINTERFACE=ps["ps_slave"],
        )

    core = _module(modules, CORE_NAME, core_vlnv.split(":")[2], core_vlnv)
    _ports(core, [("ap_clk", "I", "clk", clk_net), ("ap_rst_n", "I", "rst", rst_net)])
    buses = ET.SubElement(core, "BUSINTERFACES")
    _bus(buses, "s_axis", f"{DMA_NAME}_M_AXIS_MM2S", "SLAVE", axis)
    _bus(buses, "m_axis", f"{CORE_NAME}_m_axis", "MASTER", axis)

    for name, n_si in (("ctrl_interconnect", 1), ("mem_interconnect", 2)):
        ic = _module(
            modules,
            name,
            "axi_interconnect",
            "xilinx.com:ip:axi_interconnect:2.1",
            IPTYPE="BUS",
            MODCLASS="BUS",
        )
        _parameters(ic, {"NUM_SI": str(n_si), "NUM_MI": "1"})
    rst = _module(modules, "rst_pl", "proc_sys_reset", "xilinx.com:ip:proc_sys_reset:5.0")
    _ports(rst, [("slowest_sync_clk", "I", "clk", clk_net), ("peripheral_aresetn", "O", "rst", rst_net)])

    vlnv = f"xilinx.com:ip:{ps['ps_ip']}:{ps['vlnv_version']}"
    psm = _module(modules, ps_name, ps["ps_ip"], vlnv, IS_PL="FALSE", CONFIGURABLE="TRUE")
    _parameters(psm, _ps_parameters(board, clock_mhz))
    _ports(
        psm,
        [(ps["ps_clk"], "O", "clk", clk_net), (ps["ps_resetn"], "O", "rst", f"{ps_name}_{ps['ps_resetn']}")],
    )
    buses = ET.SubElement(psm, "BUSINTERFACES")
    _bus(buses, ps["ps_master"], f"{ps_name}_{ps['ps_master']}", "MASTER", aximm, "32")
    _bus(buses, ps["ps_slave"], "mem_interconnect_M00_AXI", "SLAVE", aximm, "64")
    memmap = ET.SubElement(psm, "MEMORYMAP")
    base = int(ps["control_base"], 16)
    ET.SubElement(
        memmap,
        "MEMRANGE",
        ADDRESSBLOCK="Reg",
        BASENAME="C_BASEADDR",
        BASEVALUE=f"0x{base:08X}",
        HIGHNAME="C_HIGHADDR",
        HIGHVALUE=f"0x{base + REG_RANGE - 1:08X}",
        INSTANCE=DMA_NAME,
        IS_DATA="TRUE",
        IS_INSTRUCTION="TRUE",
        MASTERBUSINTERFACE=ps["ps_master"],
        MEMTYPE="REGISTER",
        SLAVEBUSINTERFACE="S_AXI_LITE",
    )
    ET.indent(root)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>\n'
        + ET.tostring(root, encoding="unicode")
        + "\n"
    )


def stand_in_bitfile(part: str, design: str = BD_NAME) -> bytes:
    """A .bit file with a valid header and 64 bytes of zero configuration data (never a real design)."""

    def field(tag: int, text: str) -> bytes:
        data = text.encode("ascii") + b"\0"
        return bytes([tag]) + struct.pack(">h", len(data)) + data

    head = struct.pack(">h", 9) + bytes.fromhex("0ff00ff00ff00ff000") + struct.pack(">h", 1)
    body = b"".join(
        [
            field(0x61, f"{design};UserID=0XFFFFFFFF;Version=spikeforge-sim"),
            field(0x62, part),
            field(0x63, "2026/01/01"),
            field(0x64, "00:00:00"),
        ]
    )
    data = bytes(64)
    return head + body + b"\x65" + struct.pack(">i", len(data)) + data
