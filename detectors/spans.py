"""Character spans found in text, merged so that no fragment of a value survives."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyarrow as pa

from detectors.base import DetectionResult, Edit, FindingBuffer


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    entity: str
    score: float


def merge_spans(spans: list[Span]) -> list[Span]:
    """Union overlapping or touching spans; the merged span takes the strongest entity.

    Two recognizers that each match part of a value (a phone number inside a longer
    account number) must not leave the remainder behind, so overlaps merge to their
    union rather than one winning and the other's tail staying in the text.
    """
    if not spans:
        return []
    ordered = sorted(spans, key=lambda s: (s.start, -s.end))
    out: list[Span] = []
    cur = ordered[0]
    for s in ordered[1:]:
        if s.start < cur.end:
            best = max((cur, s), key=lambda x: (x.score, x.end - x.start))
            cur = Span(cur.start, max(cur.end, s.end), best.entity, max(cur.score, s.score))
        else:
            out.append(cur)
            cur = s
    out.append(cur)
    return out


def replace_spans(text: str, spans: list[Span], render: Callable[[Span, str], str]) -> str:
    """``text`` with each (non-overlapping, sorted) span replaced by ``render(span, value)``."""
    parts = []
    pos = 0
    for s in spans:
        parts.append(text[pos : s.start])
        parts.append(render(s, text[s.start : s.end]))
        pos = s.end
    parts.append(text[pos:])
    return "".join(parts)


def rewrite_result(
    segments: pa.RecordBatch,
    spans_per_text: list[list[Span]],
    render: Callable[[Span, str], str],
) -> DetectionResult:
    """Findings (entity, field and span; never the value) and one proposed edit per span.

    Shared by the detectors that rewrite (secrets, PII). Whether an edit is applied is the
    policy's decision, rule by rule (:func:`apply_edits`); spans are merged first, so the
    edits of one text never overlap and any subset of them can be applied.
    """
    out = FindingBuffer()
    edits: list[Edit] = []
    texts = segments.column("text").to_pylist()
    rows = segments.column("row").to_pylist()
    fields = segments.column("field").to_pylist()
    for i, spans in enumerate(spans_per_text):
        for s in spans:
            where = f"{s.entity} in {fields[i]} at [{s.start}:{s.end}]"
            out.add(rows[i], s.entity, round(s.score, 3), where, fields[i])
            edits.append(Edit(i, s.start, s.end, render(s, texts[i][s.start : s.end]), s.entity))
    return DetectionResult(out.items, tuple(edits))


def apply_edits(texts: list[str], edits: Iterable[Edit]) -> list[str]:
    """``texts`` with the given edits applied (edits of one text must not overlap)."""
    by_index: dict[int, list[Edit]] = {}
    for e in edits:
        by_index.setdefault(e.index, []).append(e)
    out = list(texts)
    for i, mine in by_index.items():
        text, parts, pos = texts[i], [], 0
        for e in sorted(mine, key=lambda e: e.start):
            parts += [text[pos : e.start], e.replacement]
            pos = e.end
        out[i] = "".join([*parts, text[pos:]])
    return out
