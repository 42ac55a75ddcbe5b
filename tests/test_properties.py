"""Property tests: untrusted bytes and JSON never crash the reader and never lose a row."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.core.pipeline import Pipeline
from gateway.core.policy import parse_policy
from gateway.core.scan_types import ScanRequest
from gateway.errors import InputError
from tests.helpers import assert_conserved

PIPE = Pipeline(parse_policy({"input": {"batch_rows": 7}}))
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
text_or_junk = st.text(max_size=30) | json_values
rows = (
    st.fixed_dictionaries(
        {"instruction": text_or_junk, "output": text_or_junk},
        optional={"input": text_or_junk, "extra": json_values},
    )
    | json_values
)


def _scan(path: Path) -> dict[str, object] | None:
    with tempfile.TemporaryDirectory() as d:
        try:
            result = PIPE.scan(ScanRequest(inputs=[path], out=Path(d) / "out", device="cpu"))
        except InputError:
            return None
        assert_conserved(result.report)
        return result.report


@SETTINGS
@given(st.binary(max_size=400))
def test_random_bytes_never_crash(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "x.jsonl"
        p.write_bytes(data)
        _scan(p)


@SETTINGS
@given(st.lists(rows, min_size=1, max_size=25))
def test_random_json_rows_are_all_accounted_for(values: list[object]) -> None:
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "x.jsonl"
        p.write_text("".join(json.dumps(v) + "\n" for v in values), "utf-8")
        rep = _scan(p)
        if rep is not None:  # only a file with no object rows has no schema
            counts = rep["counts"]
            assert isinstance(counts, dict) and counts["rows_in"] == len(values)


@SETTINGS
@given(st.lists(rows, min_size=1, max_size=25))
def test_random_json_arrays_match_json_lines(values: list[object]) -> None:
    with tempfile.TemporaryDirectory() as d:
        a = Path(d) / "x.json"
        a.write_text(json.dumps(values, indent=1), "utf-8")
        rep = _scan(a)
        if rep is not None:
            counts = rep["counts"]
            assert isinstance(counts, dict) and counts["rows_in"] == len(values)
