"""The pipeline in-process: every validation reason, exact dedup, passthrough, gates, atomicity."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from detectors.base import (
    NO_SCAN,
    CorpusDetector,
    CorpusState,
    DetectionResult,
    DetectorInfo,
    Reads,
    RowDetector,
    ScanContext,
)
from gateway.core.pipeline import Pipeline
from gateway.core.policy import load_policy, parse_policy
from gateway.core.scan_types import ScanRequest
from tests.helpers import (
    ROOT,
    alpaca,
    assert_conserved,
    files_under,
    read_split,
    reasons_by_row,
    report,
    write_jsonl,
)


def scan(inputs: list[Path], out: Path, policy: dict[str, Any] | None = None) -> dict[str, Any]:
    """Scan with PII off: these tests are about reading, validation and dedup."""
    doc: dict[str, Any] = {**(policy or {})}
    doc["detectors"] = {"pii": {"enabled": False}, **doc.get("detectors", {})}
    pipe = Pipeline(parse_policy(doc))
    result = pipe.scan(ScanRequest(inputs=inputs, out=out, device="cpu"))
    rep = report(out)
    assert rep == json.loads(json.dumps(result.report))
    assert_conserved(rep)
    return rep


def test_every_validation_reason(tmp_path: Path) -> None:
    p = tmp_path / "v.jsonl"
    lines = [
        json.dumps(alpaca(0)),
        json.dumps({"instruction": "no output"}),  # missing_field
        json.dumps(alpaca(2, output=None)),  # null_field
        json.dumps(alpaca(3, instruction=["a"])),  # not_a_string
        json.dumps(alpaca(4, output="   ")),  # empty_text
        json.dumps(alpaca(5, output="tab\tok but NUL\u0000 is not")),  # control_characters
        json.dumps(alpaca(6, output="x" * 5000)),  # row_too_large (limit set below)
        json.dumps("just a string"),  # not_an_object
        json.dumps(alpaca(8, instruction="lone \ud800 surrogate")),  # invalid_utf8 via escape
        json.dumps(alpaca(10, meta="\udc80")),  # bad_value: a passthrough that cannot be stored
    ]
    raw = "\n".join(lines).encode() + b'\n{"instruction": "bad \xff byte", "output": "y"}\n'
    p.write_bytes(raw)  # the last line holds invalid UTF-8: invalid_utf8
    rep = scan(
        [p], tmp_path / "out", {"detectors": {"validation": {"params": {"max_row_bytes": 4000}}}}
    )
    got = reasons_by_row(tmp_path / "out")
    assert got == {
        "v.jsonl:1": ["validation/missing_field"],
        "v.jsonl:2": ["validation/null_field"],
        "v.jsonl:3": ["validation/not_a_string"],
        "v.jsonl:4": ["validation/empty_text"],
        "v.jsonl:5": ["validation/control_characters"],
        # 5,000 x's with no space are garbage too (outliers, #20)
        "v.jsonl:6": ["validation/row_too_large", "outliers/long_word"],
        "v.jsonl:7": ["validation/not_an_object"],
        "v.jsonl:8": ["validation/invalid_utf8"],
        "v.jsonl:9": ["validation/bad_value"],
        "v.jsonl:10": ["validation/invalid_utf8"],
    }
    counts = rep["counts"]
    assert isinstance(counts, dict)
    assert counts["rows_clean"] == 1
    q = read_split(tmp_path / "out", "quarantine")
    assert q is not None
    raws = dict(zip(q["tunegate_row_id"].to_pylist(), q["tunegate_raw"].to_pylist(), strict=True))
    assert raws["v.jsonl:10"] == b'{"instruction": "bad \xff byte", "output": "y"}'
    assert raws["v.jsonl:7"] == b'"just a string"'


def test_exact_duplicates_keep_first_and_name_it(tmp_path: Path) -> None:
    rows = [
        alpaca(0),
        alpaca(1),
        alpaca(0, instruction="  " + alpaca(0)["instruction"].upper().replace(" ", "   ")),
        alpaca(1, output=alpaca(1)["output"].replace("A ", "Ａ ")),  # NFKC fullwidth
        alpaca(0, output="A different answer to the same prompt."),  # not a duplicate
    ]
    scan([write_jsonl(tmp_path / "d.jsonl", rows)], tmp_path / "out")
    q = read_split(tmp_path / "out", "quarantine")
    assert q is not None
    evidence = {r["tunegate_row_id"]: r["tunegate_reasons"][0]["evidence"] for r in q.to_pylist()}
    assert evidence == {
        "d.jsonl:2": "duplicate_of=d.jsonl:0",
        "d.jsonl:3": "duplicate_of=d.jsonl:1",
    }


def test_duplicates_across_files(tmp_path: Path) -> None:
    a = write_jsonl(tmp_path / "a.jsonl", [alpaca(0)])
    b = write_jsonl(tmp_path / "b.jsonl", [alpaca(0)])
    scan([a, b], tmp_path / "out")
    got = reasons_by_row(tmp_path / "out")
    assert list(got) == ["b.jsonl:0"]
    assert got["b.jsonl:0"][0] == "exact_duplicate/duplicate"  # also near and semantic


def test_parquet_passthrough_columns_keep_their_types(tmp_path: Path) -> None:
    table = pa.table(
        {
            "instruction": [f"q{i}" for i in range(6)],
            "input": [""] * 6,
            "output": [f"a{i}" for i in range(6)],
            "_source_id": pa.array(range(100, 106), pa.int64()),
            "score": pa.array([0.5] * 6, pa.float32()),
            "tags": pa.array([["x", "y"]] * 6, pa.list_(pa.string())),
        }
    )
    p = tmp_path / "in.parquet"
    pq.write_table(table, p)
    scan([p], tmp_path / "out")
    clean = read_split(tmp_path / "out", "clean")
    assert clean is not None
    assert clean.schema.field("_source_id").type == pa.int64()
    assert clean.schema.field("score").type == pa.float32()
    assert clean.schema.field("tags").type == pa.list_(pa.string())
    assert clean["_source_id"].to_pylist() == list(range(100, 106))


def test_jsonl_passthrough_int_survives(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "a.jsonl", [alpaca(i, _source_id=i * 10) for i in range(4)])
    scan([p], tmp_path / "out")
    clean = read_split(tmp_path / "out", "clean")
    assert clean is not None
    assert clean.schema.field("_source_id").type == pa.int64()
    assert clean["_source_id"].to_pylist() == [0, 10, 20, 30]


def test_chat_parquet_round_trips(tmp_path: Path) -> None:
    topics = [
        ("bake rye bread", "Use a sourdough starter."),
        ("tune a violin", "Match each string to a reference pitch."),
        ("repot a cactus", "Wear gloves and use gritty soil."),
    ]
    msgs = [
        [{"role": "user", "content": f"How do I {q}?"}, {"role": "assistant", "content": a}]
        for q, a in topics
    ]
    p = tmp_path / "chat.parquet"
    pq.write_table(pa.table({"messages": msgs, "_id": [1, 2, 3]}), p)
    rep = scan([p], tmp_path / "out")
    assert rep["schema"]["kind"] == "chat"  # type: ignore[index]
    clean = read_split(tmp_path / "out", "clean")
    assert clean is not None and clean["messages"].to_pylist() == msgs


def test_shards_rotate_and_are_content_addressed(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "a.jsonl", [alpaca(i) for i in range(25)])
    scan([p], tmp_path / "out", {"output": {"shard_max_rows": 10, "row_group_rows": 4}})
    names = sorted(f.name for f in (tmp_path / "out" / "clean").iterdir())
    assert [n[:20] for n in names] == [
        "train-00000-of-00003",
        "train-00001-of-00003",
        "train-00002-of-00003",
    ]
    from gateway.core.shards import sha256_file

    for n in names:
        f = tmp_path / "out" / "clean" / n
        assert n.endswith(sha256_file(f)[:12] + ".parquet")
        md = pq.ParquetFile(f).schema_arrow.metadata
        assert json.loads(md[b"tunegate"])["split"] == "clean"
        assert pq.ParquetFile(f).metadata.row_group(0).num_rows <= 4


def test_gate_fails_job_and_publishes_no_clean_set(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "a.jsonl", [alpaca(0)] * 5 + [alpaca(i) for i in range(1, 10)])
    pipe = Pipeline(load_policy(ROOT / "fixtures" / "policies" / "gate_duplicates.toml"))
    result = pipe.scan(ScanRequest(inputs=[p], out=tmp_path / "out", device="cpu"))
    assert result.gate_failed
    assert not (tmp_path / "out" / "clean").exists()
    rep = report(tmp_path / "out")
    assert rep["status"] == "gate_failed"
    assert rep["gates"][0]["rows"] == 4 and rep["gates"][0]["failed"]
    assert rep["counts"]["clean_published"] is False
    assert_conserved(rep)


def test_flag_keeps_row_and_counts_it(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "a.jsonl", [alpaca(0), alpaca(0)])
    pipe = Pipeline(load_policy(ROOT / "fixtures" / "policies" / "flag_duplicates.toml"))
    pipe.scan(ScanRequest(inputs=[p], out=tmp_path / "out", device="cpu"))
    rep = report(tmp_path / "out")
    assert rep["counts"]["rows_clean"] == 2 and rep["counts"]["rows_flagged"] == 1


class _Boom(RowDetector):
    info = DetectorInfo(name="boom", version="0", rules=())

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def detect(self, segments: pa.RecordBatch, scan: ScanContext = NO_SCAN) -> DetectionResult:
        self.calls += 1
        if self.calls == 3:
            raise RuntimeError("detector crashed mid-job")
        return DetectionResult([])


def test_failure_mid_job_publishes_nothing(tmp_path: Path) -> None:
    p = write_jsonl(tmp_path / "a.jsonl", [alpaca(i) for i in range(50)])
    policy = parse_policy({"input": {"batch_rows": 10}})
    dets = policy.build_detectors()
    pipe = Pipeline(policy, [dets[0], _Boom(), *dets[1:]])  # a per-row detector, so early
    with pytest.raises(RuntimeError, match="mid-job"):
        pipe.scan(ScanRequest(inputs=[p], out=tmp_path / "out", device="cpu"))
    assert not (tmp_path / "out").exists()
    # nothing but the input, and the (empty) lock file that serialises scans to this --out
    left = sorted(f.name for f in tmp_path.iterdir() if f.name != "a.jsonl")
    assert left == [".out.tunegate.lock"] and (tmp_path / left[0]).stat().st_size == 0


class _RawCorpus(CorpusDetector):
    """Declares a need no scan can meet: the whole raw dataset, after rewriting."""

    info = DetectorInfo(name="raw_corpus", version="0", rules=())
    reads = Reads.RAW

    def start(self, scan: ScanContext) -> CorpusState:
        raise AssertionError("never started: the pipeline refuses it first")


def test_a_detector_whose_needs_cannot_be_met_is_refused_at_startup() -> None:
    from detectors.errors import DetectorConfigError

    policy = parse_policy({})
    with pytest.raises(DetectorConfigError, match=r"'raw_corpus'.*redacted text only"):
        Pipeline(policy, [*policy.build_detectors(), _RawCorpus()])


def test_list_position_does_not_decide_the_order() -> None:
    """PII reads the secrets detector's output whatever order they are listed in."""
    policy = parse_policy({})
    dets = policy.build_detectors()
    pipe = Pipeline(policy, list(reversed(dets)))
    # chat_template strips template tokens last, from text secrets and PII have rewritten
    assert [d.info.name for d in pipe.plan.rewriters] == ["secrets", "pii", "chat_template"]
    steps = [(s["step"], s["detector"]) for s in pipe.plan.describe()]
    assert steps.index(("rewrite", "pii")) < steps.index(("read raw text", "injection"))


def test_existing_output_refused_unless_overwrite(tmp_path: Path) -> None:
    from gateway.errors import UsageError

    p = write_jsonl(tmp_path / "a.jsonl", [alpaca(0)])
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    pipe = Pipeline(parse_policy({}))
    with pytest.raises(UsageError, match="--overwrite"):
        pipe.scan(ScanRequest(inputs=[p], out=out, device="cpu"))
    assert (out / "keep.txt").read_text() == "mine"
    pipe.scan(ScanRequest(inputs=[p], out=out, device="cpu", overwrite=True))
    assert not (out / "keep.txt").exists()
    top = [f.name for f in files_under(out) if f.parent == out]
    assert top == ["croissant.json", "report.json"]  # report.html is a page the doors add
