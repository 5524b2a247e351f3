"""compress: the refusal's minimum is a lower bound, a collapsed or greedily forced result is said loudly
(terminal and report.md), --min-accuracy fails such a run without writing it, plots use the binding budget."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from spikeforge.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ck")
    assert main(["train", "--epochs", "1", "--hidden", "16", "--quiet", "-o", str(out)]) == 0
    return out / "checkpoint.pt"


FAST = ["--finetune-epochs", "1", "--max-compress-epochs", "1", "--quiet"]


@pytest.fixture(scope="module")
def tight_lut(checkpoint) -> str:
    """A LUT budget 5% above the least the compressor's resource model can reach for this network: so
    tight that the network collapses (forced greedily, accuracy near chance)."""
    from spikeforge.boards import get_board
    from spikeforge.compress.fpga import CoreResources
    from spikeforge.compress.pipeline import Data, export
    from spikeforge.compress.problem import Bounds, floor_estimate
    from spikeforge.estimate.activity import measured
    from spikeforge.train.checkpoint import load_model

    model, payload = load_model(checkpoint)
    data = Data.for_checkpoint(payload)
    dense = export(model, data, {})
    resources = CoreResources.for_model(
        dense, get_board("pynq-z2"), measured(dense, data.x["train"][:200]).mean_rates(), data.timesteps
    )
    return f"{1.05 * floor_estimate(resources, resources.sizes, Bounds())['lut']:.0f}"


@pytest.fixture(scope="module")
def tight_lut_run(checkpoint, tight_lut, tmp_path_factory):
    import contextlib
    import io

    out = tmp_path_factory.mktemp("lut") / "c"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["compress", str(checkpoint), "--lut", tight_lut, *FAST, "-o", str(out)])
    return code, err.getvalue(), out


def _minimum(checkpoint: Path, option: str, capsys) -> float:
    assert main(["compress", str(checkpoint), option, "1e-9", *FAST, "-o", "unused"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "minimum achievable is at least" in err, err
    return float(re.search(r"at least ([0-9.e+-]+)", err).group(1))


def test_the_refusals_minimum_is_below_what_a_run_reaches(checkpoint, tight_lut_run, capsys):
    code, _, out = tight_lut_run
    assert code == 0
    reached = {
        r["resource"]: r["compressed"] for r in json.loads((out / "report.json").read_text())["resources"]
    }
    assert _minimum(checkpoint, "--lut", capsys) <= reached["lut"]
    assert _minimum(checkpoint, "--latency-us", capsys) <= reached["latency_us"]
    assert not Path("unused").exists()


def test_a_collapsed_and_forced_result_is_said_loudly(tight_lut_run):
    code, err, out = tight_lut_run
    report = json.loads((out / "report.json").read_text())
    assert any(node["forced"] for node in report["nodes"])
    acc = report["hardware_accuracy"]
    assert acc["compressed"]["test"] < acc["dense"]["test"] - 0.3  # the premise: this run collapses
    warnings = report["warnings"]
    assert any("greedily" in w for w in warnings) and any("accuracy fell" in w for w in warnings)
    forced = ", ".join(str(i + 1) for i, node in enumerate(report["nodes"]) if node["forced"])
    assert any(f"budget of node {forced} within" in w for w in warnings)  # numbered as the CLI prints nodes
    assert err.count("warning: ") >= 2 and "greedily" in err and "accuracy fell" in err
    text = (out / "report.md").read_text()
    assert "## Warnings" in text and "greedily" in text and "accuracy fell" in text


def test_min_accuracy_fails_the_run_and_writes_nothing(checkpoint, tight_lut, tmp_path, capsys):
    out = tmp_path / "c"
    assert (
        main(["compress", str(checkpoint), "--lut", tight_lut, "--min-accuracy", "50", *FAST, "-o", str(out)])
        == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--min-accuracy 50" in err and "Traceback" not in err
    assert not out.exists() or not any(out.iterdir())


def test_the_accuracy_plot_uses_the_binding_budget(tight_lut_run):
    _, _, out = tight_lut_run
    report = json.loads((out / "report.json").read_text())
    assert report["binding_resource"] == "lut"
    assert (out / "accuracy_vs_resources.png").stat().st_size > 0


def test_the_accuracy_plot_axis_follows_the_binding_budget(tight_lut_run):
    from spikeforge.compress.report import binding_resource, figures

    _, _, out = tight_lut_run
    report = json.loads((out / "report.json").read_text())
    report.pop("binding_resource", None)
    for row in report["resources"]:
        if row["resource"] == "latency_us":  # a latency budget far below the dense core's: it binds
            row["budget"] = report["budget"]["latency_us"] = row["dense"] / 100
    assert binding_resource(report) == "latency_us"
    fig = figures(report)["accuracy"][1]
    left, right = fig.axes[:2]
    assert left.get_xlabel().startswith("latency_us") and right.get_xlabel().startswith("latency_us")
    assert "float" in left.get_title() and "hardware" in right.get_title()  # not mixed on one axis
