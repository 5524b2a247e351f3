"""PYNQ driver of a spikeforge overlay: spike trains in, SPEC readouts out, through one AXI DMA.

Runs on a PYNQ image (Python 3.10, numpy and pynq only). A batch travels as one DMA packet each way:
input markers carry the end-of-sample flag E (bit 30), the DMA closes the packet with TLAST, and the
core answers n_out int32 words per sample with TLAST after the batch's last one.

    python driver.py --bitfile spikeforge.bit --input x.npy --output y.npy [--labels l.npy]
    python driver.py --bitfile spikeforge.bit --throughput [--batch-size 256]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
from pynq import Overlay, allocate

MARKER = 0x8000_0000
END_OF_SAMPLE = 0x4000_0000
MAX_TIMESTEPS = 1 << 30
_BEAT = 4  # bytes per 32-bit stream word


class DeviceError(RuntimeError):
    """The overlay misbehaved: a DMA error, a hung core, or a readout of the wrong length."""


def encode_batch(spikes: np.ndarray) -> np.ndarray:
    """Spike trains [B, T, n_in] of 0/1 -> input stream words (uint32), one packet for the batch.

    Per sample and timestep: the addresses that spike, in increasing order, then a marker
    0x80000000 | t, with E set on each sample's last marker (SPEC 3).
    """
    batch, steps, n_in = spikes.shape
    flat = spikes.reshape(batch * steps, n_in).astype(bool, copy=False)
    slot, address = np.nonzero(flat)
    per_slot = np.bincount(slot, minlength=batch * steps)
    end = np.cumsum(per_slot + 1)
    words = np.empty(int(end[-1]) if end.size else 0, dtype=np.uint32)
    markers = end - 1
    words[markers] = MARKER | np.tile(np.arange(steps, dtype=np.uint32), batch)
    words[markers[steps - 1 :: steps]] |= END_OF_SAMPLE
    first = np.cumsum(per_slot) - per_slot
    rank = np.arange(slot.size) - first[slot]
    words[(end - per_slot - 1)[slot] + rank] = address.astype(np.uint32)
    return words


def check_spikes(spikes: np.ndarray, n_inputs: int) -> np.ndarray:
    """A [B, T, n_inputs] array of 0/1 values as bool; ValueError naming what is wrong otherwise."""
    spikes = np.asarray(spikes)
    if spikes.ndim != 3 or spikes.shape[2] != n_inputs:
        raise ValueError(
            f"spike trains must have shape [batch, timesteps, {n_inputs}], got {list(spikes.shape)}"
        )
    if spikes.shape[1] < 1 or spikes.shape[1] > MAX_TIMESTEPS:
        raise ValueError(f"spike trains must have 1 to {MAX_TIMESTEPS} timesteps, got {spikes.shape[1]}")
    if spikes.dtype != np.bool_:
        if spikes.dtype.kind not in "biuf" or (spikes.size and not np.isin(spikes, (0, 1)).all()):
            raise ValueError("spike trains must hold only 0 and 1")
        spikes = spikes.astype(bool)
    return spikes


def predict(readout: np.ndarray) -> np.ndarray:
    """Index of the largest readout per sample; ties go to the lowest index."""
    return np.argmax(readout, axis=-1)


class SpikeforgeOverlay(Overlay):
    """The spikeforge SNN core behind an AXI DMA (FINN-style: execute, predict, throughput_test, validate).

    ``config`` is the spikeforge.json written beside the bitstream (default: next to ``bitfile_name``).
    ``device`` and ``download`` go to pynq.Overlay; ``timeout`` (s) bounds the wait for readouts.
    """

    def __init__(
        self,
        bitfile_name: str,
        config: str | None = None,
        device=None,
        download: bool = True,
        timeout: float = 10.0,
        **kwargs,
    ) -> None:
        super().__init__(bitfile_name, download=False, device=device, **kwargs)
        self._fill_clock_frequencies()
        if download:
            self.download()
        path = config or os.path.join(os.path.dirname(os.path.abspath(bitfile_name)), "spikeforge.json")
        with open(path) as f:
            self.config = json.load(f)
        self.n_inputs = int(self.config["n_inputs"])
        self.n_outputs = int(self.config["n_outputs"])
        self.timeout = float(timeout)
        self.dma = getattr(self, self.config["dma"])
        self._max_bytes = int(self.dma.buffer_max_size)
        self._ibuf = None
        self._obuf = None
        self.timings = {"encode_s": 0.0, "copy_s": 0.0, "dma_s": 0.0, "decode_s": 0.0}

    # ---- pynq 4.0 on Zynq-7000: the PL clock frequency is parsed as None and download() fails
    def _fill_clock_frequencies(self) -> None:
        params = {}
        for ip in self.ip_dict.values():
            if str(ip.get("type", "")).split(":")[2:3] in (["processing_system7"], ["zynq_ultra_ps_e"]):
                params = ip.get("parameters", {})
        for index, clock in self.clock_dict.items():
            if clock.get("frequency") is not None:
                continue
            names = (
                f"PCW_ACT_FPGA{index}_PERIPHERAL_FREQMHZ",
                f"PCW_FPGA{index}_PERIPHERAL_FREQMHZ",
                f"PSU__CRL_APB__PL{index}_REF_CTRL__ACT_FREQMHZ",
                f"PSU__CRL_APB__PL{index}_REF_CTRL__FREQMHZ",
            )
            for name in names:
                if name in params:
                    clock["frequency"] = float(params[name])
                    break

    @property
    def fclk_mhz(self) -> float | None:
        """PL clock 0 as the PS reports it (None when it cannot be read)."""
        try:
            from pynq.ps import Clocks

            return float(Clocks.fclk0_mhz)
        except Exception:  # noqa: BLE001 - a board without clock registers still runs the core
            clock = self.clock_dict.get(0, {})
            return clock.get("frequency")

    # ---- buffers: allocated once, grown when a larger batch arrives
    def _buffers(self, n_words: int, n_readout: int):
        if self._ibuf is None or self._ibuf.shape[0] < n_words:
            self._ibuf = allocate(shape=(max(n_words, 1024),), dtype=np.uint32, target=self.device)
        if self._obuf is None or self._obuf.shape[0] < n_readout:
            self._obuf = allocate(shape=(max(n_readout, 1024),), dtype=np.uint32, target=self.device)
        return self._ibuf, self._obuf

    def _wait(self, channel, what: str) -> None:
        """Poll a DMA channel until idle, with a deadline; DMA error bits raise DeviceError."""
        deadline = time.monotonic() + self.timeout
        while True:
            if channel.error:
                status = channel._mmio.read(channel._offset + 4)
                kinds = [
                    n for bit, n in ((0x10, "internal"), (0x20, "slave"), (0x40, "decode")) if status & bit
                ]
                raise DeviceError(
                    f"the DMA {what} channel stopped on an error: {'/'.join(kinds) or 'unknown'} "
                    f"(DMASR 0x{status:08x})"
                )
            if channel.idle:
                break
            if time.monotonic() > deadline:
                raise DeviceError(
                    f"no {what} completion within {self.timeout:g} s: "
                    "the core is hung or the stream is malformed"
                )
        channel.wait()  # idle now: pynq invalidates the receive buffer and reads the byte count

    def _run_packet(self, words: np.ndarray, batch: int) -> np.ndarray:
        n_readout = batch * self.n_outputs
        t0 = time.perf_counter()
        ibuf, obuf = self._buffers(words.size, n_readout)
        ibuf[: words.size] = words
        t1 = time.perf_counter()
        out_view = obuf[:n_readout]
        self.dma.recvchannel.transfer(out_view)
        self.dma.sendchannel.transfer(ibuf[: words.size])
        self._wait(self.dma.sendchannel, "send (MM2S)")
        self._wait(self.dma.recvchannel, "receive (S2MM)")
        t2 = time.perf_counter()
        got = int(self.dma.recvchannel.transferred)
        if got != n_readout * _BEAT:
            raise DeviceError(
                f"the core returned {got} bytes for {batch} samples, expected {n_readout * _BEAT}"
            )
        readout = np.array(out_view, dtype=np.uint32).view(np.int32).reshape(batch, self.n_outputs)
        t3 = time.perf_counter()
        self.timings["copy_s"] += t1 - t0
        self.timings["dma_s"] += t2 - t1
        self.timings["decode_s"] += t3 - t2
        return readout

    def execute(self, spikes: np.ndarray) -> np.ndarray:
        """Readouts [B, n_out] int32 of spike trains [B, T, n_inputs]: one DMA packet per batch
        (batches whose stream exceeds the DMA's maximum transfer go as several packets)."""
        spikes = check_spikes(spikes, self.n_inputs)
        batch, steps, _ = spikes.shape
        if batch == 0:
            return np.zeros((0, self.n_outputs), dtype=np.int32)
        t0 = time.perf_counter()
        words = encode_batch(spikes)
        self.timings["encode_s"] += time.perf_counter() - t0
        per_sample = spikes.reshape(batch, -1).sum(axis=1) + steps  # words per sample
        ends = np.cumsum(per_sample)
        max_words = self._max_bytes // _BEAT  # one DMA transfer each way
        max_samples = max(1, max_words // self.n_outputs)
        parts, start_sample, start_word = [], 0, 0
        while start_sample < batch:
            stop = int(np.searchsorted(ends, start_word + max_words, side="right"))
            stop = min(stop, start_sample + max_samples)
            if stop <= start_sample:
                raise ValueError(
                    f"sample {start_sample} alone exceeds the DMA's {self._max_bytes}-byte transfer"
                )
            end_word = int(ends[stop - 1])
            parts.append(self._run_packet(words[start_word:end_word], stop - start_sample))
            start_sample, start_word = stop, end_word
        return np.concatenate(parts)

    def predict(self, spikes: np.ndarray) -> np.ndarray:
        """Predicted class per sample (largest readout, lowest index on ties)."""
        return predict(self.execute(spikes))

    def validate(self, inputs: np.ndarray, labels: np.ndarray, batch_size: int = 256) -> dict:
        """Accuracy of the overlay on labelled spike trains, in batches of ``batch_size``."""
        labels = np.asarray(labels).reshape(-1)
        preds = (
            np.concatenate(
                [self.predict(inputs[i : i + batch_size]) for i in range(0, len(labels), batch_size)]
            )
            if len(labels)
            else np.zeros(0, dtype=np.int64)
        )
        correct = int(np.sum(preds == labels))
        return {"samples": int(labels.size), "correct": correct, "accuracy": correct / max(1, labels.size)}

    def throughput_test(
        self,
        batch_size: int = 256,
        timesteps: int = 10,
        density: float = 0.1,
        seed: int = 0,
        spikes: np.ndarray | None = None,
    ) -> dict:
        """Time one batch end to end (random spike trains unless ``spikes`` is given)."""
        if spikes is None:
            rng = np.random.default_rng(seed)
            spikes = rng.random((batch_size, timesteps, self.n_inputs)) < density
        spikes = check_spikes(spikes, self.n_inputs)
        for key in self.timings:
            self.timings[key] = 0.0
        start = time.perf_counter()
        self.execute(spikes)
        runtime = time.perf_counter() - start
        batch = int(spikes.shape[0])
        events = int(spikes.sum())
        return {
            "batch_size": batch,
            "timesteps": int(spikes.shape[1]),
            "events": events,
            "runtime_s": runtime,
            "samples_per_s": batch / runtime if runtime > 0 else None,
            "events_per_s": events / runtime if runtime > 0 else None,
            "host_per_sample_s": runtime / max(1, batch),
            **{k: v for k, v in self.timings.items()},
            "fclk_mhz": self.fclk_mhz,
        }


def main(argv: list[str] | None = None) -> int:
    """Command line: readouts of an .npy of spike trains, accuracy with labels, or a throughput test."""
    parser = argparse.ArgumentParser(description="Run spike trains through a spikeforge overlay.")
    parser.add_argument("--bitfile", default="spikeforge.bit", help="the overlay's .bit (its .hwh beside it)")
    parser.add_argument("--config", help="spikeforge.json (default: beside the bitfile)")
    parser.add_argument("--input", help=".npy spike trains [B, T, n_inputs] of 0/1")
    parser.add_argument("--output", help=".npy to write the readouts [B, n_out] (int32) to")
    parser.add_argument("--labels", help=".npy integer labels [B]: report accuracy")
    parser.add_argument("--batch-size", type=int, default=256, help="samples per DMA packet")
    parser.add_argument("--throughput", action="store_true", help="time one batch of random spike trains")
    parser.add_argument("--no-download", action="store_true", help="use the bitstream already loaded")
    args = parser.parse_args(argv)
    overlay = SpikeforgeOverlay(args.bitfile, config=args.config, download=not args.no_download)
    report: dict = {}
    if args.input:
        spikes = np.load(args.input, allow_pickle=False)
        readout = (
            np.concatenate(
                [
                    overlay.execute(spikes[i : i + args.batch_size])
                    for i in range(0, len(spikes), args.batch_size)
                ]
            )
            if len(spikes)
            else np.zeros((0, overlay.n_outputs), dtype=np.int32)
        )
        if args.output:
            np.save(args.output, readout)
        report["prediction"] = predict(readout).tolist()
        if args.labels:
            labels = np.load(args.labels, allow_pickle=False)
            report["accuracy"] = float(np.mean(predict(readout) == labels)) if labels.size else None
    if args.throughput:
        report["throughput"] = overlay.throughput_test(batch_size=args.batch_size)
    json.dump(report, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
