"""cocotb testbench of the spikeforge core: for every case of a job, load the case's memory images
(reset reloads them in SF_SIM_RELOAD builds), optionally pull ap_rst_n in the middle of a first
pass of the stream, then stream the input words through AXI4-Stream (cocotbext-axi source and
sink, random stalls on both sides) and record the readout words and cycle counts as JSON.

The job file (path in $SF_JOB) is written by spikeforge.rtl.runner; see SimCase there.
"""

from __future__ import annotations

import json
import os
import random

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge, SimTimeoutError, with_timeout
from cocotbext.axi import AxiStreamBus, AxiStreamFrame, AxiStreamSink, AxiStreamSource


def _pauses(rng: random.Random, probability: float):
    """Endless pause pattern: True (stall this cycle) with the given probability."""
    while True:
        yield probability > 0 and rng.random() < probability


def _frames(words: list[int], last: list[bool]) -> list[list[int]]:
    frames, cur = [], []
    for w, end in zip(words, last, strict=True):
        cur.append(w)
        if end:
            frames.append(cur)
            cur = []
    return frames


async def _count_cycles(dut, record: dict, n_out: int) -> None:
    """Cycle counter: the cycle of the first accepted input word and of every sample's last readout
    word (every n_out-th accepted output word: with a batch per packet TLAST comes once)."""
    cycle = 0
    accepted = 0
    while True:
        await RisingEdge(dut.ap_clk)
        cycle += 1
        if record["start"] is None and dut.s_axis_tvalid.value == 1 and dut.s_axis_tready.value == 1:
            record["start"] = cycle
        if dut.m_axis_tvalid.value == 1 and dut.m_axis_tready.value == 1:
            accepted += 1
            if accepted % n_out == 0:
                record["ends"].append(cycle)


async def _reset(dut, source: AxiStreamSource, sink: AxiStreamSink) -> None:
    dut.ap_rst_n.value = 0
    await ClockCycles(dut.ap_clk, 2)
    source.clear()
    sink.clear()
    await ClockCycles(dut.ap_clk, 1)
    dut.ap_rst_n.value = 1


async def _run_case(
    dut, source: AxiStreamSource, sink: AxiStreamSink, case: dict, max_cycles: int, tail: int
) -> dict:
    rng = random.Random(case["seed"])
    source.set_pause_generator(_pauses(rng, case["in_stall"]))
    sink.set_pause_generator(_pauses(rng, case["out_stall"]))
    frames = _frames(case["words"], case["last"])
    os.chdir(case["image_dir"])  # $readmemh paths are relative: the reset below loads this case's images
    await _reset(dut, source, sink)
    if case["reset_after"] is not None:
        # a first pass of the stream, cut by ap_rst_n after reset_after cycles: everything before is void
        for frame in frames:
            await source.send(AxiStreamFrame(frame))
        await ClockCycles(dut.ap_clk, case["reset_after"])
        await _reset(dut, source, sink)

    record = {"start": None, "ends": []}
    counter = cocotb.start_soon(_count_cycles(dut, record, case["n_out"]))
    for frame in frames:
        await source.send(AxiStreamFrame(frame))
    words: list[int] = []
    lasts: list[bool] = []
    timeout = False
    for _ in frames:  # one output packet per input packet (TLAST after that packet's last sample)
        try:
            frame = await with_timeout(sink.recv(), 10 * max_cycles, "ns")
        except SimTimeoutError:
            timeout = True  # reported, and the caller fails: a hang is a bug
            break
        words += [int(w) for w in frame.tdata]
        lasts += [False] * (len(frame.tdata) - 1) + [True]
    await ClockCycles(dut.ap_clk, tail)
    counter.cancel()
    return {
        "words": words,
        "last": lasts,
        "extra_words": sink.count(),
        "start_cycle": record["start"],
        "end_cycles": record["ends"],
        "timeout": timeout,
    }


@cocotb.test()
async def run_job(dut) -> None:
    """Run every case of $SF_JOB and write the results to $SF_RESULT."""
    with open(os.environ["SF_JOB"]) as f:
        job = json.load(f)
    cocotb.start_soon(Clock(dut.ap_clk, 10, unit="ns").start())
    bus_in, bus_out = AxiStreamBus.from_prefix(dut, "s_axis"), AxiStreamBus.from_prefix(dut, "m_axis")
    source = AxiStreamSource(bus_in, dut.ap_clk, dut.ap_rst_n, reset_active_level=False, byte_size=32)
    sink = AxiStreamSink(bus_out, dut.ap_clk, dut.ap_rst_n, reset_active_level=False, byte_size=32)
    results = [
        await _run_case(dut, source, sink, case, job["max_cycles"], job["tail"]) for case in job["cases"]
    ]
    tmp = os.environ["SF_RESULT"] + ".tmp"
    with open(tmp, "w") as f:
        json.dump(results, f)
    os.replace(tmp, os.environ["SF_RESULT"])
