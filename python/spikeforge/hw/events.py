"""The AXI4-Stream event codec of SPEC section 3, vectorized with numpy.

A stream is a pair of arrays of equal length: ``words`` (uint32 TDATA) and ``last`` (bool TLAST).
Input samples are event words (bit 31 clear, TDATA = input address) and end-of-timestep markers
(bit 31 set, bit 30 = E, the end of a sample, bits 29..0 = t). TLAST closes a packet (one DMA
transfer) and may only sit on a sample's last marker: a packet holds one sample (``framing="sample"``,
as v1 streams) or a whole batch (``framing="batch"``). A sample ends at E=1 or at TLAST, so v1
streams (TLAST on every sample, no E) decode too. Output samples are ``n_out`` int32 readout
words; TLAST follows the last word of a sample whose input closed its packet.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from spikeforge.errors import StreamFormatError

MARKER = np.uint32(0x8000_0000)
END_OF_SAMPLE = np.uint32(0x4000_0000)  # E: the marker ends its sample
_ADDR_MASK = 0x7FFF_FFFF
_T_MASK = 0x3FFF_FFFF
FRAMINGS = ("sample", "batch")


@dataclass(frozen=True)
class Stream:
    """TDATA words and their TLAST flags."""

    words: np.ndarray  # uint32 [N]
    last: np.ndarray  # bool [N]

    def __post_init__(self) -> None:
        if self.words.shape != self.last.shape or self.words.ndim != 1:
            raise StreamFormatError(
                "words and last must be 1-D arrays of equal length, "
                f"got {list(self.words.shape)} and {list(self.last.shape)}"
            )

    def __len__(self) -> int:
        return int(self.words.shape[0])


def _as_words(words: np.ndarray) -> np.ndarray:
    words = np.asarray(words)
    if words.dtype.kind not in "iu":
        raise StreamFormatError(f"stream words must be integers, got dtype {words.dtype}")
    if words.size and (int(words.min()) < 0 or int(words.max()) > 0xFFFF_FFFF):
        raise StreamFormatError("stream words must be 32-bit unsigned values")
    return words.astype(np.uint32)


def encode_spikes(spikes: np.ndarray, *, framing: str = "sample") -> Stream:
    """Spike trains [B, T, n_in] of 0/1 -> one input stream, samples back to back.

    Every sample's last marker carries E; TLAST closes each sample (``framing="sample"``) or only
    the last one (``"batch"``: the batch is one packet). Within a timestep, events are in
    increasing address order (any order is valid per SPEC).
    """
    if framing not in FRAMINGS:
        raise StreamFormatError(f"unknown framing {framing!r}; choose one of {', '.join(FRAMINGS)}")
    spikes = np.asarray(spikes)
    if spikes.ndim != 3:
        raise StreamFormatError(
            f"spike trains must have shape [batch, timesteps, n_inputs], got {list(spikes.shape)}"
        )
    batch, steps, n_in = spikes.shape
    if n_in > _ADDR_MASK + 1:
        raise StreamFormatError(f"{n_in} inputs do not fit in a 31-bit event address")
    if steps > _T_MASK + 1:
        raise StreamFormatError(f"{steps} timesteps do not fit in a 30-bit marker")
    flat = spikes.reshape(batch * steps, n_in).astype(bool)
    slot, address = np.nonzero(flat)  # row-major: sorted by (sample, timestep), then address
    per_slot = np.bincount(slot, minlength=batch * steps)
    end = np.cumsum(per_slot + 1)  # one past each timestep's marker
    words = np.empty(int(end[-1]) if end.size else 0, dtype=np.uint32)
    last = np.zeros(words.shape, dtype=bool)
    markers = end - 1
    words[markers] = MARKER | np.tile(np.arange(steps, dtype=np.uint32), batch)
    sample_ends = markers[steps - 1 :: steps]
    words[sample_ends] |= END_OF_SAMPLE
    if framing == "sample":
        last[sample_ends] = True
    elif sample_ends.size:
        last[sample_ends[-1]] = True
    first_event_of_slot = np.cumsum(per_slot) - per_slot
    rank = np.arange(slot.size) - first_event_of_slot[slot]
    words[(end - per_slot - 1)[slot] + rank] = address.astype(np.uint32)
    return Stream(words, last)


@dataclass(frozen=True)
class DecodedSpikes:
    """Per-sample spike trains [T_b, n_inputs] (bool), how many out-of-range events were dropped,
    and per sample whether its last marker closed a packet (TLAST)."""

    samples: list[np.ndarray]
    dropped: int
    closes_packet: np.ndarray  # bool [B]

    def stack(self) -> np.ndarray:
        """All samples as one [B, T, n_inputs] array; they must share T."""
        lengths = {s.shape[0] for s in self.samples}
        if len(lengths) > 1:
            raise StreamFormatError(
                f"samples have different numbers of timesteps {sorted(lengths)}; cannot stack"
            )
        if not self.samples:
            raise StreamFormatError("the stream holds no complete sample")
        return np.stack(self.samples)


def _sample_ends(words: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Positions of the markers that end a sample (E set or TLAST)."""
    is_marker = (words & MARKER) != 0
    return np.flatnonzero(is_marker & (((words & END_OF_SAMPLE) != 0) | last))


