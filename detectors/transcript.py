"""Plain text that is a chat transcript: its turns, and which characters are the format.

Many fine-tuning sets ship as one ``text`` column with the chat template already applied
(``### Human: … ### Assistant: …``, ChatML, Llama 2/3, Gemma, Zephyr, the Alpaca prompt).
Read as one blob, such a set had two failures: every row was dropped as a fake turn (the
template's own markers are what the injection rules look for in a message), and nothing
paired a request with its answer, so a harmful request answered inside a ``text`` column
passed the harmful-compliance judgement that a chat or an instruction set gets.

:func:`parse` recognises a text that *is* a transcript in one template: it opens with a
turn marker (or a short preamble, the template's system prompt, then one), every marker is
of that template, a system turn comes only first, and at least one request is followed
by an answer. Anything else is not a transcript and is read as before, so a fake turn in
the middle of prose, or a system turn after the first exchange, is still a fake turn.
Offsets are kept: each turn is a span of the original text, and :meth:`Transcript.masked`
blanks only the format (markers, begin and end tokens, the whitespace between turns).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

# tokens that close a turn or a document, in the templates of the common model families
# (ChatML, Llama 2/3, Gemma, Phi-3, GPT-2/NeoX, Mistral)
END_OF_TURN = (
    "<|im_end|>",
    "<|endoftext|>",
    "<|end_of_text|>",
    "<|eot_id|>",
    "<|eom_id|>",
    "<|end|>",
    "<end_of_turn>",
    "<eos>",
    "</s>",
)
# every other token a template writes between turns
OTHER_TOKENS = (
    "<|im_start|>",
    "<|begin_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|system|>",
    "<|user|>",
    "<|assistant|>",
    "<start_of_turn>",
    "<bos>",
    "[INST]",
    "[/INST]",
    "<<SYS>>",
    "<</SYS>>",
)

# what a template writes before a turn's text or after it, besides its markers
_EDGE_TOKENS = (*END_OF_TURN, "<s>", "<|begin_of_text|>", "<bos>")
_EDGE = re.compile(
    r"(?:\s|" + "|".join(re.escape(t) for t in sorted(_EDGE_TOKENS, key=len, reverse=True)) + r")*+"
)

# a template's role names, as the detectors' roles; an unknown role is no transcript
_ROLE = {
    "system": "system",
    "user": "prompt",
    "human": "prompt",
    "instruction": "prompt",
    "question": "prompt",
    "input": "context",
    "context": "context",
    "assistant": "response",
    "gpt": "response",
    "model": "response",
    "bot": "response",
    "response": "response",
    "answer": "response",
}
_PROMPT_SIDE = frozenset({"prompt", "context"})
# the segment roles whose text may be a whole transcript: a plain-text set's one column
TRANSCRIPT_ROLES = frozenset({"text"})
# a preamble before the first marker is the template's system prompt ("Below is an
# instruction that describes a task…", "A chat between a curious user…"), never longer
MAX_PREAMBLE_CHARS = 1000


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    marker: re.Pattern[str]  # group "role" names the turn; else ``fixed`` maps the match
    preamble: bool  # whether a system prompt may stand before the first marker
    fixed: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))


TEMPLATES: tuple[Template, ...] = (
    Template("chatml", re.compile(r"<\|im_start\|>[ \t]*(?P<role>[A-Za-z_]+)[ \t]*\r?\n?"), False),
    Template(
        "llama3",
        re.compile(r"<\|start_header_id\|>[ \t]*(?P<role>[A-Za-z_]+)[ \t]*<\|end_header_id\|>"),
        False,
    ),
    Template("gemma", re.compile(r"<start_of_turn>[ \t]*(?P<role>[A-Za-z_]+)[ \t]*\r?\n?"), False),
    Template("zephyr", re.compile(r"<\|(?P<role>system|user|assistant)\|>"), False),
    Template(
        "llama2",
        re.compile(r"\[INST\]|\[/INST\]|<<SYS>>|<</SYS>>"),
        False,
        MappingProxyType(
            {"[INST]": "prompt", "[/INST]": "response", "<<SYS>>": "system", "<</SYS>>": "prompt"}
        ),
    ),
    Template(
        "hash_headers",
        re.compile(
            # a marker opens a line or follows a space; the spaces before it are taken
            # only from a line's start, possessively: from every space of a long run,
            # the search took quadratic time (40,000 spaces, 11 s)
            r"(?:(?m:^)[ \t]*+|(?<=\s))\#{2,4}[ \t]*(?P<role>Human|Assistant|User|System"
            r"|Instruction|Input|Response|Context|Question|Answer)[ \t]*(?::|(?=\r?\n))"
        ),
        True,
    ),
    Template(
        "speaker_labels",
        re.compile(
            r"(?m:^)[ \t]*+(?P<role>Human|Assistant|User|System|HUMAN|ASSISTANT|USER|SYSTEM)[ \t]*:"
            r"|(?<=[\s>])(?P<upper>USER|ASSISTANT):"
        ),
        True,
    ),
)


@dataclass(frozen=True, slots=True)
class Turn:
    role: str  # "system", "prompt", "context" or "response"
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Transcript:
    template: str
    turns: tuple[Turn, ...]

    def texts(self, text: str) -> list[str]:
        return [text[t.start : t.end] for t in self.turns]

    def masked(self, text: str) -> str:
        """``text`` with everything outside the turns (the format) turned into spaces, line
        breaks kept, so offsets into it are offsets into ``text``."""
        out = []
        pos = 0
        for t in self.turns:
            out.append(_blank(text[pos : t.start]))
            out.append(text[t.start : t.end])
            pos = t.end
        out.append(_blank(text[pos:]))
        return "".join(out)


def _blank(s: str) -> str:
    return "".join(c if c in "\r\n" else " " for c in s)


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """``start:end`` without the whitespace and edge tokens at either end."""
    m = _EDGE.match(text, start, end)
    a = m.end() if m else start
    b = end
    while b > a:
        if text[b - 1].isspace():
            b -= 1
            continue
        if text[b - 1] != ">":  # every edge token ends with one
            break
        tok = next((t for t in _EDGE_TOKENS if text.endswith(t, a, b)), None)
        if tok is None:
            break
        b -= len(tok)
    return a, b


def _role(template: Template, m: re.Match[str]) -> str | None:
    if template.fixed:
        return template.fixed.get(m.group(0))
    word = m.group("role") or m.groupdict().get("upper") or ""
    return _ROLE.get(word.lower())


def parse(text: str) -> Transcript | None:
    """The transcript ``text`` is, in the first template it fits; None when it is not one."""
    for template in TEMPLATES:
        got = _parse(text, template)
        if got is not None:
            return got
    return None


def _parse(text: str, template: Template) -> Transcript | None:
    marks = list(template.marker.finditer(text))
    if not marks:
        return None
    turns: list[Turn] = []
    a, b = _trimmed(text, 0, marks[0].start())
    if b > a:
        if not template.preamble or b - a > MAX_PREAMBLE_CHARS:
            return None
        turns.append(Turn("system", a, b))
    for k, m in enumerate(marks):
        role = _role(template, m)
        if role is None:
            return None
        stop = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        a, b = _trimmed(text, m.end(), stop)
        if b > a:
            turns.append(Turn(role, a, b))
    return Transcript(template.name, tuple(turns)) if _well_formed(text, turns) else None


# a line that opens a system turn in the speaker-label template: inside another turn it is
# a system turn the template never wrote, and the text is no transcript
_SYSTEM_LINE = re.compile(r"(?m)^[ \t]*+(?:SYSTEM|System|system)[ \t]*:")


def _well_formed(text: str, turns: list[Turn]) -> bool:
    """A system prompt only first, a request before any answer, at least one answer, and
    no system line inside a later turn."""
    seen_request = False
    answered = False
    for k, t in enumerate(turns):
        if k > 0 and _SYSTEM_LINE.search(text, t.start, t.end):
            return False
        if t.role == "system":
            if k > 0:
                return False
        elif t.role in _PROMPT_SIDE:
            seen_request = True
        else:
            if not seen_request:
                return False
            answered = True
    return answered


def model_text(role: str, text: str) -> str:
    """What the embedding model reads for a segment: a transcript's turns without the
    template, one per line, so that two rows in one template are as near as what they
    say (the markers of a long template pulled short rows together into semantic
    duplicates); any other segment's text as it is."""
    if role in TRANSCRIPT_ROLES and text and (got := parse(text)) is not None:
        return "\n".join(got.texts(text))
    return text
