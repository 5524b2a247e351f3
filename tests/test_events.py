"""The SPEC section 3 event codec: hand-checked words, round trips, malformed streams."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from spikeforge.errors import StreamFormatError
from spikeforge.hw.events import (
    Stream,
    decode_readout,
    decode_spikes,
    encode_readout,
    encode_spikes,
    packet_ends,
)

M = 0x8000_0000
E = 0x4000_0000


def test_encode_by_hand():
    spikes = np.array([[[1, 0, 1], [0, 0, 0], [0, 1, 0]], [[0, 0, 0], [1, 1, 1], [0, 0, 0]]], dtype=bool)
    s = encode_spikes(spikes)
    assert s.words.tolist() == [0, 2, M, M | 1, 1, M | E | 2, M, 0, 1, 2, M | 1, M | E | 2]
    assert s.last.tolist() == [False] * 5 + [True] + [False] * 5 + [True]
    assert s.words.dtype == np.uint32
    b = encode_spikes(spikes, framing="batch")
    assert b.words.tolist() == s.words.tolist()
    assert b.last.tolist() == [False] * 11 + [True]


def test_encode_no_spikes_one_timestep():
    s = encode_spikes(np.zeros((3, 1, 4), dtype=bool), framing="batch")
    assert s.words.tolist() == [M | E] * 3 and s.last.tolist() == [False, False, True]
    d = decode_spikes(s, 4)
    assert d.stack().shape == (3, 1, 4) and not d.stack().any()
    assert d.closes_packet.tolist() == [False, False, True]


def test_encode_empty_batch_and_unknown_framing():
    assert len(encode_spikes(np.zeros((0, 2, 3), bool), framing="batch")) == 0
    with pytest.raises(StreamFormatError, match="unknown framing 'packet'"):
        encode_spikes(np.zeros((1, 1, 1), bool), framing="packet")


@settings(max_examples=80, deadline=None)
@given(
    arrays(bool, st.tuples(st.integers(1, 4), st.integers(1, 6), st.integers(1, 9))),
    st.sampled_from(["sample", "batch"]),
)
def test_round_trip(spikes, framing):
    stream = encode_spikes(spikes, framing=framing)
    decoded = decode_spikes(stream, spikes.shape[2])
    assert decoded.dropped == 0
    np.testing.assert_array_equal(decoded.stack(), spikes)
    closes = [True] * spikes.shape[0] if framing == "sample" else [False] * (spikes.shape[0] - 1) + [True]
    assert decoded.closes_packet.tolist() == closes
    assert packet_ends(stream).tolist() == closes


def test_v1_stream_without_end_flags():
    """TLAST alone ends a sample (v1 streams never set E)."""
    words = np.array([0, M, 1, M | 1, M, 2, M | 1], dtype=np.uint32)
    d = decode_spikes(Stream(words, np.array([0, 0, 0, 1, 0, 0, 1], bool)), 3)
    assert len(d.samples) == 2
    assert d.samples[0].astype(int).tolist() == [[1, 0, 0], [0, 1, 0]]
    assert d.samples[1].astype(int).tolist() == [[0, 0, 0], [0, 0, 1]]
    assert d.closes_packet.tolist() == [True, True]


def test_packets_of_several_samples():
    """E separates samples inside a packet, TLAST closes it; a marker with both ends one sample."""
    words = np.array([1, M | E, M | E, 0, M, M | E | 1, 2, M | E], dtype=np.uint32)
    last = np.array([0, 0, 1, 0, 0, 1, 0, 1], bool)
    d = decode_spikes(Stream(words, last), 3)
    assert [s.astype(int).tolist() for s in d.samples] == [
        [[0, 1, 0]],
        [[0, 0, 0]],
        [[1, 0, 0], [0, 0, 0]],
        [[0, 0, 1]],
    ]
    assert d.closes_packet.tolist() == [False, True, True, True]


def test_events_in_any_order_within_a_timestep():
    words = np.array([2, 0, M, 1, M | 1], dtype=np.uint32)
    last = np.array([0, 0, 0, 0, 1], dtype=bool)
    got = decode_spikes(Stream(words, last), 3).stack()
    assert got.astype(int).tolist() == [[[1, 0, 1], [0, 1, 0]]]


def test_out_of_range_addresses_are_dropped_and_counted():
    words = np.array([0, 3, 0x7FFF_FFFF, M, M | 1], dtype=np.uint32)
    last = np.array([0, 0, 0, 0, 1], dtype=bool)
    d = decode_spikes(Stream(words, last), 3)
    assert d.dropped == 2
    assert d.stack().astype(int).tolist() == [[[1, 0, 0], [0, 0, 0]]]


def test_samples_of_different_lengths():
    words = np.array([M, 1, M, M | 1], dtype=np.uint32)
    d = decode_spikes(Stream(words, np.array([1, 0, 0, 1], bool)), 2)
    assert [s.shape for s in d.samples] == [(1, 2), (2, 2)]
    with pytest.raises(StreamFormatError, match="different numbers of timesteps"):
        d.stack()


@pytest.mark.parametrize(
    "words,last,message",
    [
        ([0, M], [1, 1], "word 0: TLAST on an event word"),
        ([0, M, 1], [0, 1, 0], "ends with 1 words after the last TLAST"),
        ([0, M], [0, 0], "ends with 2 words after the last TLAST"),
        ([0, M | 1], [0, 1], "word 1: end-of-timestep marker says t=1 but it ends timestep 0"),
        ([0, M | E | 1], [0, 1], "word 1: end-of-timestep marker says t=1 but it ends timestep 0"),
        ([M | E, 0, M | E], [0, 1, 1], "word 1: TLAST on an event word"),
        ([M | E, M | E], [1, 0], "ends with 1 words after the last TLAST"),
        ([0, M | E, 0, 0, M | E], [0, 0, 0, 0, 1], "word 3: input 0 spikes twice in timestep 0 of sample 1"),
        ([1, 1, M], [0, 0, 1], "word 1: input 1 spikes twice in timestep 0 of sample 0"),
    ],
)
def test_malformed_input_streams(words, last, message):
    with pytest.raises(StreamFormatError, match=message):
        decode_spikes(Stream(np.array(words, np.uint32), np.array(last, bool)), 4)


def test_same_address_in_different_timesteps_or_samples_is_fine():
    words = np.array([1, M, 1, M | 1, 1, M], dtype=np.uint32)
    d = decode_spikes(Stream(words, np.array([0, 0, 0, 1, 0, 1], bool)), 2)
    assert d.samples[0].astype(int).tolist() == [[0, 1], [0, 1]]
    assert d.samples[1].astype(int).tolist() == [[0, 1]]


def test_readout_words_are_twos_complement():
    s = encode_readout(np.array([[-1, 5, -(2**31)], [2**31 - 1, 0, 3]], dtype=np.int32))
    assert s.words.tolist() == [0xFFFF_FFFF, 5, 0x8000_0000, 0x7FFF_FFFF, 0, 3]
    assert s.last.tolist() == [False, False, True, False, False, True]


@settings(max_examples=50, deadline=None)
@given(arrays(np.int32, st.tuples(st.integers(0, 4), st.integers(1, 5))))
def test_readout_round_trip(readout):
    np.testing.assert_array_equal(decode_readout(encode_readout(readout), readout.shape[1]), readout)


def test_readout_tlast_per_packet():
    s = encode_readout(np.arange(6, dtype=np.int32).reshape(3, 2), np.array([False, True, True]))
    assert s.last.tolist() == [False, False, False, True, False, True]
    np.testing.assert_array_equal(decode_readout(s, 2), np.arange(6).reshape(3, 2))
    np.testing.assert_array_equal(decode_readout(s, 2, np.array([0, 1, 1], bool)), np.arange(6).reshape(3, 2))


@pytest.mark.parametrize(
    "words,last,closes,message",
    [
        ([1, 2, 3], [0, 0, 1], None, "not a multiple of n_out=2"),
        ([1, 2, 3, 4], [0, 0, 0, 1], [1, 1], "word 1: TLAST missing"),
        ([1, 2, 3, 4], [0, 1, 0, 1], [0, 1], "word 1: TLAST unexpected"),
        ([1, 2, 3, 4], [1, 1, 0, 1], None, "word 0: TLAST unexpected"),
        ([1, 2, 3, 4], [0, 1, 0, 0], None, "word 3: TLAST missing"),
        ([1, 2], [0, 1], [1, 1], "one flag per sample"),
    ],
)
def test_malformed_output_streams(words, last, closes, message):
    closes = None if closes is None else np.array(closes, bool)
    with pytest.raises(StreamFormatError, match=message):
        decode_readout(Stream(np.array(words, np.uint32), np.array(last, bool)), 2, closes)


def test_stream_arrays_must_match():
    with pytest.raises(StreamFormatError, match="equal length"):
        Stream(np.zeros(3, np.uint32), np.zeros(2, bool))
