"""Hostile files end in success or a clear input error (exit 2), never an internal one.

Exit 70 is reserved for bugs. A generated file mixes what has crashed the reader before:
deep nesting, numbers past Python's digit limit, lone surrogates in keys and values,
columns under the firewall's reserved prefix, control characters and odd types.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.core.pipeline import Pipeline
from gateway.core.policy import load_policy
from gateway.core.scan_types import ScanRequest
from gateway.errors import TunegateError
from tests.helpers import NO_MODELS, run_cli

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
