"""Execution engines of a hardware model, by name: each is ``"module:function"``, imported only when
chosen, and follows the protocol of spikeforge.hw.engine (same readout for the same inputs)."""

from __future__ import annotations

import importlib

from spikeforge.errors import SpikeforgeError
from spikeforge.hw.engine import Engine

ENGINES: dict[str, str] = {
    "golden": "spikeforge.engines.golden:golden_engine",
    "rtl": "spikeforge.rtl.engine:rtl_engine",
    "hls": "spikeforge.hls4ml_ext.engine:hls_engine",
}


def get_engine(name: str) -> Engine:
    if name not in ENGINES:
        raise SpikeforgeError(f"unknown engine {name!r}; choose one of {', '.join(sorted(ENGINES))}")
    module, attr = ENGINES[name].split(":")
    return getattr(importlib.import_module(module), attr)
