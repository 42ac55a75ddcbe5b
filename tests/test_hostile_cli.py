"""Hostile names and chains at the CLI: each test is named after the attack it stops."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.errors import UsageError
from gateway.trust.manifest import MANIFEST_NAME
from gateway.trust.names import dataset_id, dataset_pattern
from tests.helpers import NO_MODELS, alpaca, run_cli, write_jsonl


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("keys")
    for name in ("fw", "stranger"):
        assert run_cli("keygen", "--out", d / name).returncode == 0
    return d


def signed_scan(tmp: Path, key: Path, *extra: str | Path, name: str = "run") -> Path:
    data = write_jsonl(tmp / f"{name}.jsonl", [alpaca(i) for i in range(5)])
    out = tmp / name
    proc = run_cli(
        "scan",
        data,
        "--out",
        out,
        "--policy",
        NO_MODELS,
        "--dataset",
        "acme/support",
        "--sign-key",
        key,
        *extra,
    )
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.slow
def test_forged_previous_cannot_make_the_key_sign_sequence_one_million(
    keys: Path, tmp_path: Path
) -> None:
    real = signed_scan(tmp_path, keys / "fw.key", name="v1")
    env = json.loads((real / MANIFEST_NAME).read_text())
    statement = json.loads(base64.b64decode(env["payload"]))
    statement["predicate"]["dataset"]["sequence"] = 1_000_000
    env["payload"] = base64.b64encode(json.dumps(statement).encode()).decode()
    (real / MANIFEST_NAME).write_text(json.dumps(env))  # the old signature no longer fits
    data = write_jsonl(tmp_path / "next.jsonl", [alpaca(i) for i in range(5, 9)])
    proc = run_cli(
        "scan",
        data,
        "--out",
        tmp_path / "v2",
        "--policy",
        NO_MODELS,
        "--dataset",
        "acme/support",
        "--sign-key",
        keys / "fw.key",
        "--previous",
        real,
    )
    assert proc.returncode == 3, proc.stderr
    assert not (tmp_path / "v2").exists()


@pytest.mark.slow
def test_previous_signed_by_a_stranger_is_not_chained(keys: Path, tmp_path: Path) -> None:
    theirs = signed_scan(tmp_path, keys / "stranger.key", name="v1")
    data = write_jsonl(tmp_path / "next.jsonl", [alpaca(i) for i in range(5, 9)])
    args = ["scan", data, "--out", tmp_path / "v2", "--policy", NO_MODELS]
    args += ["--dataset", "acme/support", "--sign-key", keys / "fw.key", "--previous", theirs]
    refused = run_cli(*args)
    assert refused.returncode == 3
    assert f"--previous {theirs}" in refused.stderr and "--trusted-keys" in refused.stderr
    # with a trust file naming the stranger's key, the chain is accepted
    pub = str(keys / "stranger.pub")
    (tmp_path / "trusted.json").write_text(json.dumps({"keys": [{"public_key": pub}]}))
    ok = run_cli(*args, "--trusted-keys", tmp_path / "trusted.json")
    assert ok.returncode == 0, ok.stderr
    report = json.loads((tmp_path / "v2" / "report.json").read_text())
    assert report["release"]["sequence"] == 2


@pytest.mark.parametrize(
    "name",
    [
        "acme/../finance/payroll",
        "acme/support\n",
        "acme/support\r",
        "Acme/support",
        "acme//support",
        "/acme/support",
        "acme/support/",
        "acme/./x",
        "acme/sup port",
        "acme/\u0430pple",  # Cyrillic a: a look-alike of acme/apple
        "a" * 201,
        "",
    ],
)
def test_look_alike_and_escaping_dataset_ids_are_refused(name: str) -> None:
    with pytest.raises(UsageError, match="not valid"):
        dataset_id(name)


@pytest.mark.slow
def test_cli_refuses_to_sign_a_dataset_id_that_escapes_its_namespace(
    keys: Path, tmp_path: Path
) -> None:
    data = write_jsonl(tmp_path / "d.jsonl", [alpaca(1)])
    proc = run_cli(
        "scan",
        data,
        "--out",
        tmp_path / "o",
        "--dataset",
        "acme/../finance/payroll",
        "--sign-key",
        keys / "fw.key",
        "--policy",
        NO_MODELS,
    )
    assert proc.returncode == 2 and "acme/../finance/payroll" in proc.stderr


@pytest.mark.parametrize("pattern", ["acme/public\n*", "acme/[a-z]*", "acme/../*", " finance/*"])
def test_token_pattern_with_a_newline_or_class_is_refused(pattern: str) -> None:
    with pytest.raises(UsageError, match="not valid"):
        dataset_pattern(pattern)


@given(st.text(max_size=40))
def test_dataset_ids_are_exactly_the_grammar(text: str) -> None:
    """Whatever string comes in, it is either refused or a plain lowercase path."""
    try:
        dataset_id(text)
    except UsageError:
        return
    assert text == text.strip() and text.isascii() and text == text.lower()
    assert all(part and part[0].isalnum() for part in text.split("/"))


@pytest.mark.slow
def test_two_scans_to_one_out_cannot_both_publish(tmp_path: Path) -> None:
    """Both once exited 0 and one silently replaced the other."""
    from gateway.core.locks import hold

    out = tmp_path / "out"
    data = write_jsonl(tmp_path / "d.jsonl", [alpaca(i) for i in range(3)])
    held = hold(tmp_path / ".out.tunegate.lock", "busy")  # a scan in progress
    try:
        proc = run_cli("scan", data, "--out", out, "--policy", NO_MODELS)
    finally:
        os.close(held)
    assert proc.returncode == 2 and "another scan is writing" in proc.stderr
    assert not out.exists()
    assert run_cli("scan", data, "--out", out, "--policy", NO_MODELS).returncode == 0


@pytest.mark.slow
def test_symlinked_out_is_refused_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    data = write_jsonl(tmp_path / "d.jsonl", [alpaca(1)])
    proc = run_cli("scan", data, "--out", tmp_path / "link", "--policy", NO_MODELS)
    assert proc.returncode == 2 and "symlink" in proc.stderr


@pytest.mark.slow
def test_a_fifo_input_is_refused_not_a_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "rows.jsonl"
    os.mkfifo(fifo)  # nobody ever writes: opening it to read would block for ever
    proc = run_cli("scan", fifo, "--out", tmp_path / "o", "--policy", NO_MODELS)
    assert proc.returncode == 2 and "not a regular file" in proc.stderr
