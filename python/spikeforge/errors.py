"""User-facing errors: one clear sentence, shown without a traceback by the CLI (exit status 2)."""


class SpikeforgeError(Exception):
    """Base class of every error caused by the user's input (files, options, budgets)."""


class ModelFormatError(SpikeforgeError):
    """A hardware model file (SPEC section 2) or object breaks the contract; the message names the field."""


class StreamFormatError(SpikeforgeError):
    """An AXI4-Stream word sequence (SPEC section 3) is malformed; the message names the word."""