def packet_ends(stream: Stream) -> np.ndarray:
    """Per sample of an input stream, whether its last marker carries TLAST (bool [B]).

    This is where the core's output TLAST goes (after that sample's last readout word).
    """
    words = _as_words(stream.words)
    last = np.asarray(stream.last, dtype=bool)
    return last[_sample_ends(words, last)]


def decode_spikes(stream: Stream, n_inputs: int) -> DecodedSpikes:
    """Input stream -> spike trains. Out-of-range addresses are dropped (SPEC 3) and counted.

    Refused: TLAST on an event word, words after the last TLAST (an unclosed packet), a marker
    whose t is not its timestep index, and an address repeated within one timestep (a spike is 0/1).
    """
    words = _as_words(stream.words)
    last = np.asarray(stream.last, dtype=bool)
    n = words.size
    is_marker = (words & MARKER) != 0
    bad_last = np.flatnonzero(last & ~is_marker)
    if bad_last.size:
        raise StreamFormatError(
            f"word {bad_last[0]}: TLAST on an event word; TLAST belongs on a sample's last marker"
        )
    closed = np.flatnonzero(last)
    complete = int(closed[-1]) + 1 if closed.size else 0
    if complete != n:
        raise StreamFormatError(
            f"the stream ends with {n - complete} words after the last TLAST (an unclosed packet)"
        )
    ends = _sample_ends(words, last)
    is_end = np.zeros(n, dtype=bool)
    is_end[ends] = True
    sample_of = np.concatenate(([0], np.cumsum(is_end)[:-1])) if n else np.zeros(0, dtype=np.int64)
    marker_count = np.cumsum(is_marker)
    sample_start_marker = np.concatenate(([0], marker_count[ends[:-1]])) if n else np.zeros(0, np.int64)
    markers_before = marker_count - is_marker  # markers strictly before each word
    timestep = markers_before - sample_start_marker[sample_of]
    marker_pos = np.flatnonzero(is_marker)
    wrong_t = marker_pos[(words[marker_pos] & _T_MASK) != timestep[marker_pos]]
    if wrong_t.size:
        w = wrong_t[0]
        raise StreamFormatError(
            f"word {w}: end-of-timestep marker says t={int(words[w] & _T_MASK)} "
            f"but it ends timestep {int(timestep[w])} of its sample"
        )
    steps_per_sample = np.bincount(sample_of[marker_pos], minlength=ends.size)
    event = ~is_marker
    in_range = event & (words < n_inputs)
    dropped = int(event.sum() - in_range.sum())
    pos = np.flatnonzero(in_range)
    step_of_event, addr = markers_before[pos], words[pos].astype(np.int64)  # global timestep index
    key = step_of_event.astype(np.int64) * n_inputs + addr  # unique per (sample, t, address)
    order = np.argsort(key, kind="stable")
    repeats = np.flatnonzero(np.diff(key[order]) == 0)
    if repeats.size:
        p = int(pos[order[repeats[0] + 1]])
        raise StreamFormatError(
            f"word {p}: input {int(words[p])} spikes twice in timestep {int(timestep[p])} "
            f"of sample {int(sample_of[p])}"
        )
    frames = np.zeros((int(is_marker.sum()), n_inputs), dtype=bool)  # every timestep of the stream
    frames[step_of_event, addr] = True
    samples = np.split(frames, np.cumsum(steps_per_sample)[:-1]) if ends.size else []
    return DecodedSpikes(samples=samples, dropped=dropped, closes_packet=last[ends])


