"""The real CLI, as a user runs it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.helpers import (
    NO_MODELS,
    ROOT,
    SHARED_DATA,
    alpaca,
    assert_conserved,
    files_under,
    read_split,
    report,
    run_cli,
    write_jsonl,
)

pytestmark = pytest.mark.slow


def test_scan_demo_fixture(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    r = run_cli("scan", ROOT / "fixtures" / "demo.jsonl", "--out", out)
    assert r.returncode == 0, r.stderr
    assert "quarantined" in r.stdout
    rep = report(out)
    assert_conserved(rep)
    assert rep["by_reason"]["exact_duplicate"]["duplicate"] == 1
    clean = read_split(out, "clean")
    assert clean is not None and clean.schema.field("_source_id").type == pa.int64()


def test_json_output_is_the_report(tmp_path: Path) -> None:
    r = run_cli("scan", ROOT / "fixtures" / "demo.jsonl", "--out", tmp_path / "o", "--json")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == report(tmp_path / "o")


def test_bad_file_exit_2_names_file_and_line(tmp_path: Path) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text(json.dumps(alpaca(0)) + "\n" + '{"instruction": "x", "output": \n')
    r = run_cli("scan", p, "--out", tmp_path / "o")
    assert r.returncode == 2
    assert "bad.jsonl" in r.stderr and "line 2" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists()


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "a.jsonl", [alpaca(0)])
    out = tmp_path / "o"
    out.mkdir()
    (out / "x").write_text("")
    r = run_cli("scan", p, "--out", out)
    assert r.returncode == 2 and "--overwrite" in r.stderr
    r = run_cli(
        "scan",
        p,
        "--out",
        tmp_path / "o2",
        "--policy",
        ROOT / "fixtures/policies/invalid_action.toml",
    )
    assert r.returncode == 2 and "delete" in r.stderr
    r = run_cli("scan", p, "--out", tmp_path / "o3", "--fields", "nope")
    assert r.returncode == 2 and "nope" in r.stderr


def test_gate_failure_exit_1(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "a.jsonl", [alpaca(0)] * 3 + [alpaca(i) for i in range(1, 5)])
    r = run_cli(
        "scan",
        p,
        "--out",
        tmp_path / "o",
        "--policy",
        ROOT / "fixtures/policies/gate_duplicates.toml",
    )
    assert r.returncode == 1, r.stderr
    assert "GATE FAILED" in r.stdout
    assert not (tmp_path / "o" / "clean").exists()


def test_fields_override(tmp_path: Path) -> None:
    p = write_jsonl(
        tmp_path / "qa.jsonl", [{"q": f"question {i}", "a": f"answer {i}"} for i in range(3)]
    )
    r = run_cli("scan", p, "--out", tmp_path / "o", "--fields", "q,a", "--json")
    assert r.returncode == 0, r.stderr
    assert [c["name"] for c in json.loads(r.stdout)["schema"]["columns"]] == ["q", "a"]


def test_kill_mid_scan_leaves_no_final_file(tmp_path: Path) -> None:
    """SIGKILL while the scan is under way: nothing appears under a final name."""
    p = tmp_path / "big.jsonl"
    write_jsonl(p, (alpaca(i) for i in range(300_000)))
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gateway",
            "scan",
            str(p),
            "--out",
            str(out),
            "--policy",
            str(NO_MODELS),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    try:
        # wait for the condition (the spool exists), not for a time
        deadline = time.monotonic() + 120
        while not list(tmp_path.glob(".out.tunegate-*.partial/.spool.arrow")):
            assert proc.poll() is None, "the scan ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert not out.exists()
    assert files_under(out) == []


SHARED_SETS = [
    "alpaca/alpaca_data.json",
    "alpaca_zh/alpaca_data-0-3252_zh.json",
    "code_alpaca/code_alpaca_2k.json",
    "self_instruct/seed_tasks.jsonl",
    "self_instruct/user_oriented_instructions.jsonl",
    "chat_sharegpt/dummy_conversation.json",
    "chat_sharegpt/mt_bench_question.jsonl",
]


@pytest.mark.parametrize("rel", SHARED_SETS)
def test_scans_every_shared_instruction_set(tmp_path: Path, rel: str) -> None:
    path = SHARED_DATA / rel
    if not path.exists():
        pytest.skip(f"{path} is not on this machine")
    # reading every schema is what is tested here; PII on real data has its own tests
    r = run_cli("scan", path, "--out", tmp_path / "o", "--json", "--policy", NO_MODELS)
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert_conserved(rep)
    assert rep["counts"]["rows_in"] > 0


def test_parquet_cli_round_trip(tmp_path: Path) -> None:
    p = tmp_path / "d.parquet"
    pq.write_table(
        pa.table(
            {
                "instruction": ["a", "b", "a"],
                "context": ["", "", ""],
                "response": ["x", "y", "x"],
                "_source_id": pa.array([1, 2, 3], pa.int64()),
            }
        ),
        p,
    )
    r = run_cli("scan", p, "--out", tmp_path / "o", "--json")
    assert r.returncode == 0, r.stderr
    rep = json.loads(r.stdout)
    assert rep["schema"]["kind"] == "dolly"
    assert rep["counts"]["rows_quarantined"] == 1
