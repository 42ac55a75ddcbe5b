"""Turning source batches into Arrow rows plus the segment view detectors read.

A :class:`Chunk` holds one batch twice: ``data``, the rows in the job's output schema
(training text in its original shape, other columns passed through), and ``segments``,
one row per piece of training text, and ``metadata``, one row per string of the columns
that pass through (read by the secrets and PII detectors only). Detectors read segments;
their rewrites (anonymized text) are written back into ``data`` by :func:`apply_rewrites`,
into the same field of the same row, whatever its nesting.

A row that cannot be represented (not an object, wrong types, invalid UTF-8) keeps its
original bytes in ``tunegate_raw`` and goes to quarantine; it never stops the job.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from detectors.base import SEGMENT_SCHEMA, Finding
from gateway.core.records import (
    CONVERSION_ERRORS,
    InputPlan,
    RowTooLarge,
    Source,
    SourceBatch,
)
from gateway.core.schema import (
    Extraction,
    Problem,
    Segment,
    extract,
    parse_path,
    passthrough_segments,
)

NO_SEGMENTS = pa.RecordBatch.from_pylist([], schema=SEGMENT_SCHEMA)
ROW_ID = "tunegate_row_id"
RAW = "tunegate_raw"
VALIDATION = "validation"


def spool_schema(data_schema: pa.Schema) -> pa.Schema:
    return pa.schema([*data_schema, pa.field(ROW_ID, pa.string()), pa.field(RAW, pa.binary())])


@dataclass(slots=True)
class Chunk:
    data: pa.RecordBatch
    segments: pa.RecordBatch
    findings: list[Finding]
    row_base: int
    # strings of the passthrough columns, for the detectors that read metadata
    metadata: pa.RecordBatch = field(default_factory=lambda: NO_SEGMENTS)


def _problem_findings(row: int, problems: Sequence[Problem]) -> list[Finding]:
    return [Finding(row, p.rule, 1.0, p.evidence, p.field) for p in problems]


def _convert(values: list[Any], typ: pa.DataType) -> tuple[pa.Array, list[int]]:
    """An Arrow array of ``values``; values that do not fit ``typ`` become null and are named."""
    try:
        return pa.array(values, type=typ), []
    except CONVERSION_ERRORS:
        pass
    bad = []
    fixed = list(values)
    for i, v in enumerate(values):
        if v is None:
            continue
        try:
            pa.array([v], type=typ)
        except CONVERSION_ERRORS:
            bad.append(i)
            fixed[i] = None
    return pa.array(fixed, type=typ), bad


def _json_text(v: Any) -> str | None:
    return None if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True)


def _segments(
    per_row: Sequence[Sequence[Segment] | None], row_ids: list[str], base: int
) -> pa.RecordBatch:
    rows: list[int] = []
    ids: list[str] = []
    fields: list[str] = []
    roles: list[str] = []
    texts: list[str] = []
    for i, segs in enumerate(per_row):
        if segs is None:
            continue
        for seg in segs:
            rows.append(base + i)
            ids.append(row_ids[i])
            fields.append(seg.field)
            roles.append(seg.role.value)
            texts.append(seg.text)
    return pa.RecordBatch.from_arrays(
        [
            pa.array(rows, pa.int64()),
            pa.array(ids, pa.string()),
            pa.array(fields, pa.string()),
            pa.array(roles, pa.string()),
            pa.array(texts, pa.string()),
        ],
        schema=SEGMENT_SCHEMA,
    )


def assemble(batch: SourceBatch, source: Source, plan: InputPlan, row_base: int) -> Chunk:
    """One source batch as output-schema rows, segments and structural findings."""
    n = len(batch.rows)
    row_ids = [f"{source.label}:{batch.first_row + i}" for i in range(n)]
    problems: list[list[Problem]] = [[] for _ in range(n)]
    extractions: list[Extraction | None] = []
    for i, row in enumerate(batch.rows):
        if isinstance(row, RowTooLarge):
            problems[i].append(
                Problem(
                    "row_too_large",
                    "*",
                    f"line of {row.bytes:,} bytes is over the {row.limit:,}-byte read limit; "
                    "it was not read",
                )
            )
            extractions.append(None)
            continue
        if not isinstance(row, dict):
            problems[i].append(
                Problem("not_an_object", "*", f"row is a JSON {type(row).__name__}, not an object")
            )
            extractions.append(None)
            continue
        for col in batch.bad_cells.get(i, ()):
            problems[i].append(Problem("invalid_utf8", col, f"field {col!r} is not valid UTF-8"))
        ex = extract(plan.text_schema, row)
        problems[i].extend(ex.problems)
        extractions.append(ex)

    if batch.arrow is not None:
        data = _conform_arrow(batch, plan)
        raws: list[bytes | None] = [
            _json_text({c: r.get(c) for c in plan.text_schema.column_names}).encode()  # type: ignore[union-attr]
            if p and isinstance(r, dict)
            else None
            for r, p in zip(batch.rows, problems, strict=True)
        ]
    else:
        data, raws = _conform_json(batch, plan, problems)

    valid = [not p for p in problems]
    if not all(valid):
        # A bad row's text lives on only in tunegate_raw, where rewriting detectors
        # (secrets, PII) still see it: quarantine must not become a leak.
        invalid = pa.array([not v for v in valid])
        for i, f in enumerate(plan.data_schema):
            if f.name in plan.text_schema.column_names:
                data[i] = pc.if_else(invalid, pa.nulls(n, f.type), data[i])
    kept = [ex.segments if ex and ok else None for ex, ok in zip(extractions, valid, strict=True)]
    findings = [f for i, p in enumerate(problems) for f in _problem_findings(row_base + i, p)]
    arrays = [*data, pa.array(row_ids, pa.string()), pa.array(raws, pa.binary())]
    full = pa.RecordBatch.from_arrays(arrays, schema=spool_schema(plan.data_schema))
    metadata = _segments(_passthrough(full, plan), row_ids, row_base)
    return Chunk(full, _segments(kept, row_ids, row_base), findings, row_base, metadata)


def _passthrough(data: pa.RecordBatch, plan: InputPlan) -> list[list[Segment]]:
    """Every string of the columns that are not training text, read from the rows as they
    will be published (a cell that did not fit its column is null there, and unread here)."""
    columns = list(plan.passthrough)
    if not columns:
        return [[] for _ in range(data.num_rows)]
    rows = data.select(columns).to_pylist()
    return [passthrough_segments(r, columns, ()) for r in rows]


def _conform_arrow(batch: SourceBatch, plan: InputPlan) -> list[pa.Array]:
    assert batch.arrow is not None
    out = []
    n = batch.arrow.num_rows
    for f in plan.data_schema:
        if f.name in batch.bad_cells_columns():
            # cells with invalid UTF-8 were read as None; never copy the bad bytes onward
            out.append(pa.array([r.get(f.name) for r in batch.rows], type=f.type))
            continue
        idx = batch.arrow.schema.get_field_index(f.name)
        if idx < 0:
            out.append(pa.nulls(n, f.type))
            continue
        col = batch.arrow.column(idx)
        out.append(col if col.type == f.type else col.cast(f.type))
    return out


def _conform_json(
    batch: SourceBatch, plan: InputPlan, problems: list[list[Problem]]
) -> tuple[list[pa.Array], list[bytes | None]]:
    """Arrow columns for JSON rows; a cell that does not fit its column becomes null.

    Bad rows keep every value that fits, so quarantine stays readable, plus their
    original bytes in ``tunegate_raw``. A cell that does not fit in an otherwise good
    row makes the row bad (``bad_value``): nothing is silently dropped from a clean row.
    """
    assert batch.raws is not None
    rows = [r if isinstance(r, dict) else {} for r in batch.rows]
    arrays = []
    for f in plan.data_schema:
        encode = f.name in plan.json_encoded
        values = [_json_text(r.get(f.name)) if encode else r.get(f.name) for r in rows]
        arr, bad = _convert(values, f.type)
        for i in bad:
            if not problems[i]:
                problems[i].append(
                    Problem(
                        "bad_value",
                        f.name,
                        f"field {f.name!r} does not fit the column type {f.type} "
                        "that the rest of the input has",
                    )
                )
        arrays.append(arr)
    raws = [raw if p else None for raw, p in zip(batch.raws, problems, strict=True)]
    return arrays, raws


def _set_in(value: Any, steps: Sequence[int | str], text: str) -> Any:
    """``value`` with the string at ``steps`` replaced (tuples, e.g. Arrow maps, rebuilt)."""
    if not steps:
        return text
    head, rest = steps[0], steps[1:]
    if isinstance(value, tuple):
        items = list(value)
        items[head] = _set_in(items[head], rest, text)  # type: ignore[index]
        return tuple(items)
    value[head] = _set_in(value[head], rest, text)
    return value


def raw_segments(chunk: Chunk) -> pa.RecordBatch:
    """The raw text of this chunk's bad rows, as segments for the rewriting detectors."""
    raw = chunk.data.column(RAW)
    idx = np.flatnonzero(pc.is_valid(raw).to_numpy(zero_copy_only=False))
    ids = chunk.data.column(ROW_ID)
    texts = [raw[int(i)].as_py().decode("utf-8", "replace") for i in idx]
    return pa.RecordBatch.from_arrays(
        [
            pa.array((idx + chunk.row_base).tolist(), pa.int64()),
            pa.array([ids[int(i)].as_py() for i in idx], pa.string()),
            pa.array([RAW] * len(idx), pa.string()),
            pa.array(["text"] * len(idx), pa.string()),
            pa.array(texts, pa.string()),
        ],
        schema=SEGMENT_SCHEMA,
    )