def encode_readout(readout: np.ndarray, closes_packet: np.ndarray | None = None) -> Stream:
    """Readouts [B, n_out] (int32) -> output stream of n_out two's-complement words per sample.

    TLAST follows the last word of every sample whose ``closes_packet`` flag is set (the input's
    ``DecodedSpikes.closes_packet``); None sets it on every sample (one sample per packet).
    """
    readout = np.asarray(readout)
    if readout.ndim != 2 or readout.shape[1] < 1:
        raise StreamFormatError(f"readout must have shape [batch, n_out], got {list(readout.shape)}")
    if readout.size and (readout.min() < -(1 << 31) or readout.max() > (1 << 31) - 1):
        raise StreamFormatError("readout values must fit int32")
    words = readout.astype(np.int32).view(np.uint32).reshape(-1)
    last = np.zeros(words.shape, dtype=bool)
    flags = _packet_flags(closes_packet, readout.shape[0])
    last[readout.shape[1] - 1 :: readout.shape[1]] = flags
    return Stream(words.copy(), last)


def _packet_flags(closes_packet: np.ndarray | None, batch: int) -> np.ndarray:
    if closes_packet is None:
        return np.ones(batch, dtype=bool)
    flags = np.asarray(closes_packet, dtype=bool)
    if flags.shape != (batch,):
        raise StreamFormatError(
            f"closes_packet must hold one flag per sample ({batch}), got shape {list(flags.shape)}"
        )
    return flags


def decode_readout(stream: Stream, n_out: int, closes_packet: np.ndarray | None = None) -> np.ndarray:
    """Output stream -> readouts [B, n_out] int32.

    TLAST may only close a group of n_out words, and must close the stream's last group. Given
    ``closes_packet`` (per sample, from the input stream), TLAST must be exactly on those samples.
    """
    words = _as_words(stream.words)
    last = np.asarray(stream.last, dtype=bool)
    if words.size % n_out:
        raise StreamFormatError(f"the output stream has {words.size} words, not a multiple of n_out={n_out}")
    batch = words.size // n_out
    group_end = np.zeros(words.shape, dtype=bool)
    group_end[n_out - 1 :: n_out] = True
    inside = np.flatnonzero(last & ~group_end)
    if inside.size:
        raise StreamFormatError(
            f"word {int(inside[0])}: TLAST unexpected; it may only close a group of {n_out} readout words"
        )
    if closes_packet is not None:
        expected = np.zeros(words.shape, dtype=bool)
        expected[n_out - 1 :: n_out] = _packet_flags(closes_packet, batch)
        wrong = np.flatnonzero(expected != last)
        if wrong.size:
            w = int(wrong[0])
            why = (
                "missing; the input closed a packet"
                if expected[w]
                else "unexpected; the input did not close a packet"
            )
            raise StreamFormatError(f"word {w}: TLAST {why} after sample {w // n_out}")
    elif words.size and not last[-1]:
        raise StreamFormatError(
            f"word {words.size - 1}: TLAST missing; it must close the stream's last packet"
        )
    return words.view(np.int32).reshape(-1, n_out).copy()
