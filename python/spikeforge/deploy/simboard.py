"""A simulated Zynq board that the unmodified pynq classes (Overlay, DMA, allocate) drive.

``SimulatedBoard`` is a ``pynq.Device`` with register access (REGISTER_RW): an AXI DMA register model
(PG021 simple mode, with its error bits), the PS clock registers pynq's ``Clocks`` reads and writes,
and a memory with separate host and device copies (a missing flush or invalidate shows as on the
board). The core behind the DMA is the golden simulator (``GoldenCore``) or the generated Verilog
core in Verilator through cocotb (``RtlCore``). A watchdog turns a hung core into one error.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pynq
from pynq.buffer import PynqBuffer

from spikeforge.errors import SpikeforgeError, StreamFormatError
from spikeforge.hw import golden
from spikeforge.hw.events import Stream, decode_spikes, encode_readout, packet_ends
from spikeforge.hw.model import HardwareModel

# PG021 register offsets (simple mode) and status bits
MM2S, S2MM = 0x00, 0x30
CR, SR, ADDR, ADDR_MSB = 0x00, 0x04, 0x18, 0x1C
LENGTH = {MM2S: 0x28, S2MM: 0x58}
HALTED, IDLE, INT_ERR, SLV_ERR, DEC_ERR, IOC_IRQ, ERR_IRQ = 0x1, 0x2, 0x10, 0x20, 0x40, 0x1000, 0x4000
RUN, SOFT_RESET = 0x1, 0x4
GARBAGE = 0xA5  # what device memory holds before anything is flushed into it


class SimulatedHang(SpikeforgeError):
    """The simulated core produced no output packet in time (a real board would wait forever)."""


class BadAddress(Exception):
    """A DMA access outside every allocated buffer (the DMA's decode error)."""


# ---------------------------------------------------------------------------------- cores
class GoldenCore:
    """The SPEC core as the golden simulator: every complete sample of a packet -> its readouts."""

    cycles_per_sample: list[int]

    def __init__(self, model: HardwareModel) -> None:
        self.model = model
        self.cycles_per_sample = []

    def reset(self) -> None:
        pass

    def packet(self, words: np.ndarray) -> Stream:
        """Output stream for one input packet (TLAST on its last word, as the DMA sends it)."""
        last = np.zeros(words.size, dtype=bool)
        last[-1] = True
        try:
            decoded = decode_spikes(Stream(words, last), self.model.n_inputs)
        except StreamFormatError as exc:
            raise SpikeforgeError(f"the simulated core received a malformed input packet: {exc}") from None
        if not decoded.samples:
            return Stream(np.zeros(0, np.uint32), np.zeros(0, bool))
        lengths = {s.shape[0] for s in decoded.samples}
        if len(lengths) == 1:
            readout = golden.run(self.model, decoded.stack()).readout
        else:
            readout = np.concatenate([golden.run(self.model, s[None]).readout for s in decoded.samples])
        return encode_readout(readout, decoded.closes_packet)


class RtlCore:
    """The generated Verilog core of a design folder, built once with Verilator, one run per packet."""

    def __init__(self, design_dir: str | Path, n_outputs: int, *, work_dir: str | Path | None = None) -> None:
        from spikeforge.rtl.runner import build

        self._tmp = None if work_dir is not None else tempfile.TemporaryDirectory(prefix="spikeforge-board-")
        self.work = Path(work_dir if work_dir is not None else self._tmp.name)
        self.design = self.work / "design"
        if not self.design.exists():
            shutil.copytree(design_dir, self.design)
        self.build_dir = self.work / "build"
        if not (self.build_dir / "sf_top.txt").is_file():
            build(self.design, self.build_dir)
        self.n_outputs = n_outputs
        self.cycles_per_sample: list[int] = []

    def reset(self) -> None:
        pass

    def packet(self, words: np.ndarray) -> Stream:
        from spikeforge.rtl.runner import SimCase, run

        last = np.zeros(words.size, dtype=bool)
        last[-1] = True
        sent = Stream(words.astype(np.uint32), last)
        (result,) = run(self.build_dir, [SimCase.from_stream(self.design, sent, self.n_outputs)])
        ends = np.array(result.end_cycles, dtype=np.int64)
        self.cycles_per_sample += np.diff(np.concatenate(([result.start_cycle - 1], ends))).tolist()
        return encode_readout(result.readout, packet_ends(sent))

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()


# ---------------------------------------------------------------------------------- memory
@dataclass
class _Allocation:
    address: int
    host: np.ndarray  # uint8: what the CPU sees (through its caches)
    device: np.ndarray  # uint8: DDR as the DMA sees it


class SimulatedMemory:
    """DDR with a host copy and a device copy per buffer: flush copies host -> device, invalidate back."""

    def __init__(self, base: int, size: int) -> None:
        self.base, self.size = base, size
        self.next = base + 0x0100_0000
        self.buffers: dict[int, _Allocation] = {}

    def allocate(self, nbytes: int) -> tuple[int, _Allocation]:
        nbytes = max(nbytes, 1)
        address = self.next
        if address + nbytes > self.base + self.size:
            raise MemoryError("the simulated board's DDR is full")
        self.next = (address + nbytes + 0xFFF) & ~0xFFF
        alloc = _Allocation(address, np.zeros(nbytes, np.uint8), np.full(nbytes, GARBAGE, np.uint8))
        self.buffers[address] = alloc
        return address, alloc

    def _find(self, address: int, nbytes: int) -> tuple[_Allocation, int]:
        for alloc in self.buffers.values():
            start = address - alloc.address
            if start >= 0 and start + nbytes <= alloc.device.size:
                return alloc, start
        raise BadAddress(f"0x{address:x}+{nbytes}")

    def dma_read(self, address: int, nbytes: int) -> np.ndarray:
        alloc, start = self._find(address, nbytes)
        return alloc.device[start : start + nbytes].copy()

    def dma_write(self, address: int, data: np.ndarray) -> None:
        alloc, start = self._find(address, data.size)
        alloc.device[start : start + data.size] = data

    def check(self, address: int, nbytes: int) -> None:
        self._find(address, nbytes)


# ---------------------------------------------------------------------------------- DMA
@dataclass
class _Channel:
    cr: int = 0
    sr: int = HALTED
    addr: int = 0
    length: int = 0
    armed: bool = False
    armed_at: float = 0.0


@dataclass
class DmaModel:
    """AXI DMA (PG021) in simple mode: MM2S sends a buffer as one packet, S2MM receives one packet."""

    memory: SimulatedMemory
    core: GoldenCore | RtlCore
    watchdog_s: float = 30.0
    channels: dict[int, _Channel] = field(default_factory=lambda: {MM2S: _Channel(), S2MM: _Channel()})
    outputs: list[Stream] = field(default_factory=list)  # output packets not yet received
    packets_in: int = 0

    def read(self, offset: int) -> int:
        base = S2MM if offset >= S2MM else MM2S
        ch, reg = self.channels[base], offset - base
        if reg == CR:
            return ch.cr
        if reg == SR:
            if base == S2MM and ch.armed and time.monotonic() - ch.armed_at > self.watchdog_s:
                ch.armed = False
                raise SimulatedHang(
                    f"the core sent no complete output packet within {self.watchdog_s:g} s of the receive "
                    "transfer (on a board the DMA would wait forever)"
                )
            return ch.sr
        if reg == ADDR:
            return ch.addr & 0xFFFF_FFFF
        if reg == ADDR_MSB:
            return ch.addr >> 32
        if offset == LENGTH[base]:
            return ch.length
        return 0

    def write(self, offset: int, value: int) -> None:
        base = S2MM if offset >= S2MM else MM2S
        ch, reg = self.channels[base], offset - base
        if reg == CR:
            if value & SOFT_RESET:
                for c in self.channels.values():
                    c.__init__()
                self.outputs.clear()
                return
            ch.cr = value
            ch.sr = (ch.sr & ~HALTED) if value & RUN else (ch.sr | HALTED)
        elif reg == SR:
            ch.sr &= ~(value & (IOC_IRQ | ERR_IRQ | 0x2000))  # write 1 to clear the interrupt bits
        elif reg == ADDR:
            ch.addr = (ch.addr & ~0xFFFF_FFFF) | value
        elif reg == ADDR_MSB:
            ch.addr = (ch.addr & 0xFFFF_FFFF) | (value << 32)
        elif offset == LENGTH[base]:
            self._start(base, ch, value)

    def _error(self, ch: _Channel, bit: int) -> None:
        ch.sr |= bit | ERR_IRQ | HALTED
        ch.sr &= ~IDLE
        ch.cr &= ~RUN
        ch.armed = False

    def _start(self, base: int, ch: _Channel, nbytes: int) -> None:
        if ch.sr & HALTED:
            return  # a halted channel ignores LENGTH writes
        ch.length = nbytes
        if nbytes == 0:
            self._error(ch, INT_ERR)
            return
        try:
            self.memory.check(ch.addr, nbytes)
        except BadAddress:
            self._error(ch, DEC_ERR)
            return
        ch.sr &= ~IDLE
        if base == MM2S:
            data = self.memory.dma_read(ch.addr, nbytes)
            words = np.frombuffer(data[: nbytes - nbytes % 4].tobytes(), dtype="<u4").astype(np.uint32)
            if words.size:
                self.packets_in += 1
                out = self.core.packet(words)
                if len(out):
                    self._split_packets(out)
            ch.sr |= IDLE | IOC_IRQ
        else:
            ch.armed, ch.armed_at = True, time.monotonic()
        self._deliver()

    def _split_packets(self, out: Stream) -> None:
        ends = np.flatnonzero(out.last)
        start = 0
        for end in ends:
            self.outputs.append(Stream(out.words[start : end + 1], out.last[start : end + 1]))
            start = end + 1
        if start != len(out):
            raise RuntimeError("the simulated core's output ended without TLAST")

    def _deliver(self) -> None:
        ch = self.channels[S2MM]
        if not ch.armed or not self.outputs:
            return
        packet = self.outputs.pop(0)
        data = np.frombuffer(packet.words.astype("<u4").tobytes(), dtype=np.uint8)
        if data.size > ch.length:
            self.memory.dma_write(ch.addr, data[: ch.length])
            self._error(ch, INT_ERR)  # packet longer than the receive buffer
            return
        self.memory.dma_write(ch.addr, data)
        ch.length = int(data.size)
        ch.armed = False
        ch.sr |= IDLE | IOC_IRQ


# ---------------------------------------------------------------------------------- the device
_ZYNQ_SLCR = 0xF800_0000
_ZU_CRL, _ZU_CRF = 0xFF5E_0000, 0xFD1A_0000


def _clock_registers(arch: str) -> dict[int, int]:
    """PS clock registers as a PYNQ image leaves them: PLL 1000 MHz (Zynq) / 1500 MHz (ZU+), PL0 100 MHz."""
    if arch == "armv7l":
        return {
            _ZYNQ_SLCR + 0x100: 40 << 12,  # ARM PLL: 50 MHz x 40
            _ZYNQ_SLCR + 0x104: 32 << 12,  # DDR PLL
            _ZYNQ_SLCR + 0x108: 20 << 12,  # IO PLL: 50 MHz x 20 = 1000 MHz
            _ZYNQ_SLCR + 0x120: (2 << 8),  # ARM clock
            **{_ZYNQ_SLCR + 0x170 + 0x10 * i: (1 << 20) | (10 << 8) for i in range(4)},
        }
    return {
        _ZU_CRL + 0x20: (1 << 16) | (90 << 8),  # IOPLL: 33.333 MHz x 90 / 2
        _ZU_CRL + 0x30: (1 << 16) | (72 << 8),  # RPLL
        _ZU_CRF + 0x20: (1 << 16) | (72 << 8),  # APLL
        _ZU_CRF + 0x2C: (1 << 16) | (64 << 8),  # DPLL
        _ZU_CRF + 0x38: (1 << 16) | (64 << 8),  # VPLL
        _ZU_CRF + 0x60: (1 << 8),  # ACPU
        **{_ZU_CRL + 0xC0 + 4 * i: (1 << 24) | (1 << 16) | (15 << 8) for i in range(4)},
    }


class SimulatedBoard(pynq.Device):
    """A pynq.Device for a board family ("armv7l" Zynq-7000 or "aarch64" Zynq UltraScale+)."""

    def __init__(
        self,
        core: GoldenCore | RtlCore,
        *,
        arch: str = "armv7l",
        ddr_base: int = 0,
        ddr_size: int = 0x2000_0000,
        watchdog_s: float = 30.0,
        tag: str = "spikeforge_sim",
    ) -> None:
        super().__init__(tag)
        self.name = tag
        self.arch = arch
        self.capabilities = {"REGISTER_RW": True}
        self.core = core
        self.memory = SimulatedMemory(ddr_base, ddr_size)
        self.watchdog_s = watchdog_s
        self.registers = _clock_registers(arch)
        self.dmas: dict[int, DmaModel] = {}
        self.downloads = 0
        self.flushes = 0
        self.invalidates = 0
        self._forget_clocks()

    def _forget_clocks(self) -> None:
        """pynq's Clocks caches its register view on the class: drop it so this board's is used."""
        from pynq.ps import Clocks

        with contextlib.suppress(AttributeError):
            del Clocks._real_instance
        Clocks.device = self

    # -- metadata and download (what pynq.Overlay calls)
    def get_bitfile_metadata(self, bitfile_name: str):
        """The .hwh beside the bitstream through pynq's own metadata parser (as on a board, minus the
        XRT xclbin that needs Xilinx's xclbinutil)."""
        from pynqmetadata.frontends import Metadata
        from pynqmetadata.views.runtime import RuntimeMetadataParser

        hwh = Path(bitfile_name).with_suffix(".hwh")
        if not hwh.is_file():
            raise SpikeforgeError(f"{bitfile_name}: no .hwh file beside the bitstream")
        parser = RuntimeMetadataParser(Metadata(input=hwh))
        parser.refresh_hierarchy_dict()
        return parser

    def download(self, bitstream, parser=None) -> None:
        self.downloads += 1
        self._forget_clocks()
        self.dmas = {}
        for ip in (parser.ip_dict if parser is not None else {}).values():
            if str(ip.get("type", "")).startswith("xilinx.com:ip:axi_dma:"):
                self.dmas[int(ip["phys_addr"])] = DmaModel(self.memory, self.core, self.watchdog_s)
        self.core.reset()
        self.post_download(bitstream, parser, self.name)

    # -- registers
    def _dma_at(self, address: int) -> tuple[DmaModel, int] | None:
        for base, dma in self.dmas.items():
            if base <= address < base + 0x10000:
                return dma, address - base
        return None

    def read_registers(self, address: int, length: int) -> bytes:
        out = bytearray()
        for a in range(address, address + length, 4):
            hit = self._dma_at(a)
            value = hit[0].read(hit[1]) if hit else self.registers.get(a, 0)
            out += int(value & 0xFFFF_FFFF).to_bytes(4, "little")
        return bytes(out[:length])

    def write_registers(self, address: int, data: bytes) -> None:
        data = bytes(data) + bytes(-len(data) % 4)
        for i in range(0, len(data), 4):
            value = int.from_bytes(data[i : i + 4], "little")
            hit = self._dma_at(address + i)
            if hit:
                hit[0].write(hit[1], value)
            else:
                self.registers[address + i] = value

    # -- memory (what pynq.allocate and PynqBuffer call)
    def allocate(self, shape, dtype, **kwargs):
        dtype = np.dtype(dtype)
        nbytes = int(np.prod(shape)) * dtype.itemsize
        address, alloc = self.memory.allocate(nbytes)
        return PynqBuffer(
            shape,
            dtype,
            buffer=alloc.host.data,
            device=self,
            device_address=address,
            bo=address,
            coherent=False,
        )

    def flush(self, bo: int, offset: int, vaddr: int, nbytes: int) -> None:
        self.flushes += 1
        alloc = self.memory.buffers[bo]
        alloc.device[offset : offset + nbytes] = alloc.host[offset : offset + nbytes]

    def invalidate(self, bo: int, offset: int, vaddr: int, nbytes: int) -> None:
        self.invalidates += 1
        alloc = self.memory.buffers[bo]
        alloc.host[offset : offset + nbytes] = alloc.device[offset : offset + nbytes]
