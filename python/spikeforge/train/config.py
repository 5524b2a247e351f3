"""The training configuration: one JSON-able dataclass (recorded in checkpoints and model files) that
nests the network's options (spikeforge.snn.SNNOptions) beside the data and optimizer settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from spikeforge.errors import SpikeforgeError, checked_fields
from spikeforge.snn import SNNConfig, SNNOptions


@dataclass
class TrainConfig:
    """Data, architecture and optimizer settings of one training run."""

    dataset: str = "digits"
    hidden: list[int] = field(default_factory=lambda: [128])
    timesteps: int = 8
    encoder: str = "rate"
    snn: SNNOptions = field(default_factory=SNNOptions)
    epochs: int = 30
    batch_size: int = 128
    lr: float = 1e-2
    weight_decay: float = 0.0
    patience: int = 10  # early stopping: epochs without a better validation accuracy
    seed: int = 0

    def __post_init__(self) -> None:
        self.hidden = [int(h) for h in self.hidden]
        if isinstance(self.snn, dict):
            self.snn = SNNOptions.from_json(self.snn)
        for name in ("timesteps", "epochs", "batch_size"):
            if getattr(self, name) < 1:
                raise SpikeforgeError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not self.lr > 0:
            raise SpikeforgeError(f"lr must be positive, got {self.lr}")

    def snn_config(self, n_inputs: int, n_classes: int) -> SNNConfig:
        """The model architecture for a dataset with these input and class counts."""
        return SNNConfig(sizes=[n_inputs, *self.hidden, n_classes], **asdict(self.snn))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TrainConfig:
        return cls(**checked_fields(data, cls, "training config"))
