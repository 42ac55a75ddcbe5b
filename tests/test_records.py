from __future__ import annotations

import gzip
import hashlib
import io
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.core import records
from gateway.core.records import plan_inputs
from gateway.errors import InputError
from tests.helpers import alpaca, write_jsonl


def _rows(path: Path, batch_rows: int = 3) -> list[object]:
    plan = plan_inputs([path], None, batch_rows)
    out: list[object] = []
    for b in plan.sources[0].batches(batch_rows, plan.text_schema.column_names):
        out.extend(b.rows)
    return out


def test_jsonl_blank_lines_are_skipped(tmp_path: Path) -> None:
    p = tmp_path / "a.jsonl"
    p.write_text(json.dumps(alpaca(1)) + "\n\n" + json.dumps(alpaca(2)) + "\n")
    assert len(_rows(p)) == 2


def test_gzip_jsonl(tmp_path: Path) -> None:
    p = tmp_path / "a.jsonl.gz"
    with gzip.open(p, "wt") as f:
        for i in range(5):
            f.write(json.dumps(alpaca(i)) + "\n")
    assert len(_rows(p)) == 5


def test_json_array_across_chunk_boundaries(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(records, "_CHUNK", 7)  # every value spans several reads
    data = [alpaca(i, n=10**i) for i in range(12)]
    p = tmp_path / "a.json"
    p.write_text(json.dumps(data, indent=3))
    assert _rows(p) == data


def test_json_file_holding_json_lines(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "lines.json", [alpaca(1), alpaca(2)])
    assert len(_rows(p)) == 2


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (json.dumps(alpaca(1)) + "\n{broken\n", "line 2"),
        (json.dumps(alpaca(1)) + "\n" + json.dumps(alpaca(2)) + " x\n", "line 2"),
        ("[" + json.dumps(alpaca(1)) + ",\n" + json.dumps(alpaca(2)), "truncated"),
        ("[" + json.dumps(alpaca(1)) + "\n" + json.dumps(alpaca(2)) + "]", "expected ','"),
    ],
)
def test_broken_json_names_file_and_line(tmp_path: Path, content: str, where: str) -> None:
    p = tmp_path / "bad.jsonl"
    p.write_text(content)
    with pytest.raises(InputError) as e:
        plan_inputs([p], None, 100)
    assert str(p) in str(e.value)
    assert where in str(e.value)


def test_truncated_parquet_is_an_input_error(tmp_path: Path) -> None:
    p = tmp_path / "t.parquet"
    pq.write_table(pa.Table.from_pylist([alpaca(i) for i in range(50)]), p)
    p.write_bytes(p.read_bytes()[:-20])
    with pytest.raises(InputError, match=r"t\.parquet"):
        plan_inputs([p], None, 100)


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("a,b\n")
    with pytest.raises(InputError, match="unknown file type"):
        plan_inputs([tmp_path / "x.csv"], None, 10)
    with pytest.raises(InputError, match="no such file"):
        plan_inputs([tmp_path / "missing.jsonl"], None, 10)


def test_inputs_with_different_schemas_are_refused(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", [alpaca(1)])
    b = write_jsonl(tmp_path / "b.jsonl", [{"text": "plain"}])
    with pytest.raises(InputError, match="scan them separately"):
        plan_inputs([a, b], None, 10)


def test_survey_types_passthrough_and_flags_mixed_columns(tmp_path: Path) -> None:
    p = write_jsonl(
        tmp_path / "a.jsonl",
        [alpaca(1, _source_id=1, meta="x"), alpaca(2, _source_id=2, meta=[1, 2])],
    )
    plan = plan_inputs([p], None, 10)
    assert plan.data_schema.field("_source_id").type == pa.int64()
    assert "meta" in plan.json_encoded
    assert any("mixed types" in w for w in plan.warnings)


def test_text_like_column_outside_the_schema_is_reported(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "a.jsonl", [alpaca(1, response="also text")])
    plan = plan_inputs([p], None, 10)
    assert plan.passthrough == ("response",)
    assert any("response" in w and "secrets and PII only" in w for w in plan.warnings)


def test_a_reference_may_be_tunegate_s_own_clean_shards(tmp_path: Path) -> None:
    """Drift compares a scan with the last version's clean shards, which carry the
    firewall's own columns; only an upload may not."""
    rows = [{**alpaca(i), "tunegate_row_id": f"x:{i}", "tunegate_flags": []} for i in range(3)]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "clean.parquet")
    plan = plan_inputs([tmp_path / "clean.parquet"], None, 10, reference=True)
    assert plan.rows == 3
    assert plan.data_schema.names == ["instruction", "input", "output"]


