"""Small helpers shared by CLI subcommands: loading user files with one-line errors, JSON output."""

from __future__ import annotations

import json
import math
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np

from spikeforge.errors import SpikeforgeError


def load_npy(path: Path, what: str) -> np.ndarray:
    """Load a user's .npy file (no pickles) or fail with one sentence naming it."""
    if path.is_dir():
        raise SpikeforgeError(f"{path}: is a folder, not a .npy {what} file")
    if not path.is_file():
        raise SpikeforgeError(f"{path}: no such {what} file")
    try:
        array = np.load(path, allow_pickle=False)
    except ValueError as exc:
        raise SpikeforgeError(f"{path}: not a readable .npy {what} file ({exc})") from None
    except (OSError, EOFError) as exc:
        raise SpikeforgeError(f"{path}: cannot read {what} file ({exc})") from None
    if not isinstance(array, np.ndarray):  # a .npz (zip) archive: np.load hands back a lazy file
        array.close()
        raise SpikeforgeError(f"{path}: a .npz archive, not a .npy {what} file")
    return array


def load_model_file(path: Path) -> Any:
    """The hardware model file at ``path``; a training checkpoint given instead is named as such."""
    import zipfile

    from spikeforge.hw.model import HardwareModel

    if path.is_file() and zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as archive:
                is_checkpoint = any(name.endswith("/data.pkl") for name in archive.namelist())
        except (OSError, zipfile.BadZipFile):
            is_checkpoint = False
        if is_checkpoint:
            raise SpikeforgeError(
                f"{path}: is a training checkpoint (PyTorch), not a hardware model file; "
                "give the model.npz written beside it"
            )
    return HardwareModel.load(path)


def read_json(path: Path, what: str) -> Any:
    """A user's JSON file, or one sentence naming it: missing, a folder, not UTF-8, not JSON, nested too
    deeply or holding an integer too long to read."""
    if path.is_dir():
        raise SpikeforgeError(f"{path}: is a folder, not {what}")
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise SpikeforgeError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise SpikeforgeError(f"{path}: not a UTF-8 text file, so not {what}") from None
    except OSError as exc:
        raise SpikeforgeError(f"{path}: cannot read it ({exc.strerror or exc})") from None
    try:
        return json.loads(text)
    except RecursionError:
        raise SpikeforgeError(f"{path}: JSON nested too deeply to be {what}") from None
    except json.JSONDecodeError as exc:
        raise SpikeforgeError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}), so not {what}"
        ) from None
    except ValueError:  # an integer beyond Python's digit limit
        raise SpikeforgeError(f"{path}: holds a number too long to read, so not {what}") from None


def read_constants(path: Path, option: str = "--constants") -> dict[str, Any]:
    """Model constants from a `spikeforge calibrate` JSON file, or one sentence naming the file."""
    from spikeforge.estimate.calibration import load_constants

    if path.is_dir():
        raise SpikeforgeError(f"{option} {path}: is a folder, not a constants JSON file")
    try:
        return load_constants(path)
    except UnicodeDecodeError:
        raise SpikeforgeError(
            f"{option} {path}: not a UTF-8 text file, so not a constants JSON file"
        ) from None
    except (RecursionError, ValueError, AttributeError, TypeError):
        raise SpikeforgeError(
            f"{option} {path}: not a constants JSON file from `spikeforge calibrate`"
        ) from None


def check_output_dir(path: Path, option: str = "--output") -> Path:
    """Refuse, before any work, an output folder that is a file, lies under a file or cannot be written."""
    if path.exists() and not path.is_dir():
        raise SpikeforgeError(f"{option} {path}: is a file, not a folder")
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise SpikeforgeError(f"{option} {path}: cannot create the folder, {probe} is a file")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise SpikeforgeError(f"{option} {path}: cannot write into {probe} (permission denied)")
    return path


def check_output_file(path: Path, option: str = "--output") -> Path:
    """Refuse, before any work, an output file that is a folder or whose folder cannot be written."""
    if path.is_dir():
        raise SpikeforgeError(f"{option} {path}: is a folder; give a file name")
    check_output_dir(path.parent if str(path.parent) else Path("."), option)
    if path.exists() and not os.access(path.parent, os.W_OK):
        raise SpikeforgeError(f"{option} {path}: cannot replace it (permission denied)")
    return path


CALIBRATED_LANES = (1, 2, 4, 8)  # lanes of the fit when the constants do not record theirs (fit.lanes)


def parse_lanes(text: str, n_layers: int, option: str = "--lanes") -> list[int]:
    """``P`` or ``P1,P2,...`` (one per layer) -> lanes per layer, or one sentence naming the option."""
    from spikeforge.core.params import lanes_per_layer

    try:
        values = [int(v) for v in str(text).split(",")]
    except ValueError:
        raise SpikeforgeError(
            f"{option} must be an integer or a comma-separated list per layer, got {text!r}"
        ) from None
    try:
        return lanes_per_layer(values[0] if len(values) == 1 else values, n_layers)
    except SpikeforgeError as exc:
        raise SpikeforgeError(f"{option} {text}: {exc}") from None


def lanes_value(
    text: str, hw: Any, *, board: str | None = None, lut_budget: float | None = None
) -> list[int]:
    """The ``--lanes`` option of commands that build a core: ``P``, ``P1,P2,...`` or ``auto`` (per layer, the
    shortest interval within the LUT budget, on the activity of the dataset the model's meta records)."""
    if str(text).strip().lower() != "auto":
        return parse_lanes(text, len(hw.layers))
    from spikeforge.boards import DEFAULT_BOARD, get_board
    from spikeforge.commands.estimate import _activity, auto_lanes
    from spikeforge.estimate import activity

    target = get_board(board or DEFAULT_BOARD)
    steps = int(hw.extra.get("timesteps", activity.DEFAULT_TIMESTEPS))
    measured = _activity(hw, None, "test", 200, None, steps, None)
    return list(auto_lanes(hw, target, measured, lut_budget, None, None).lanes)


def finite(ctx: Any, param: Any, value: float | None) -> float | None:
    """click callback: refuse NaN and infinity for a float option (FloatRange lets them through)."""
    import click

    if value is not None and not math.isfinite(value):
        raise click.BadParameter(f"must be a finite number, got {value}")
    return value


def jsonable(obj: Any) -> Any:
    """``obj`` with numpy values as Python ones, paths as strings and NaN/infinity as None (valid JSON)."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return jsonable(obj.item())
    if isinstance(obj, Path):
        return str(obj)
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def print_json(obj: Any) -> None:
    """Write one strict JSON document to stdout (numpy converted; NaN and infinity become null)."""
    json.dump(jsonable(obj), sys.stdout, allow_nan=False)
    sys.stdout.write("\n")


def output_option(what: str, dest: str = "output_dir", *, required: bool = True, **options: Any) -> Any:
    """The ``-o/--output`` option of every command that writes files; ``what`` is its help text."""
    import click

    return click.option(
        "-o", "--output", dest, required=required, type=click.Path(path_type=Path), help=what, **options
    )
