"""Hostile files end in success or a clear input error (exit 2), never an internal one.

Exit 70 is reserved for bugs. A generated file mixes what has crashed the reader before:
deep nesting, numbers past Python's digit limit, lone surrogates in keys and values,
columns under the firewall's reserved prefix, control characters and odd types.
"""

from __future__ import annotations

import errno
import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.core.pipeline import Pipeline
from gateway.core.policy import load_policy
from gateway.core.scan_types import ScanRequest
from gateway.errors import TunegateError, UsageError
from tests.helpers import NO_MODELS, reasons_by_row, run_cli

PIPELINE = Pipeline(load_policy(NO_MODELS))


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


fragment = st.one_of(
    st.builds(nested, st.integers(1, 1500)),
    st.builds(lambda n: "9" * n, st.integers(1, 6000)),
    st.sampled_from(['"\\ud800"', '"ok"', "null", "true", "-0.0", "1e400", '"\\u0000"', "{}"]),
    st.text(max_size=20).map(json.dumps),
)
key = st.one_of(
    st.sampled_from(["instruction", "output", "input", "notes", "tunegate_flags", "\\ud800k", ""]),
    st.text(max_size=8),
).map(lambda k: k if k.startswith("\\u") else json.dumps(k)[1:-1])


@st.composite
def hostile_line(draw: st.DrawFn) -> str:
    fields = ['"instruction": "Name a colour."', '"output": "Blue."']
    for _ in range(draw(st.integers(0, 3))):
        fields.append(f'"{draw(key)}": {draw(fragment)}')
    return "{" + ", ".join(fields) + "}"


@settings(
    max_examples=60,
    derandomize=True,  # the same files on every run; widen locally with more examples
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(hostile_line(), min_size=1, max_size=4), st.booleans())
def test_hostile_jsonl_is_scanned_or_refused_never_a_crash(
    tmp_path: Path, lines: list[str], as_array: bool
) -> None:
    src = tmp_path / ("in.json" if as_array else "in.jsonl")
    src.write_text(("[" + ",".join(lines) + "]") if as_array else "\n".join(lines) + "\n")
    try:
        result = PIPELINE.scan(
            ScanRequest(inputs=[src], out=tmp_path / "out", overwrite=True, device="cpu")
        )
    except TunegateError as e:
        assert e.exit_code == 2, e
        assert str(src) in str(e) or src.name in str(e), e  # it names the file
        return
    c = result.report["counts"]
    assert c["rows_in"] == c["rows_clean"] + c["rows_quarantined"]


@pytest.mark.slow
def test_the_cli_exits_2_on_each_kind(tmp_path: Path) -> None:
    kinds = {
        "deep": '{"instruction": "a", "output": "b", "x": ' + nested(100_000) + "}",
        "digits": '{"instruction": "a", "output": "b", "n": ' + "9" * 5000 + "}",
        "surrogate-key": '{"instruction": "a", "output": "b", "\\ud800k": "v"}',
        "reserved": '{"instruction": "a", "output": "b", "tunegate_flags": []}',
    }
    for name, line in kinds.items():
        src = tmp_path / f"{name}.jsonl"
        src.write_text(line + "\n")
        proc = run_cli("scan", src, "--out", tmp_path / name, "--policy", NO_MODELS)
        assert proc.returncode == 2, (name, proc.stderr[-500:])
        assert f"{name}.jsonl" in proc.stderr


def peak_rss_mib(*args: str | Path) -> tuple[int, float, str]:
    """Run the CLI in a fresh parent whose only child it is; (exit code, the child's peak
    RSS in MiB, stderr)."""
    probe = (
        "import resource, subprocess, sys; "
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=300); "
        "print(p.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); "
        "sys.stderr.write(p.stderr)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe, sys.executable, "-m", "gateway", *map(str, args)],
        capture_output=True,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        timeout=600,
    )
    code, kib = proc.stdout.split()
    return int(code), int(kib) / 1024, proc.stderr


ROW = json.dumps({"instruction": "Name a colour.", "output": "Blue."})


@pytest.mark.slow
def test_a_64_mib_line_is_quarantined_without_being_held(tmp_path: Path) -> None:
    """A 200 MB JSON line once peaked at 3.1 GB: the reader held it, and split it again
    with every chunk."""
    small = tmp_path / "small.jsonl"
    small.write_text(ROW + "\n")
    big = tmp_path / "big.jsonl"
    with big.open("w") as f:
        f.write(ROW + "\n" + '{"instruction": "' + "a" * (64 << 20) + '", "output": "b"}\n')
    base_code, base_mib, _ = peak_rss_mib(
        "scan", small, "--out", tmp_path / "o1", "--policy", NO_MODELS
    )
    code, mib, err = peak_rss_mib("scan", big, "--out", tmp_path / "o2", "--policy", NO_MODELS)
    assert (base_code, code) == (0, 0), err
    assert mib - base_mib < 32, (base_mib, mib)  # the 64 MiB line was never in memory
    reasons = reasons_by_row(tmp_path / "o2")
    assert reasons == {"big.jsonl:1": ["validation/row_too_large"]}


@pytest.mark.slow
def test_a_gzip_that_expands_to_one_huge_line_is_read_in_one_linear_pass(tmp_path: Path) -> None:
    """A 2 MB gzip expanding to one 2 GiB line ran for 300 s and kept growing."""
    src = tmp_path / "bomb.jsonl.gz"
    with gzip.open(src, "wb", compresslevel=1) as f:
        f.write((ROW + "\n").encode() + b'{"instruction": "')
        block = b"a" * (16 << 20)
        for _ in range(64):  # 1 GiB of one line
            f.write(block)
        f.write(b'", "output": "b"}\n')
    code, mib, err = peak_rss_mib("scan", src, "--out", tmp_path / "o", "--policy", NO_MODELS)
    assert code == 0, err
    assert mib < 1024, mib
    assert reasons_by_row(tmp_path / "o") == {"bomb.jsonl.gz:1": ["validation/row_too_large"]}


def test_a_full_disk_is_a_clear_exit_2_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC while writing shards ended the job with exit 70."""
    import gateway.core.pipeline as pipeline

    def full(*args: object, **kw: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pipeline, "write_shards", full)
    src = tmp_path / "in.jsonl"
    src.write_text(ROW + "\n")
    with pytest.raises(UsageError, match="No space left") as e:
        PIPELINE.scan(ScanRequest(inputs=[src], out=tmp_path / "out", device="cpu"))
    assert e.value.exit_code == 2 and str(tmp_path / "out") in str(e.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".out.tunegate.lock", "in.jsonl"]
