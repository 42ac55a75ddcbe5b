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
from tests.helpers import NO_MODELS, reasons_by_row, run_cli, write_jsonl

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


@pytest.mark.slow
def test_a_json_array_element_too_large_is_quarantined_without_being_held(
    tmp_path: Path,
) -> None:
    """An element of a top-level JSON array was buffered whole, however large: a 2 MB gzip
    held a 256 MiB element, made of escapes and brackets that a reader must walk."""
    src = tmp_path / "array.json.gz"
    with gzip.open(src, "wb", compresslevel=1) as f:
        f.write(f"[{ROW}, ".encode() + b'{"instruction": "')
        block = b'\\"]}' * (4 << 20)  # escaped quotes, and brackets inside a string
        for _ in range(16):
            f.write(block)
        last = json.dumps({"instruction": "Name a fruit.", "output": "Plum."})
        f.write(b'", "output": [[1], {"x": "]"}]}, ' + last.encode() + b"]")
    code, mib, err = peak_rss_mib("scan", src, "--out", tmp_path / "o", "--policy", NO_MODELS)
    assert code == 0, err
    assert mib < 1024, mib
    rep = json.loads((tmp_path / "o" / "report.json").read_text())
    assert rep["counts"]["rows_in"] == 3  # the rows after the large one are read too
    assert reasons_by_row(tmp_path / "o") == {"array.json.gz:1": ["validation/row_too_large"]}


def _dictionary_bomb(path: Path, rows: int, cell_bytes: int) -> Path:
    """One value stored once in a dictionary page and repeated by its indices: a file of
    a few KB that decodes to rows × cell_bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cells = pa.DictionaryArray.from_arrays(
        pa.array([0] * rows, pa.int32()), pa.array(["z" * cell_bytes])
    )
    table = pa.table({"instruction": cells, "output": pa.array(["ok"] * rows)})
    pq.write_table(
        table, path, compression="zstd", dictionary_pagesize_limit=64 << 20, store_schema=False
    )
    return path


@pytest.mark.slow
def test_a_parquet_dictionary_bomb_is_quarantined_unread(tmp_path: Path) -> None:
    """A few KB of Parquet whose dictionary repeats one 9 MiB cell 300 times (2.7 GB
    decoded) was decoded a batch of 2,048 rows at a time."""
    src = _dictionary_bomb(tmp_path / "bomb.parquet", 300, 9 << 20)
    assert src.stat().st_size < 100_000
    code, mib, err = peak_rss_mib("scan", src, "--out", tmp_path / "o", "--policy", NO_MODELS)
    assert code == 0, err
    assert mib < 1024, mib
    reasons = reasons_by_row(tmp_path / "o")
    assert len(reasons) == 300
    assert set(map(tuple, reasons.values())) == {("validation/row_too_large",)}


def test_a_parquet_page_that_decodes_to_200_mib_is_refused_before_decoding(
    tmp_path: Path,
) -> None:
    """An 18 KB Parquet file with one 200 MiB cell cost its decoded size in memory: the
    byte limit counted compressed bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    src = tmp_path / "cell.parquet"
    big = pa.array(["hi", "a" * (300 << 20)], pa.string())
    pq.write_table(pa.table({"instruction": big, "output": ["x", "y"]}), src, compression="zstd")
    del big
    assert src.stat().st_size < 100_000
    r = run_cli("scan", src, "--out", tmp_path / "o", "--policy", NO_MODELS)
    assert r.returncode == 2, r.stderr
    assert "column 'instruction'" in r.stderr and "a page decodes to" in r.stderr
    assert not (tmp_path / "o").exists()


