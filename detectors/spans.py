"""Character spans found in text, merged so that no fragment of a value survives."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


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
