"""How Yosys `synth_xilinx -family xc7` maps an inferred memory: block RAM, LUT RAM or soft logic.

This re-implements the cost model of Yosys' memory_libmap pass (passes/memory/memory_libmap.cc) for the
memories the RTL core infers: one synchronous read port, and either no write port (a $readmemh ROM)
or one write port on its own address (simple dual port). The RAM library is Yosys' own
(share/xilinx/brams_xc4v.txt with HAS_SIZE_36 and HAS_CASCADE, lutrams_xc5v.txt), and synth_xilinx
lowers memories to soft logic at 1/64 per ROM bit and 1 per RAM bit. Candidates, per geometry:

* cost = (cost - widthscale) * repl + widthscale * mult_a * W // unit + 0.5 * mux + 0.5 * demux + 2 * emu
* repl = ceil(mult_a * S / unit), S = W padded to the write granularity,
  mult_a = ceil(D / depth of the geometry)

and the cheapest wins, soft logic on ties (its cost is truncated to an integer first). RAMB36 = 2 BRAM18;
every xc7 LUT RAM primitive these map to (RAM32M, RAM64M, RAM64X1D, RAM128X1D) occupies 4 LUTs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

LOGIC_COST_ROM = 1.0 / 64.0  # synth_xilinx passes -logic-cost-rom 1/64 (read from Yosys' debug output)
LOGIC_COST_RAM = 1.0
FACTOR_MUX = 0.5
FACTOR_DEMUX = 0.5
FACTOR_EMU = 2
EMU_SCORE = 1  # one point for a read port not shared with a write port (memory_libmap's tiebreaker)


@dataclass(frozen=True)
class Geometry:
    """One option of one RAM type of the Yosys library: address bits and the data widths it offers."""

    ram: str
    kind: str  # "block" or "distributed"
    abits: int
    widths: tuple[int, ...]  # dbits; widths[i] has depth 2**(abits - i) (block) or 2**abits (distributed)
    cost: int
    widthscale: int
    byte: int  # write-enable granularity (0 = whole word)
    bram18: int = 0  # BRAM18 per replica
    luts: int = 0  # LUTs per replica
    rom_ok: bool = True
    port_width: int | None = None  # ports fixed to this width (SDP block RAM on 7-series)


# share/xilinx/brams_xc4v.txt (HAS_SIZE_36, HAS_CASCADE) and lutrams_xc5v.txt, as synth_xilinx uses them
# for xc7.
LIBRARY: tuple[Geometry, ...] = (
    Geometry("RAMB18E1 TDP", "block", 14, (1, 2, 4, 9, 18), 129, 0, 9, bram18=1),
    Geometry("RAMB36E1 TDP", "block", 15, (1, 2, 4, 9, 18, 36), 257, 0, 9, bram18=2),
    Geometry("RAMB36E1 cascade", "block", 16, (1, 2, 4, 9), 513, 0, 9, bram18=4),
    Geometry("RAMB18E1 SDP", "block", 14, (1, 2, 4, 9, 18, 36), 129, 0, 9, bram18=1, port_width=36),
    Geometry("RAMB36E1 SDP", "block", 15, (1, 2, 4, 9, 18, 36, 72), 257, 0, 9, bram18=2, port_width=72),
    Geometry("LUTRAM DP 32", "distributed", 5, (4,), 8, 8, 0, luts=4, rom_ok=False),
    Geometry("LUTRAM DP 64", "distributed", 6, (2,), 8, 8, 0, luts=4, rom_ok=False),
    Geometry("LUTRAM DP 128", "distributed", 7, (1,), 8, 8, 0, luts=4, rom_ok=False),
    Geometry("LUTRAM QP 32", "distributed", 5, (2,), 7, 7, 0, luts=4, rom_ok=False),
    Geometry("LUTRAM QP 64", "distributed", 6, (1,), 7, 7, 0, luts=4, rom_ok=False),
    Geometry("LUTRAM SDP 32", "distributed", 5, (6,), 8, 7, 0, luts=4, rom_ok=False),
    Geometry("LUTRAM SDP 64", "distributed", 6, (3,), 8, 7, 0, luts=4, rom_ok=False),
)


@dataclass(frozen=True)
class MemoryMap:
    """Where one memory lands: kind ("block", "distributed", "logic"), resources, and the winning cost."""

    kind: str
    detail: str
    bram18: int
    lutram_luts: int  # LUTs used as RAM (LUT RAM primitives)
    logic_bits: int  # bits lowered to soft logic (ROM: LUT6 per 64 bits; RAM: flip-flops)
    read_ffs: int  # flip-flops of the read path (data register / address select register)
    mux_bits: int  # read-mux inputs added when the memory spans several address blocks
    cost: float


def _geometry_cost(g: Geometry, depth: int, width: int, rom: bool) -> tuple[float, int, int, int] | None:
    """Best (cost, repl, mult_a, unit) over the base widths of one geometry, as memory_libmap's
    handle_geom."""
    best = None
    for index, unit in enumerate(g.widths):
        if g.port_width is not None and not rom and unit < g.byte:
            continue  # write port narrower than a byte cannot be emulated
        addrs = 1 << (g.abits - index if g.kind == "block" else g.abits)
        eb = 1 if rom else (min(g.byte, unit) if g.byte else unit)
        padded = math.ceil(width / eb) * eb
        mult_a = (depth - 1) // addrs + 1
        repl = math.ceil(mult_a * padded / unit)
        mux = (mult_a - 1) * width
        demux = 0 if rom or mult_a == 1 else mult_a
        cost = (g.cost - g.widthscale) * repl + (g.widthscale * mult_a * width) // unit
        cost += FACTOR_MUX * mux + FACTOR_DEMUX * demux + FACTOR_EMU * EMU_SCORE
        if best is None or cost < best[0]:
            best = (cost, repl, mult_a, unit)
    return best


@cache
def map_memory(depth: int, width: int, *, rom: bool, sync_read: bool = True) -> MemoryMap:
    """The mapping Yosys picks for a depth x width memory with one read port (ROM or SDP RAM); block RAM
    needs a synchronous read, and an asynchronous read has no data register."""
    if depth < 1 or width < 1:
        raise ValueError(f"memory must be at least 1 x 1, got {depth} x {width}")
    bits = depth * width
    logic_cost = int(bits * (LOGIC_COST_ROM if rom else LOGIC_COST_RAM))
    choice: MemoryMap | None = None
    best = float(logic_cost)
    for g in LIBRARY:
        if (rom and not g.rom_ok) or (not sync_read and g.kind == "block"):
            continue
        found = _geometry_cost(g, depth, width, rom)
        if found is None or not found[0] < best:
            continue
        cost, repl, mult_a, unit = found
        best = cost
        select_ffs = math.ceil(math.log2(mult_a)) if mult_a > 1 else 0
        read_ffs = (
            select_ffs if g.kind == "block" else width * sync_read
        )  # LUT RAM: data register after the mux
        choice = MemoryMap(
            g.kind,
            f"{g.ram} x{repl} (width {unit})",
            g.bram18 * repl,
            g.luts * repl,
            0,
            read_ffs,
            (mult_a - 1) * width,
            cost,
        )
    if choice is None:
        ffs = width * sync_read + (0 if rom else bits)
        choice = MemoryMap("logic", "soft logic", 0, 0, bits, ffs, 0, float(logic_cost))
    return choice
