"""Drift against a reference set: the summary in the report, the policy's far-row findings."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from detectors.drift import js_divergence, ks_distance
from tests.helpers import NO_MODELS, SHARED_DATA, run_cli, write_jsonl

pytestmark = pytest.mark.skipif(
    not (SHARED_DATA / "code_alpaca").exists(), reason="needs ../shared/data"
)


def test_statistics() -> None:
    import numpy as np

    assert ks_distance([1, 2, 3], [1, 2, 3]) == 0.0
    assert ks_distance([1, 1, 1], [9, 9, 9]) == 1.0
    assert js_divergence(np.array([1.0, 1.0]), np.array([1.0, 1.0])) == pytest.approx(0.0)
    assert js_divergence(np.array([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(1.0)


def test_a_set_that_wandered_off_its_domain_drifts_more(tmp_path: Path) -> None:
    alpaca = json.loads((SHARED_DATA / "alpaca" / "alpaca_data.json").read_text())
    code = json.loads((SHARED_DATA / "code_alpaca" / "code_alpaca_2k.json").read_text())
    random.Random(7).shuffle(alpaca)
    ref = write_jsonl(tmp_path / "ref.jsonl", alpaca[:200])
    same = write_jsonl(tmp_path / "same.jsonl", alpaca[200:300])
    moved = write_jsonl(tmp_path / "moved.jsonl", code[:100])
    summaries = {}
    for name, path in (("same", same), ("moved", moved)):
        out = tmp_path / name
        proc = run_cli(
            "scan",
            path,
            "--out",
            out,
            "--reference",
            ref,
            "--policy",
            NO_MODELS,
            "--cache",
            tmp_path / "cache",
        )
        assert proc.returncode == 0, proc.stderr
        report = json.loads((out / "report.json").read_text())
        summaries[name] = report["drift"]
        assert 190 <= report["drift"]["reference_rows"] <= 200  # rows with text
        assert "Drift against the reference" in (out / "report.html").read_text()
    s, m = summaries["same"], summaries["moved"]
    assert m["centroid_shift"] > 2 * s["centroid_shift"]
    assert m["topic_js"] > s["topic_js"]
    code_words = {"int", "str", "void", "const", "args", "println", "class"}
    assert len(code_words & set(m["new_tokens"])) >= 3, m["new_tokens"]
    assert not code_words & set(s["new_tokens"]), s["new_tokens"]
    assert m["length_ks"]["output"] > s["length_ks"]["output"]


def test_reference_with_drift_disabled_is_a_usage_error(tmp_path: Path) -> None:
    f = write_jsonl(tmp_path / "a.jsonl", [{"instruction": "x", "output": "y"}])
    pol = tmp_path / "p.toml"
    pol.write_text(NO_MODELS.read_text() + "\n[detectors.drift]\nenabled = false\n")
    proc = run_cli("scan", f, "--out", tmp_path / "o", "--reference", f, "--policy", pol)
    assert proc.returncode == 2 and "drift" in proc.stderr
