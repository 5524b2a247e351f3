"""The calibration sweep: seeded random models across the RTL core's parameter space, generated and
synthesized.

Configurations are split into a fitting set and a hold-out set (every third one is held out), so the
reported accuracy includes cores the constants never saw. Synthesis results are cached (yosys.py).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spikeforge.hw.model import HardwareModel
from spikeforge.hw.random_model import random_model

SWEEP_SEED = 2026


@dataclass(frozen=True)
class SweepConfig:
    """One calibration core: the random model's shape and options, the lanes, and whether it is held out."""

    name: str
    sizes: tuple[int, ...]
    weight_bits: int
    membrane_bits: int
    density: float
    lanes: int
    leak: bool
    reset: str
    readout: str
    seed: int
    holdout: bool

    def model(self) -> HardwareModel:
        return random_model(
            list(self.sizes),
            seed=self.seed,
            weight_bits=self.weight_bits,
            membrane_bits=self.membrane_bits,
            density=self.density,
            leak_shift=4 if self.leak else None,
            reset=self.reset,
            readout=self.readout,
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sweep_configs(count: int = 36, seed: int = SWEEP_SEED) -> list[SweepConfig]:
    """``count`` seeded configurations spanning sizes, bits, density, lanes, layers, leak, reset, readout,
    plus the five 784-256-10 benchmark cores (P = 1 .. 16)."""
    rng = np.random.default_rng(seed)
    shapes = [
        (64, 10),
        (100, 32, 10),
        (64, 64, 16),
        (128, 48, 10),
        (196, 64, 10),
        (32, 32, 32, 10),
        (256, 32, 10),
        (144, 96, 24),
        (48, 128, 8),
        (96, 40, 20, 10),
    ]
    configs = []
    for index in range(count):
        sizes = shapes[index % len(shapes)]
        configs.append(
            SweepConfig(
                name=f"c{index:02d}",
                sizes=tuple(int(s) for s in sizes),
                weight_bits=int(rng.choice([2, 3, 4, 6, 8])),
                membrane_bits=int(rng.choice([8, 10, 12, 16])),
                density=float(rng.choice([0.1, 0.25, 0.5, 0.9])),
                lanes=int((1, 2, 4, 8, 16)[index % 5]),
                leak=bool(rng.random() < 0.6),
                reset=str(rng.choice(["subtract", "zero"])),
                readout=str(rng.choice(["count", "membrane"])),
                seed=int(seed + index),
                holdout=index % 3 == 2,
            )
        )
    # the benchmark shape: 784-256-10 at 90% sparsity, P = 1 .. 16 (P = 2 and 8 held out)
    for lanes in (1, 2, 4, 8, 16):
        configs.append(
            SweepConfig(
                f"b784p{lanes}",
                (784, 256, 10),
                4,
                16,
                0.1,
                lanes,
                True,
                "subtract",
                "count",
                0,
                holdout=lanes in (2, 8),
            )
        )
    return configs


def synthesize_sweep(configs: list[SweepConfig], work_dir: str | Path, *, jobs: int = 2, quiet: bool = False):
    """Generate and synthesize every configuration (``jobs`` Yosys processes at a time); returns
    SynthResults."""
    from tqdm import tqdm

    from spikeforge.rtl.generator import generate_rtl
    from spikeforge.synth.yosys import synthesize

    work = Path(work_dir)

    def one(config: SweepConfig):
        design = work / config.name
        generate_rtl(config.model(), design, lanes=config.lanes, model_sha256=config.name)
        return synthesize(design)

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(tqdm(pool.map(one, configs), total=len(configs), desc="yosys", disable=quiet))


@dataclass(frozen=True)
class LatencyCase:
    """One model, its lanes and a dataset-like input batch, for measuring RTL cycles per sample."""

    name: str
    sizes: tuple[int, ...]
    density: float
    lanes: int
    rate: float
    timesteps: int
    samples: int
    seed: int
    holdout: bool
    dataset: str | None = None  # rate-encoded test split of this dataset instead of random spikes

    def model(self) -> HardwareModel:
        return random_model(
            list(self.sizes), seed=self.seed, weight_bits=4, membrane_bits=16, density=self.density
        )

    def spikes(self) -> np.ndarray:
        if self.dataset is not None:
            from spikeforge.data.datasets import load_dataset

            return np.asarray(
                load_dataset(self.dataset).spike_trains("test", self.timesteps, "rate")[: self.samples]
            )
        rng = np.random.default_rng(self.seed)
        rates = rng.random(self.sizes[0]) * 2 * self.rate  # uneven per-input rates, mean ``rate``
        return rng.random((self.samples, self.timesteps, self.sizes[0])) < rates


def latency_cases() -> list[LatencyCase]:
    """Cores for the latency calibration: the benchmark shape (784-256-10 at 90% sparsity, P = 1 .. 16) on
    random spikes and on rate-encoded MNIST, plus smaller multi-layer ones; every other case is held out."""
    shapes = [
        ((784, 256, 10), 0.1, 1, 0.1),
        ((784, 256, 10), 0.1, 2, 0.1),
        ((784, 256, 10), 0.1, 4, 0.1),
        ((64, 64, 10), 0.5, 1, 0.2),
        ((100, 48, 24, 10), 0.3, 2, 0.15),
        ((64, 128, 16), 0.25, 8, 0.1),
        ((196, 64, 10), 0.9, 4, 0.05),
        ((32, 32, 32, 10), 0.5, 1, 0.3),
        ((784, 256, 10), 0.1, 16, 0.1),
        ((128, 96, 10), 0.3, 16, 0.2),
    ]
    cases = [
        LatencyCase(f"lat{i}", s, d, p, r, 16, 8, SWEEP_SEED + 100 + i, holdout=i % 2 == 1)
        for i, (s, d, p, r) in enumerate(shapes)
    ]
    # the benchmark itself: rate-encoded MNIST (mnist5k test split), all held out
    cases += [
        LatencyCase(f"mnist_p{p}", (784, 256, 10), 0.1, p, 0.0, 16, 8, 0, holdout=True, dataset="mnist5k")
        for p in (1, 2, 4, 8, 16)
    ]
    return cases


def measure_rtl_cycles(case: LatencyCase, work_dir: str | Path) -> float:
    """Cycles per sample of the Verilator-simulated core (runner: first input word to last readout word,
    samples back to back, no stalls), divided by the number of samples."""
    from spikeforge.hw.events import encode_spikes
    from spikeforge.rtl.generator import generate_rtl
    from spikeforge.rtl.runner import SimCase, build, run

    design = Path(work_dir) / case.name
    model = case.model()
    generate_rtl(model, design, lanes=case.lanes, model_sha256=case.name)
    built = build(design, Path(work_dir) / f"{case.name}_sim")
    stream = encode_spikes(case.spikes())
    (result,) = run(built, [SimCase.from_stream(design, stream, model.n_outputs)])
    return result.cycles / case.samples
