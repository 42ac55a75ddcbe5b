"""report.html: self-contained, deterministic, signed, and it renders in a real browser."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import ROOT, run_cli

# scripts/test installs chromium and names it; a bare pytest run on a dev machine skips
CHROMIUM = os.environ.get("TUNEGATE_BROWSER") or shutil.which("chromium")
FLAG_DUPLICATES = """
[detectors.exact_duplicate]
actions = { duplicate = "flag" }
[detectors.near_duplicate]
actions = { near_duplicate = "flag" }
[detectors.semantic_duplicate]
actions = { semantic_duplicate = "flag" }
"""


@pytest.fixture(scope="module")
def signed_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo, with duplicates flagged and kept, so the page has rows of both kinds."""
    tmp = tmp_path_factory.mktemp("report")
    assert run_cli("keygen", "--out", tmp / "k").returncode == 0
    out = tmp / "out"
    (tmp / "policy.toml").write_text(FLAG_DUPLICATES)
    proc = run_cli(
        "scan",
        ROOT / "fixtures" / "demo.jsonl",
        "--out",
        out,
        "--dataset",
        "tunegate/demo",
        "--sign-key",
        tmp / "k.key",
        "--policy",
        tmp / "policy.toml",
    )
    assert proc.returncode == 0, proc.stderr
    return out


def test_page_is_signed_self_contained_and_re_renders_identically(signed_demo: Path) -> None:
    page = (signed_demo / "report.html").read_text()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)  # no network, no CDN
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    envelope = json.loads((signed_demo / "manifest.intoto.jsonl").read_text())
    statement = json.loads(base64.b64decode(envelope["payload"]))
    assert "report.html" in {s["name"] for s in statement["subject"]}  # signed like the rest
    before = (signed_demo / "report.html").read_bytes()
    assert run_cli("report", signed_demo).returncode == 0
    assert (signed_demo / "report.html").read_bytes() == before
    proc = run_cli("verify", signed_demo, "--key", signed_demo.parent / "k.pub")
    assert proc.returncode == 0, proc.stderr
    # the secret planted in the demo never reaches the page
    assert "AKIA" not in page
    data = json.loads(re.search(r'id="data">(.*?)</script>', page, re.S)[1])  # type: ignore[index]
    rules = {e["rule"]: e for e in data["rule_rows"]}
    assert rules["exact_duplicate/duplicate"]["flagged"] >= 1
    assert all(r["status"] == "quarantined" for r in rules["secrets/SECRET_AWS_ACCESS_KEY"]["rows"])


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is installed by scripts/test")
def test_page_renders_in_headless_chromium(signed_demo: Path, tmp_path: Path) -> None:
    assert CHROMIUM is not None
    proc = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
            (signed_demo / "report.html").as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    console = [line for line in proc.stderr.splitlines() if ":CONSOLE" in line]
    assert not console, console  # no errors, no warnings, nothing logged at all
    dom = proc.stdout
    assert 'data-rendered="yes"' in dom  # the script ran to its end
    counts = json.loads((signed_demo / "report.json").read_text())["counts"]
    shown = dict(re.findall(r'data-count="([^"]+)">([\d,]+)<', dom))
    assert shown["rows in"] == f"{counts['rows_in']:,}"
    assert shown["clean"] == f"{counts['rows_clean']:,}"
    assert shown["quarantined"] == f"{counts['rows_quarantined']:,}"
    assert "<svg" in dom and "published" in dom
    # the reviewer's pages open on the first rule, exact duplicates: flagged, kept rows
    report = json.loads((signed_demo / "report.json").read_text())
    assert report["flagged_by_reason"]["exact_duplicate"]["duplicate"] >= 1
    rows = re.findall(r'<tr data-row="([^"]+)"><td><b>[^<]*</b></td><td>(\w+)</td>', dom)
    assert rows and all(status == "flagged" for _, status in rows)
    assert "exact_duplicate/duplicate:" in dom
