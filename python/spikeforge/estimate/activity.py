"""Spike activity per layer: what the latency model needs to know about the inputs each layer sees.

Activity is either measured (every layer's input spike trains [B, T, n_in] from the golden simulator on
real samples) or given as mean rates in a JSON file:
``{"timesteps": T, "layers": [{"input_rate": r}, ...]}`` where ``r`` is the probability that an input line
of that layer spikes at a timestep (a number, or a list of n_in numbers, or a list of T lists of n_in).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spikeforge.errors import SpikeforgeError
from spikeforge.hw.model import HardwareModel

DEFAULT_RATE = 0.1
DEFAULT_TIMESTEPS = 16


@dataclass(frozen=True)
class Activity:
    """Per-layer input spikes: ``layers[l]`` is [B, T, n_in] of expected spikes (0/1 when measured,
    rates otherwise)."""

    layers: tuple[np.ndarray, ...]
    source: str

    @property
    def timesteps(self) -> int:
        return int(self.layers[0].shape[1])

    @property
    def samples(self) -> int:
        return int(self.layers[0].shape[0])

    def mean_rates(self) -> list[float]:
        """Mean input spike probability per layer (spikes per input line per timestep)."""
        return [float(x.mean()) for x in self.layers]


def measured(model: HardwareModel, spikes: np.ndarray, source: str = "spike trains") -> Activity:
    """Activity of ``model`` on input spike trains [B, T, n_inputs], from the golden simulator's recorded
    spikes."""
    from spikeforge.hw.golden import check_spike_trains, run

    x = check_spike_trains(spikes, model.n_inputs)
    result = run(model, x, record=True)
    inputs = (x, *result.layer_spikes[:-1])
    return Activity(layers=tuple(np.asarray(s, dtype=np.float32) for s in inputs), source=source)


def uniform(model: HardwareModel, rate: float = DEFAULT_RATE, timesteps: int = DEFAULT_TIMESTEPS) -> Activity:
    """Every input line of every layer spikes with probability ``rate`` at each timestep (a stated
    assumption)."""
    layers = tuple(np.full((1, timesteps, layer.n_in), rate, dtype=np.float32) for layer in model.layers)
    return Activity(
        layers=layers, source=f"assumed: every layer input spikes at rate {rate} per timestep, T={timesteps}"
    )


def from_json(model: HardwareModel, path: str | Path) -> Activity:
    """Read an activity JSON file (format in the module docstring); errors name the bad field."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except FileNotFoundError:
        raise SpikeforgeError(f"{path}: no such activity file") from None
    except json.JSONDecodeError as exc:
        raise SpikeforgeError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("layers"), list):
        raise SpikeforgeError(f'{path}: expected {{"timesteps": T, "layers": [{{"input_rate": r}}, ...]}}')
    steps = raw.get("timesteps", DEFAULT_TIMESTEPS)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise SpikeforgeError(f"{path}: timesteps must be a positive integer, got {steps!r}")
    if len(raw["layers"]) != len(model.layers):
        raise SpikeforgeError(
            f"{path}: gives {len(raw['layers'])} layers but the model has {len(model.layers)}"
        )
    layers = []
    for i, (entry, layer) in enumerate(zip(raw["layers"], model.layers, strict=True)):
        rate = entry.get("input_rate") if isinstance(entry, dict) else None
        try:
            arr = np.broadcast_to(np.asarray(rate, dtype=np.float32), (steps, layer.n_in))
        except (TypeError, ValueError):
            raise SpikeforgeError(
                f"{path}: layers[{i}].input_rate must be a number, {layer.n_in} numbers "
                f"or [{steps}][{layer.n_in}] numbers"
            ) from None
        if not np.all((arr >= 0) & (arr <= 1)):
            raise SpikeforgeError(f"{path}: layers[{i}].input_rate must lie in [0, 1]")
        layers.append(arr[None].copy())
    return Activity(layers=tuple(layers), source=f"rates from {path}")
