"""Registration with hls4ml: SF layers, writers and the SFVitis / SFRTL backends.

``register`` is both the ``hls4ml.backends`` entry point (hls4ml calls it at ``import hls4ml`` with
``register_backend`` / ``register_writer``) and an explicit call. hls4ml raises on a second
registration of a backend or writer, so each is registered only if absent: calling twice is harmless.
Templates and passes are registered by each backend's constructor, which runs once.
"""

from __future__ import annotations

from collections.abc import Callable

BACKENDS = ("SFVitis", "SFRTL")


def register(register_backend: Callable | None = None, register_writer: Callable | None = None) -> None:
    """Register the SF layers, the writers and both backends with hls4ml (idempotent)."""
    from hls4ml.backends.backend import backend_map
    from hls4ml.backends.backend import register_backend as hls_register_backend
    from hls4ml.writer.writers import register_writer as hls_register_writer
    from hls4ml.writer.writers import writer_map

    from spikeforge.hls4ml_ext.layers import register_layers
    from spikeforge.hls4ml_ext.rtl import SFRTLBackend, SFRTLWriter
    from spikeforge.hls4ml_ext.vitis import SFVitisBackend, SFVitisWriter

    register_backend = register_backend or hls_register_backend
    register_writer = register_writer or hls_register_writer
    register_layers()
    for name, writer, backend in (
        ("SFVitis", SFVitisWriter, SFVitisBackend),
        ("SFRTL", SFRTLWriter, SFRTLBackend),
    ):
        if name not in writer_map:  # a backend's constructor looks its writer up: writer first
            register_writer(name, writer)
        if name.lower() not in backend_map:
            register_backend(name, backend)