@pytest.mark.parametrize("column", ["tunegate_flags", "tunegate_row_id", "TUNEGATE_Reasons"])
def test_uploaded_tunegate_column_cannot_pose_as_the_firewalls_own(
    tmp_path: Path, column: str
) -> None:
    """An uploader's empty ``tunegate_flags`` would read downstream as "nothing flagged";
    a column under the firewall's prefix is refused before any row is read."""
    rows = [{**alpaca(i), column: "[]"} for i in range(3)]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "in.parquet")
    for path in (write_jsonl(tmp_path / "in.jsonl", rows), tmp_path / "in.parquet"):
        with pytest.raises(InputError, match=rf"{path.name}.*reserved.*{column}"):
            plan_inputs([path], None, 1024)


@given(
    st.lists(st.binary(max_size=40).map(lambda b: b.replace(b"\n", b"")), max_size=12),
    st.integers(1, 16),
    st.integers(0, 30),
    st.booleans(),
)
def test_line_reader_splits_any_input_at_any_chunk_size(
    lines: list[bytes], chunk: int, limit: int, trailing_newline: bool
) -> None:
    """The reader must give back exactly the lines it was given, in one linear pass, with
    each line past the limit replaced by its length, whatever the chunk boundaries."""
    data = b"\n".join(lines) + (b"\n" if trailing_newline and lines else b"")
    stream = records._Prefixed(b"", io.BytesIO(data))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(records, "_CHUNK", chunk)
        got = list(stream.lines(Path("x.jsonl"), limit))
    want: list[bytes | int] = [line if len(line) <= limit else len(line) for line in lines]
    if want and not trailing_newline and lines[-1] == b"":
        want = want[:-1]  # an empty last line without a newline is no line
    assert got == want


@pytest.mark.parametrize("kind", ["jsonl", "jsonl.gz", "parquet"])
def test_a_file_swapped_between_reads_publishes_nothing(tmp_path: Path, kind: str) -> None:
    """The input was read three times: a file swapped between the reads gave a manifest
    that signed file A's digest over file B's rows."""
    a = [alpaca(i) for i in range(6)]
    b = [alpaca(i, output="planted") for i in range(6)]
    path = tmp_path / f"in.{kind}"

    def write(rows: list[dict[str, object]]) -> None:
        if kind == "parquet":
            pq.write_table(pa.Table.from_pylist(rows), path)
        elif kind == "jsonl.gz":
            with gzip.open(path, "wt") as f:
                f.write("".join(json.dumps(r) + "\n" for r in rows))
        else:
            write_jsonl(path, rows)

    write(a)
    signed = hashlib.sha256(path.read_bytes()).hexdigest()
    plan = plan_inputs([path], None, 4)
    write(b)  # after the survey hashed it, before the rows are read
    if kind == "parquet":  # read from the private copy the survey hashed: A's rows, A's digest
        rows = [r for s in plan.sources[0].batches(4, ["output"]) for r in s.rows]
        assert [r["output"] for r in rows] == [r["output"] for r in a]
        assert plan.surveys[0].sha256 == signed
        return
    with pytest.raises(InputError, match="changed while it was being scanned"):
        for _ in plan.sources[0].batches(4, plan.text_schema.column_names):
            pass


def test_a_parquet_file_changed_and_changed_back_is_read_as_it_was_hashed(
    tmp_path: Path,
) -> None:
    """Parquet was hashed again after its last row: a change undone by then went unseen."""
    path = tmp_path / "in.parquet"
    pq.write_table(pa.Table.from_pylist([alpaca(i) for i in range(6)]), path)
    original = path.read_bytes()
    plan = plan_inputs([path], None, 2)
    batches = plan.sources[0].batches(2, ["output"])
    first = next(batches)
    pq.write_table(pa.Table.from_pylist([alpaca(i, output="planted") for i in range(6)]), path)
    rest = list(batches)
    path.write_bytes(original)  # undone before the end
    outputs = [r["output"] for s in [first, *rest] for r in s.rows]
    assert "planted" not in outputs and len(outputs) == 6
    assert plan.surveys[0].sha256 == hashlib.sha256(original).hexdigest()


def test_an_unchanged_file_reads_through(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "in.jsonl", [alpaca(i) for i in range(6)])
    plan = plan_inputs([path], None, 4)
    rows = [r for b in plan.sources[0].batches(4, plan.text_schema.column_names) for r in b.rows]
    assert len(rows) == 6 and plan.surveys[0].sha256
