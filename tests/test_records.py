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


def test_a_json_array_of_many_small_elements_is_read_in_one_linear_pass(tmp_path: Path) -> None:
    """Each element's line number was counted from the buffer's start, ready or not:
    400,000 small elements took 225 s as an array and 2 s as JSON Lines."""
    import time

    element = json.dumps({"instruction": "y" * 40})
    path = tmp_path / "many.json"
    path.write_text("[" + ",\n".join([element] * 200_000) + "]")
    started = time.perf_counter()
    n = sum(1 for _ in records._JsonStream(path))
    assert n == 200_000
    assert time.perf_counter() - started < 60  # quadratic took minutes; linear takes seconds


def test_a_huge_number_in_a_json_array_is_quarantined_not_parsed_again_and_again(
    tmp_path: Path,
) -> None:
    """A number running over many chunks was parsed again with every chunk and held
    whole: 64 MiB of zeros, 64 KB gzipped, took 11 s and grew with the square."""
    path = tmp_path / "number.json"
    path.write_text('[{"text": "a"}, 0.' + "0" * (8 << 20) + '1, {"text": "b"}]')
    got = [v for v, _, _ in records._JsonStream(path, 1 << 20)]
    assert got[0] == {"text": "a"} and got[2] == {"text": "b"}
    assert isinstance(got[1], records.RowTooLarge) and got[1].bytes > 8 << 20


def test_a_malformed_array_element_refuses_the_file_whatever_follows_it(tmp_path: Path) -> None:
    """A broken element with more than the read limit after it was quarantined as too
    large and the read went on; a file that is not JSON is an input error."""
    path = tmp_path / "bad.json"
    path.write_text('[{"text": tru}, ' + ", ".join(['{"text": "b"}'] * 200) + "]")
    with pytest.raises(InputError, match="not valid JSON"):
        list(records._JsonStream(path, 1000))


def test_empty_and_zero_row_parquet_files_are_read_not_refused(tmp_path: Path) -> None:
    """A row group of no rows has only a dictionary page and data_page_offset 0: its
    'page header' was read from the file's magic, and the file refused as damaged."""
    empty = tmp_path / "empty.parquet"
    pq.write_table(pa.table({"text": pa.array([], pa.string())}), empty)
    source = records.ParquetSource(empty, "e")
    assert source.survey(4).rows == 0 and list(source.batches(4, ["text"])) == []
    mixed = tmp_path / "mixed.parquet"
    schema = pa.schema([("text", pa.string())])
    with pq.ParquetWriter(mixed, schema) as w:
        for texts in ([], ["a", "b", "c"], []):
            w.write_table(pa.table({"text": pa.array(texts, pa.string())}))
    source = records.ParquetSource(mixed, "m")
    assert source.survey(4).rows == 3
    assert [r["text"] for b in source.batches(4, ["text"]) for r in b.rows] == ["a", "b", "c"]


def test_columns_of_nulls_are_read_in_batches_of_bounded_memory(tmp_path: Path) -> None:
    """Runs of nulls encode to a few bytes per page: a 242 KiB file was planned as one
    read of 8M rows, a 1 GB batch. Each value's decoded width now counts."""
    n = 1_000_000
    path = tmp_path / "nulls.parquet"
    columns = {f"c{i}": pa.nulls(n, pa.int64()) for i in range(16)}
    pq.write_table(pa.table({"text": pa.nulls(n, pa.string()), **columns}), path, row_group_size=n)
    assert path.stat().st_size < 1 << 20
    source = records.ParquetSource(path, "n")
    source.survey(n)
    batch = next(iter(source.batches(n, ["text"])))
    assert batch.arrow is not None and batch.arrow.nbytes <= records.BATCH_BYTES
