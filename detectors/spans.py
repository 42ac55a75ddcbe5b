"""Character spans found in text, merged so that no fragment of a value survives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa

from detectors.base import DetectionResult, FindingBuffer


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
    rewrite: Callable[[str, list[Span]], str],
) -> DetectionResult:
    """Findings (entity, field and span; never the value) and rewritten text for a batch.

    Shared by the detectors that rewrite (secrets, PII); the rewrite column is only built
    when some text changed.
    """
    out = FindingBuffer()
    texts = segments.column("text").to_pylist()
    rows = segments.column("row").to_pylist()
    fields = segments.column("field").to_pylist()
    new_texts: list[str] | None = None
    for i, spans in enumerate(spans_per_text):
        if not spans:
            continue
        for s in spans:
            where = f"{s.entity} in {fields[i]} at [{s.start}:{s.end}]"
            out.add(rows[i], s.entity, round(s.score, 3), where, fields[i])
        if new_texts is None:
            new_texts = list(texts)
        new_texts[i] = rewrite(texts[i], spans)
    rewrites = pa.array(new_texts, pa.string()) if new_texts is not None else None
    return DetectionResult(out.items, rewrites)
