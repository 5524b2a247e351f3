"""The training loop: Adam + cosine schedule, BPTT over T, cross-entropy on the readout, early stopping."""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from spikeforge.data.datasets import Dataset
from spikeforge.snn import SpikingMLP
from spikeforge.train.config import TrainConfig


@dataclass
class TrainResult:
    """The best model (by validation accuracy) and the per-epoch learning curve."""

    model: SpikingMLP
    history: list[dict[str, float]] = field(default_factory=list)
    best_epoch: int = 0
    best_val_accuracy: float = 0.0
    stopped_early: bool = False
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "epochs_run": len(self.history),
            "best_epoch": self.best_epoch,
            "best_val_accuracy": self.best_val_accuracy,
            "stopped_early": self.stopped_early,
            "train_seconds": self.seconds,
        }


@torch.no_grad()
def float_readout(model: SpikingMLP, spikes: np.ndarray, batch_size: int = 512) -> np.ndarray:
    """Float-mode readouts [N, n_out] of bool spike trains [N, T, n]."""
    model.eval()
    outs = [
        model(torch.tensor(spikes[i : i + batch_size], dtype=torch.float32))
        for i in range(0, len(spikes), batch_size)
    ]
    return torch.cat(outs).numpy()


def float_accuracy(model: SpikingMLP, spikes: np.ndarray, labels: np.ndarray) -> float:
    """Accuracy of the float model (argmax of the readout; ties go to the lowest index)."""
    return float(np.mean(float_readout(model, spikes).argmax(axis=1) == labels))


def train(dataset: Dataset, cfg: TrainConfig, *, quiet: bool = False) -> TrainResult:
    """Train a spiking MLP on ``dataset`` as ``cfg`` says; returns the epoch with the best validation
    accuracy."""
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    model = SpikingMLP(cfg.snn_config(dataset.n_inputs, dataset.n_classes))
    x_train = torch.from_numpy(np.array(dataset.spike_trains("train", cfg.timesteps, cfg.encoder))).float()
    y_train = torch.from_numpy(dataset.labels("train"))
    x_val = dataset.spike_trains("val", cfg.timesteps, cfg.encoder)
    y_val = dataset.labels("val")
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg.epochs)
    loss_fn = torch.nn.CrossEntropyLoss()
    result = TrainResult(model=model)
    best_state = copy.deepcopy(model.state_dict())
    start = time.perf_counter()
    bar = tqdm(range(cfg.epochs), desc=f"train {dataset.name}", disable=quiet, unit="epoch")
    for epoch in bar:
        model.train()
        order = torch.from_numpy(rng.permutation(len(y_train)))
        total, correct, loss_sum = 0, 0, 0.0
        for i in range(0, len(order), cfg.batch_size):
            idx = order[i : i + cfg.batch_size]
            logits = model(x_train[idx])
            loss = loss_fn(logits, y_train[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            loss_sum += float(loss.detach()) * len(idx)
            correct += int((logits.argmax(1) == y_train[idx]).sum())
            total += len(idx)
        schedule.step()
        val_acc = float_accuracy(model, x_val, y_val)
        result.history.append(
            {
                "epoch": epoch + 1,
                "train_loss": loss_sum / total,
                "train_accuracy": correct / total,
                "val_accuracy": val_acc,
                "lr": optimizer.param_groups[0]["lr"],
            }
        )
        bar.set_postfix(loss=f"{loss_sum / total:.3f}", val=f"{val_acc:.3f}")
        if val_acc > result.best_val_accuracy or epoch == 0:
            result.best_epoch, result.best_val_accuracy = epoch + 1, val_acc
            best_state = copy.deepcopy(model.state_dict())
        elif epoch + 1 - result.best_epoch >= cfg.patience:
            result.stopped_early = True
            break
    bar.close()
    model.load_state_dict(best_state)
    result.seconds = time.perf_counter() - start
    return result
