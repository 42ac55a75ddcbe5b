"""Inputs by folder and by URI (pyarrow.fs): the same rows, in the same order, as by file."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gateway.core.locations import RemoteFile, display_uri, is_uri, resolve_inputs
from gateway.core.records import plan_inputs
from gateway.errors import InputError
from tests.helpers import ROOT, alpaca, read_split, report, run_cli, write_jsonl

NO_MODELS = ROOT / "fixtures" / "policies" / "no_models.toml"


def dataset(folder: Path) -> list[Path]:
    """Three inputs of two formats in nested folders, with one exact duplicate across files."""
    (folder / "part-b").mkdir(parents=True)
    rows = [alpaca(i) for i in range(30)]
    a = folder / "part-a.parquet"
    pq.write_table(pa.Table.from_pylist(rows[:10]), a)
    b = folder / "part-b" / "rows.jsonl"
    write_jsonl(b, [*rows[10:20], rows[3]])
    c = folder / "part-b" / "z.jsonl.gz"
    with gzip.open(c, "wt", encoding="utf-8") as f:
        f.writelines(json.dumps(r) + "\n" for r in rows[20:])
    (folder / "README.txt").write_text("not data: skipped when a folder is expanded")
    return [a, b, c]


def clean_rows(out: Path) -> list[dict[str, object]]:
    t = read_split(out, "clean")
    assert t is not None
    return t.select(["tunegate_row_id", "instruction", "output"]).to_pylist()


def test_folder_and_file_uri_match_the_files(tmp_path: Path) -> None:
    files = dataset(tmp_path / "data")
    outs = {}
    for name, inputs in {
        "files": [str(p) for p in files],
        "folder": [str(tmp_path / "data")],
        "uri_prefix": [(tmp_path / "data").as_uri() + "/"],
        "uri_files": [p.as_uri() for p in files],
    }.items():
        out = tmp_path / f"out-{name}"
        proc = run_cli("scan", *inputs, "--out", out, "--policy", NO_MODELS)
        assert proc.returncode == 0, proc.stderr
        outs[name] = out
    expected = clean_rows(outs["files"])
    assert len(expected) == 30  # 31 rows in, the cross-file duplicate removed
    for name, out in outs.items():
        assert clean_rows(out) == expected, name
        assert report(out)["counts"]["rows_in"] == 31
    paths = [i["path"] for i in report(outs["uri_prefix"])["inputs"]]
    assert paths == [p.as_uri() for p in files]  # the report names where rows came from


def test_prefix_expands_sorted_and_skips_unreadable_names(tmp_path: Path) -> None:
    files = dataset(tmp_path / "d")
    got = resolve_inputs([(tmp_path / "d").as_uri()])
    assert all(isinstance(f, RemoteFile) for f in got)
    assert [str(f) for f in got] == [p.as_uri() for p in files]
    assert resolve_inputs([tmp_path / "d"]) == files


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: (p / "missing.parquet").as_uri(), "no such file or prefix"),
        (lambda p: p.as_uri(), "no .parquet, .jsonl or .json files under it"),
        (lambda p: "nosuchscheme://bucket/x.parquet", "cannot open this location"),
    ],
)
def test_bad_locations_are_input_errors(tmp_path: Path, make: object, message: str) -> None:
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(InputError, match=message):
        plan_inputs([make(tmp_path)], None, 100)  # type: ignore[operator]


def test_bad_location_on_the_command_line_exits_2(tmp_path: Path) -> None:
    proc = run_cli("scan", (tmp_path / "gone").as_uri(), "--out", tmp_path / "out")
    assert proc.returncode == 2
    assert "no such file or prefix" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_damaged_remote_parquet_names_the_uri(tmp_path: Path) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match=r"file://.*bad\.parquet: not a readable Parquet"):
        plan_inputs([bad.as_uri()], None, 100)


@given(st.text(max_size=40))
def test_is_uri_needs_a_scheme_and_slashes(text: str) -> None:
    if is_uri(text):
        scheme, _, _ = text.partition("://")
        assert scheme and scheme[0].isalpha() and all(c.isalnum() or c in "+.-" for c in scheme)
    assert not is_uri("/tmp/data.parquet") and not is_uri("C:\\data\\x.parquet")
    assert is_uri("s3://bucket/prefix/") and is_uri("file:///tmp/x.jsonl")


@pytest.mark.parametrize(
    "uri",
    [
        "file://alice:s3cret-pw@localhost/tmp/data.parquet",
        "nosuchscheme://alice:s3cret-pw@bucket/data.parquet?token=s3cret-tok",
    ],
)
def test_credentials_in_a_uri_never_reach_a_message(uri: str) -> None:
    with pytest.raises(InputError) as e:
        plan_inputs([uri], None, 100)
    message = str(e.value)
    assert "s3cret" not in message and "alice" not in message, message
    assert e.value.__cause__ is None  # the raw pyarrow error (which echoes the URI) is dropped


def test_display_form_of_a_uri() -> None:
    assert display_uri("s3://KEY:SECRET@bucket/pre/x.parquet?region=eu") == (
        "s3://bucket/pre/x.parquet"
    )
    assert display_uri("gs://bucket:443/a") == "gs://bucket:443/a"


_USERINFO = st.text(
    alphabet=st.characters(codec="ascii", exclude_characters="@/?#[]:%\\"), min_size=4, max_size=20
)


@given(user=_USERINFO, password=_USERINFO, query=_USERINFO)
def test_display_uri_never_shows_userinfo_or_query(user: str, password: str, query: str) -> None:
    uri = f"s3://{user}:{password}@bucket/prefix/data.parquet?secret={query}"
    shown = display_uri(uri)
    assert shown == "s3://bucket/prefix/data.parquet"  # nothing of user, password or query
