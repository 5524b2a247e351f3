"""The training configuration: one JSON-able dataclass (recorded in checkpoints and model files)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from spikeforge.errors import SpikeforgeError
from spikeforge.snn import SNNConfig


@dataclass
class TrainConfig:
    """Data, architecture and optimizer settings of one training run."""

    dataset: str = "digits"
    hidden: list[int] = field(default_factory=lambda: [128])
    timesteps: int = 8
    encoder: str = "rate"
    weight_bits: int = 4
    leak_shift: int | None = 4
    reset: str = "subtract"
    readout: str = "membrane"
    surrogate: str = "arctan"
    surrogate_slope: float = 2.0
    detach_reset: bool = False
    integer_leak: bool = False
    bias: bool = False
    epochs: int = 30
    batch_size: int = 128
    lr: float = 1e-2
    weight_decay: float = 0.0
    patience: int = 10  # early stopping: epochs without a better validation accuracy
    seed: int = 0

    def __post_init__(self) -> None:
        self.hidden = [int(h) for h in self.hidden]
        for name in ("timesteps", "epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise SpikeforgeError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.lr <= 0:
            raise SpikeforgeError(f"lr must be positive, got {self.lr}")

    def snn_config(self, n_inputs: int, n_classes: int) -> SNNConfig:
        """The model architecture for a dataset with these input and class counts."""
        return SNNConfig(
            sizes=[n_inputs, *self.hidden, n_classes],
            weight_bits=self.weight_bits,
            leak_shift=self.leak_shift,
            reset=self.reset,
            bias=self.bias,
            readout=self.readout,
            surrogate=self.surrogate,
            surrogate_slope=self.surrogate_slope,
            detach_reset=self.detach_reset,
            integer_leak=self.integer_leak,
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrainConfig:
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise SpikeforgeError(f"unknown training config keys: {', '.join(sorted(unknown))}")
        return cls(**data)
