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


def _cuda() -> bool:
    import torch

    return bool(torch.cuda.is_available())


@pytest.mark.parametrize(
    "device",
    ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not _cuda(), reason="no CUDA device"))],
)
def test_the_full_scan_section_runs_on_the_device_and_prints_every_figure(device: str) -> None:
    """``scripts/bench.py --device cuda --only full`` is the prepared device check; on a
    CPU the same code path runs here on a tiny input, so the script is known to work
    before a device is lent."""
    doc = bench(
        "--device", device, "--only", "full", "--full-rows", "24", "--full-jailbreak-rows", "6"
    )
    full = doc["full"]
    assert isinstance(full, dict) and full["device"] == device
    for name in ("alpaca", "jailbreak"):
        x = full[name]
        assert x["scan_rows_per_s"] > 0 and x["ratio_scan_to_plain"] > 0
        assert 0 < x["pieces_plain"] <= x["pieces_segments_whole"]
        assert x["pieces_scan_model"] >= x["pieces_plain"]
        agree = x["agreement"]
        if device == "cpu":  # the same fp32 model on both paths: the same verdicts
            assert agree["split_agreement"] == 1.0 and agree["finding_agreement"] == 1.0
        else:  # fp16 on a GPU: a declared change, its agreement printed
            assert 0.0 <= agree["split_agreement"] <= 1.0
