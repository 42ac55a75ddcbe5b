"""scripts/bench.py keeps working: a small run of the model-free sections, plain and isolated."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers import ROOT, SHARED_DATA

pytestmark = pytest.mark.skipif(
    not (SHARED_DATA / "alpaca").exists(), reason="needs ../shared/data/alpaca"
)


def bench(*args: str) -> dict[str, object]:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "bench.py"), "--rows", "300", "--json", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)  # type: ignore[no-any-return]


def test_scan_and_verify_sections_report_rates_and_ratios() -> None:
    doc = bench("--only", "scan", "verify")
    scan = doc["scan"]
    assert isinstance(scan, dict) and scan["rows"] == 300 and scan["end_to_end_rows_per_s"] > 0
    verify = doc["verify"]
    assert isinstance(verify, dict) and verify["ratio_verify_vs_sha256sum"] > 0
    assert doc["device"] == "cpu"


def test_isolated_sections_report_their_own_peak_memory() -> None:
    doc = bench("--isolate", "--only", "scan")
    peak = doc["peak_rss_mb"]
    assert isinstance(peak, dict) and set(peak) == {"scan"} and peak["scan"] > 10
