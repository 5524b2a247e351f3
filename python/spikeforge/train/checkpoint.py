"""DIR/checkpoint.pt: a state_dict plus plain JSON-able dicts, loadable with torch.load(weights_only=True)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from spikeforge.atomic import atomic_write
from spikeforge.errors import SpikeforgeError
from spikeforge.snn import SNNConfig, SpikingMLP

FORMAT = "spikeforge-checkpoint"
VERSION = 1


def save_checkpoint(
    path: str | os.PathLike,
    model: SpikingMLP,
    *,
    train_config: dict[str, Any] | None = None,
    meta: dict[str, Any] | None = None,
) -> Path:
    """Write the model's weights, its SNN config and provenance atomically (temp file + rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "snn_config": model.config.to_json(),
        "train_config": train_config or {},
        "meta": meta or {},
        "state_dict": {k: v.detach().clone() for k, v in model.state_dict().items()},
    }
    return atomic_write(path, lambda tmp: _save(payload, tmp))


def _save(payload: dict[str, Any], tmp: str) -> None:
    # through a file object: given a name, torch stores it inside the archive (the temp name would make
    # the same checkpoint differ byte for byte between runs)
    with open(tmp, "wb") as f:
        torch.save(payload, f)


def read_checkpoint(path: str | os.PathLike) -> dict[str, Any]:
    """The checkpoint's dict (weights_only=True: no code is unpickled), checked for format."""
    path = Path(path)
    if path.is_dir():
        if not (path / "checkpoint.pt").is_file():
            raise SpikeforgeError(f"{path}: a folder without a checkpoint.pt")
        path = path / "checkpoint.pt"
    if not path.is_file():
        raise SpikeforgeError(f"{path}: no such checkpoint file")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # torch raises many types for foreign or corrupt files
        raise SpikeforgeError(f"{path}: not a PyTorch checkpoint file, or a damaged one") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise SpikeforgeError(f"{path}: not a spikeforge checkpoint (format must be {FORMAT!r})")
    return payload


def load_model(path: str | os.PathLike) -> tuple[SpikingMLP, dict[str, Any]]:
    """Rebuild the model of a checkpoint (file or its directory); returns it and the checkpoint dict."""
    payload = read_checkpoint(path)
    try:
        model = SpikingMLP(SNNConfig.from_json(payload["snn_config"]))
        model.load_state_dict(payload["state_dict"])
    except SpikeforgeError as exc:
        raise SpikeforgeError(f"{path}: the checkpoint's model config is not valid: {exc}") from None
    except (KeyError, TypeError, ValueError, RuntimeError):
        raise SpikeforgeError(f"{path}: the checkpoint's config and weights do not fit together") from None
    model.eval()
    return model, payload
