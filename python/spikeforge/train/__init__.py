"""Training of spiking MLPs (brevitas QAT, BPTT) and checkpoints that rebuild the model.

Public API: ``TrainConfig``, ``train`` (the loop), ``run_training`` (train + export + reports),
``save_checkpoint`` / ``load_model``.
"""

from spikeforge.train.checkpoint import load_model, read_checkpoint, save_checkpoint
from spikeforge.train.config import TrainConfig
from spikeforge.train.loop import TrainResult, float_accuracy, float_readout, train

__all__ = [
    "TrainConfig",
    "TrainResult",
    "float_accuracy",
    "float_readout",
    "load_model",
    "read_checkpoint",
    "save_checkpoint",
    "train",
]