def test_a_dense_parquet_row_group_is_read_a_few_rows_at_a_time(tmp_path: Path) -> None:
    """Rows of 1 MiB among small ones: a batch is cut by decoded bytes, not only by rows,
    and the detectors still see every row once, in order."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from gateway.core.records import BATCH_BYTES, ParquetSource

    texts = [f"row {i}" if i % 50 else "w" * (1 << 20) for i in range(4000)]
    src = tmp_path / "dense.parquet"
    pq.write_table(pa.table({"instruction": texts, "output": ["o"] * 4000}), src)
    source = ParquetSource(src, "dense", 8 << 20)
    source.survey(2048)
    seen: list[str] = []
    for batch in source.batches(2048, ["instruction", "output"]):
        assert batch.arrow is not None and batch.arrow.nbytes <= BATCH_BYTES + (2 << 20)
        seen.extend(r["instruction"] for r in batch.rows)
    assert seen == texts


def test_findings_kept_per_row_and_rule_are_capped_and_the_rest_counted() -> None:
    """A row of 100,000 e-mail addresses kept 100,000 findings until the scan ended."""
    from detectors.base import Finding
    from gateway.core.scan_types import FINDINGS_PER_ROW_RULE, Findings
    from gateway.errors import LimitExceeded

    kept = Findings()
    kept.extend("pii", [Finding(0, "EMAIL_ADDRESS", 1.0, "e-mail") for _ in range(1000)])
    kept.extend("pii", [Finding(1, "EMAIL_ADDRESS", 1.0, "e-mail")])
    assert len(kept) == FINDINGS_PER_ROW_RULE + 1
    assert kept.not_kept == {"pii/EMAIL_ADDRESS": 1000 - FINDINGS_PER_ROW_RULE}
    bounded = Findings(limit=10)
    with pytest.raises(LimitExceeded, match="more than 10 things"):
        bounded.extend("dup", [Finding(i, "duplicate", 1.0, "copy") for i in range(11)])


def test_a_row_of_thousands_of_keys_keeps_a_bounded_number_of_findings(tmp_path: Path) -> None:
    keys = " ".join(f"AKIA{i:016d}".replace("0", "Q") for i in range(3000))
    src = write_jsonl(tmp_path / "r.jsonl", [{"instruction": keys, "output": "ok"}])
    result = PIPELINE.scan(ScanRequest([src], tmp_path / "o"))
    (name, dropped), *_ = result.report["findings_not_kept"].items()
    assert name.startswith("secrets/") and dropped >= 3000 - 16
    assert reasons_by_row(tmp_path / "o") == {"r.jsonl:0": [name] * 16}


def test_an_input_that_decodes_past_the_scan_limit_is_refused(tmp_path: Path) -> None:
    """A 2 MB gzip can decode to gigabytes, all of it spooled to disk."""
    from gateway.errors import LimitExceeded

    src = tmp_path / "rows.jsonl.gz"
    with gzip.open(src, "wt") as f:
        for i in range(2000):
            f.write(json.dumps({"instruction": f"{i} " + "x" * 1000, "output": "y"}) + "\n")
    with pytest.raises(LimitExceeded, match="decodes to more than 100,000 bytes"):
        PIPELINE.scan(ScanRequest([src], tmp_path / "o", max_decoded_bytes=100_000))
    assert not (tmp_path / "o").exists()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab"\\[]{}\n,', max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=20,
)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(
    value=json_values.filter(lambda v: isinstance(v, (list, dict, str))), slice_=st.integers(1, 9)
)
def test_the_oversized_element_skipper_ends_where_the_json_parser_does(
    value: object, slice_: int
) -> None:
    """Skipping a value too large to keep must stop exactly at its end, whatever escapes,
    quotes and brackets it holds and wherever a slice boundary falls: a wrong end would
    read an attacker's string as the next rows."""
    from gateway.core.records import _ElementState

    text = json.dumps(value) + ', "next"]'
    state = _ElementState()
    state.SLICE = slice_
    pos = 0
    while True:
        end = state.scan(text, pos)
        if end is not None:
            break
        assert state.consumed > 0
        pos += state.consumed
    assert end == len(json.dumps(value))


def test_a_nested_dictionary_bomb_in_a_chat_column_is_quarantined_unread(tmp_path: Path) -> None:
    """Dictionary pages inside a chat column: 2 KB of Parquet whose 400 conversations
    each repeat one 1 MiB message 50 times (20 GB decoded)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from gateway.core.records import ParquetSource, RowTooLarge

    n, per_row = 400, 50
    content = pa.DictionaryArray.from_arrays(
        pa.array([0] * (n * per_row), pa.int32()), pa.array(["c" * (1 << 20)])
    )
    turns = pa.StructArray.from_arrays(
        [pa.array(["user"] * (n * per_row)), content], names=["role", "content"]
    )
    messages = pa.ListArray.from_arrays(
        pa.array([i * per_row for i in range(n + 1)], pa.int32()), turns
    )
    path = tmp_path / "chat.parquet"
    pq.write_table(
        pa.table({"messages": messages}),
        path,
        compression="zstd",
        dictionary_pagesize_limit=64 << 20,
        store_schema=False,
    )
    assert path.stat().st_size < 100_000
    source = ParquetSource(path, "chat", 8 << 20)
    assert source.survey(2048).rows == n
    rows = [r for b in source.batches(2048, ["messages"]) for r in b.rows]
    assert len(rows) == n and all(isinstance(r, RowTooLarge) for r in rows)
    assert rows[0].bytes == per_row * ((1 << 20) + len("user"))