def apply_raw_rewrites(chunk: Chunk, segments: pa.RecordBatch, new_text: pa.Array) -> Chunk:
    """Store rewritten raw text (only where a detector changed it) back into ``tunegate_raw``."""
    old = segments.column("text")
    changed = pc.fill_null(pc.not_equal(old, new_text), False).to_numpy(zero_copy_only=False)
    if not changed.any():
        return chunk
    ci = chunk.data.schema.get_field_index(RAW)
    values = chunk.data.column(ci).to_pylist()
    rows = segments.column("row").to_numpy()
    for i in np.flatnonzero(changed):
        values[int(rows[i]) - chunk.row_base] = new_text[int(i)].as_py().encode("utf-8")
    data = chunk.data.set_column(ci, chunk.data.schema.field(ci), pa.array(values, pa.binary()))
    return replace(chunk, data=data)


def apply_rewrites(chunk: Chunk, new_text: pa.Array, which: str = "segments") -> tuple[Chunk, int]:
    """Write rewritten text of ``chunk.segments`` (or of ``chunk.metadata``) back into the
    rows; returns the chunk and the number of rows changed."""
    seg: pa.RecordBatch = getattr(chunk, which)
    old = seg.column("text")
    changed = pc.fill_null(pc.not_equal(old, new_text), False).to_numpy(zero_copy_only=False)
    idx = np.flatnonzero(changed)
    if idx.size == 0:
        return chunk, 0
    names = chunk.data.schema.names
    rows = seg.column("row").to_numpy()
    paths = seg.column("field")
    by_column: dict[str, list[tuple[int, list[int | str], str]]] = {}
    for i in idx:
        col, steps = parse_path(paths[int(i)].as_py(), names)
        local = int(rows[i]) - chunk.row_base
        by_column.setdefault(col, []).append((local, steps, new_text[int(i)].as_py()))
    data = chunk.data
    for col, edits in by_column.items():
        ci = data.schema.get_field_index(col)
        values = data.column(ci).to_pylist()
        for local, steps, text in edits:
            values[local] = _set_in(values[local], steps, text)
        data = data.set_column(
            ci, data.schema.field(ci), pa.array(values, type=data.schema.field(ci).type)
        )
    rewritten = seg.set_column(
        seg.schema.get_field_index("text"), SEGMENT_SCHEMA.field("text"), new_text
    )
    touched = len({local for edits in by_column.values() for local, _, _ in edits})
    return replace(chunk, data=data, **{which: rewritten}), touched
