"""The SPEC section 3 event codec: hand-checked words, round trips, malformed streams."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from spikeforge.errors import StreamFormatError
from spikeforge.hw.events import Stream, decode_readout, decode_spikes, encode_readout, encode_spikes

M = 0x8000_0000


def test_encode_by_hand():
    spikes = np.array([[[1, 0, 1], [0, 0, 0], [0, 1, 0]], [[0, 0, 0], [1, 1, 1], [0, 0, 0]]], dtype=bool)
    s = encode_spikes(spikes)
    assert s.words.tolist() == [0, 2, M, M | 1, 1, M | 2, M, 0, 1, 2, M | 1, M | 2]
    assert s.last.tolist() == [False] * 5 + [True] + [False] * 5 + [True]
    assert s.words.dtype == np.uint32


@settings(max_examples=80, deadline=None)
@given(arrays(bool, st.tuples(st.integers(1, 4), st.integers(1, 6), st.integers(1, 9))))
def test_round_trip(spikes):
    decoded = decode_spikes(encode_spikes(spikes), spikes.shape[2])
    assert decoded.dropped == 0
    np.testing.assert_array_equal(decoded.stack(), spikes)


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
        ([1, 1, M], [0, 0, 1], "word 1: input 1 spikes twice in timestep 0 of sample 0"),
    ],
)
def test_malformed_input_streams(words, last, message):
    with pytest.raises(StreamFormatError, match=message):
        decode_spikes(Stream(np.array(words, np.uint32), np.array(last, bool)), 4)


def test_same_address_in_different_timesteps_or_samples_is_fine():
    words = np.array([1, M, 1, M | 1, 1, M], dtype=np.uint32)
    d = decode_spikes(Stream(words, np.array([0, 0, 0, 1, 0, 1], bool)), 2)
    assert d.samples[0].astype(int).tolist() == [[0, 1], [0, 1]] and d.samples[1].astype(int).tolist() == [[0, 1]]


def test_readout_words_are_twos_complement():
    s = encode_readout(np.array([[-1, 5, -(2**31)], [2**31 - 1, 0, 3]], dtype=np.int32))
    assert s.words.tolist() == [0xFFFF_FFFF, 5, 0x8000_0000, 0x7FFF_FFFF, 0, 3]
    assert s.last.tolist() == [False, False, True, False, False, True]


@settings(max_examples=50, deadline=None)
@given(arrays(np.int32, st.tuples(st.integers(0, 4), st.integers(1, 5))))
def test_readout_round_trip(readout):
    np.testing.assert_array_equal(decode_readout(encode_readout(readout), readout.shape[1]), readout)


@pytest.mark.parametrize(
    "words,last,message",
    [
        ([1, 2, 3], [0, 0, 1], "not a multiple of n_out=2"),
        ([1, 2, 3, 4], [0, 0, 0, 1], "word 1: TLAST missing"),
        ([1, 2, 3, 4], [1, 1, 0, 1], "word 0: TLAST unexpected"),
    ],
)
def test_malformed_output_streams(words, last, message):
    with pytest.raises(StreamFormatError, match=message):
        decode_readout(Stream(np.array(words, np.uint32), np.array(last, bool)), 2)


def test_stream_arrays_must_match():
    with pytest.raises(StreamFormatError, match="equal length"):
        Stream(np.zeros(3, np.uint32), np.zeros(2, bool))
