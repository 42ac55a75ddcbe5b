"""Chat-template tokens left in training text: a formatting finding, not an attack.

Exports of chat data often keep the template's end-of-turn token at the end of a field
(``... the answer.<|im_end|>``, ``</s>``, ``<|eot_id|>``, ``<|endoftext|>``). Trained on
as text, the model learns to write the token's characters; a trainer that maps the string
to the special token ends turns early. Neither is an injection: a *fake turn* is a
template token that opens a turn, followed by a role and new text
(``<|im_start|>system\\nYou are…``), and :mod:`detectors.injection` reports and drops
those (rule ``template.special_tokens``).

This detector reports the rest, flagged by default:

* ``end_of_turn``: end-of-turn tokens (and the whitespace before them) at the end of a
  field;
* ``template_token``: any other chat-template token inside a field.

It rewrites: a policy that gives a rule ``redact`` strips the tokens from the published
text (for ``end_of_turn`` the usual choice; the text before them stays as it was).
"""

from __future__ import annotations

import re

import pyarrow as pa

from detectors.base import (
    FLAG,
    NO_SCAN,
    DetectionResult,
    DetectorInfo,
    Edit,
    FindingBuffer,
    Reads,
    RowDetector,
    ScanContext,
)
from detectors.transcript import END_OF_TURN, OTHER_TOKENS, TRANSCRIPT_ROLES, parse


def _alternation(tokens: tuple[str, ...]) -> str:
    return "|".join(re.escape(t) for t in sorted(tokens, key=len, reverse=True))


_END = _alternation(END_OF_TURN)
# one or more end-of-turn tokens, each with the whitespace before it, ending the field.
# A match starts only after a non-space, and whitespace is never given back: without
# both, a field of 40,000 spaces took 4 s (quadratic), and an upload could stall a scan
_TRAILING = re.compile(rf"(?<!\s)(?:\s*+(?:{_END}))+\s*+\Z")
_ANY = re.compile(_alternation(END_OF_TURN + OTHER_TOKENS))


class ChatTemplateDetector(RowDetector):
    info = DetectorInfo(
        name="chat_template",
        version="1.0.0",
        rules=("end_of_turn", "template_token"),
        description="chat-template tokens left in training text (formatting, not injection)",
        defaults={"end_of_turn": FLAG, "template_token": FLAG},
    )
    reads = Reads.RAW  # a rewriter reads raw text, or its predecessors' output
    rewrites_text = True
    rewrites_after = ("secrets", "pii")  # strip from the text as it will be published

    def detect(self, segments: pa.RecordBatch, scan: ScanContext = NO_SCAN) -> DetectionResult:
        out = FindingBuffer()
        edits: list[Edit] = []
        rows = segments.column("row").to_pylist()
        fields = segments.column("field").to_pylist()
        roles = segments.column("role").to_pylist()
        for i, text in enumerate(segments.column("text").to_pylist()):
            if not text or ("<" not in text and "[" not in text):
                continue
            if roles[i] in TRANSCRIPT_ROLES and (transcript := parse(text)) is not None:
                # a plain-text set with the template applied: its tokens between turns are
                # the format the uploader chose; only tokens inside a turn are left behind
                text = transcript.masked(text)
            trailing = _TRAILING.search(text)
            end = trailing.start() if trailing else len(text)
            if trailing:
                names = sorted(set(_ANY.findall(trailing.group())))
                out.add(
                    rows[i],
                    "end_of_turn",
                    1.0,
                    f"field {fields[i]!r} ends in end-of-turn token(s) {', '.join(names)}"
                    f" at [{end}:{len(text)}]",
                    fields[i],
                )
                edits.append(Edit(i, end, len(text), "", "end_of_turn"))
            inner = list(_ANY.finditer(text, 0, end))
            if inner:
                names = sorted({m.group() for m in inner})
                out.add(
                    rows[i],
                    "template_token",
                    0.5,
                    f"field {fields[i]!r} holds {len(inner)} chat-template token(s)"
                    f" ({', '.join(names)}), first at [{inner[0].start()}:{inner[0].end()}]",
                    fields[i],
                )
                edits.extend(Edit(i, m.start(), m.end(), "", "template_token") for m in inner)
        return DetectionResult(out.items, tuple(edits))
