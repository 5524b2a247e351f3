"""User-facing errors: one clear sentence, shown without a traceback by the CLI (exit status 2)."""


class SpikeforgeError(Exception):
    """Base class of every error caused by the user's input (files, options, budgets)."""


class ModelFormatError(SpikeforgeError):
    """A hardware model file (SPEC section 2) or object breaks the contract; the message names the field."""


class StreamFormatError(SpikeforgeError):
    """An AXI4-Stream word sequence (SPEC section 3) is malformed; the message names the word."""


def checked_fields(data: object, cls: type, what: str) -> dict:
    """``data`` as keyword arguments of the dataclass ``cls``, or one sentence naming ``what`` and the first
    key that ``cls`` does not have (configs read from JSON refuse unknown keys rather than drop them)."""
    from dataclasses import fields

    if not isinstance(data, dict):
        raise SpikeforgeError(f"a {what} must be a JSON object, got {type(data).__name__}")
    unknown = sorted(set(data) - {f.name for f in fields(cls)})
    if unknown:
        raise SpikeforgeError(f"unknown {what} key {unknown[0]!r}")
    return data
