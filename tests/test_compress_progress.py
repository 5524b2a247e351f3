"""compress with the default effort: the plan and expected run time are printed before the run, each node's
epochs and stopping reason after it, and report.json records both."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from spikeforge.cli import main

pytestmark = pytest.mark.slow


def test_default_effort_is_printed_and_recorded(tmp_path: Path, capsys) -> None:
    ck = tmp_path / "ck"
    assert main(["train", "--epochs", "2", "--hidden", "128", "--quiet", "-o", str(ck)]) == 0
    capsys.readouterr()
    out = tmp_path / "c"
    assert (
        main(
            [
                "compress",
                str(ck / "checkpoint.pt"),
                "--bram",
                "0",
                "--max-compress-epochs",
                "2",
                "-o",
                str(out),
            ]
        )
        == 0
    )
    printed = capsys.readouterr()
    text = printed.out + printed.err
    plan_line = re.search(
        r"(\d+) nodes \(ratio to dense: finetuning epochs\) (.*); compression <= 2 epochs", text
    )
    assert plan_line, text
    assert re.search(
        r"finetuning stops on validation \(patience 2\); expected [0-9.]+ min, at most [0-9.]+ min", text
    )
    assert text.index("nodes (ratio to dense") < text.index("hardware accuracy (test)")  # before, not after
    report = json.loads((out / "report.json").read_text())
    plan = report["effort"]["plan"]
    assert len(plan) == int(plan_line.group(1)) and all(p["ratio"] > 1 for p in plan)
    assert [p["ratio"] for p in plan] == sorted(p["ratio"] for p in plan)  # tighter and tighter
    likely, worst = report["effort"]["expected_seconds"]
    assert 0 < likely <= worst
    assert report["schedule"]["finetune_epochs"] is None and report["schedule"]["weight_decay"] == 1e-4
    trained = [n for n in report["nodes"] if n["max_finetune_epochs"]]
    assert len(trained) == len(plan)
    for i, (node, p) in enumerate(zip(trained, plan, strict=True)):
        assert node["max_finetune_epochs"] == p["max_finetune_epochs"]
        assert 1 <= node["finetune_epochs"] <= p["max_finetune_epochs"]
        assert node["stopped"] in ("patience", "epoch cap")
        assert node["stopped"] == "epoch cap" or node["finetune_epochs"] >= 2 * 3  # patience 2, two cuts
        assert (
            f"node {i + 1}: " in text
            and f"{node['finetune_epochs']}/{p['max_finetune_epochs']} finetuning" in text
        )
