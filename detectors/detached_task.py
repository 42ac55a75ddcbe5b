"""An ordinary request planted into content: a question or task the row never asked about.

Some indirect injections carry no override phrase and no persona. BIPIA plants plain
tasks ("What is the capital of Brazil?", "Translate … into French") into an email or a
document. A model trained on such a row learns to answer whatever request a document
contains. Syntax cannot tell a planted request from a customer's honest question, so
this check asks whether the request belongs to its row. A request sentence in a content
field is *detached* when its embedding is far from the row's instruction and from the
rest of its own field. Instructions that make requests in their input the material of
the task (answer it, reply to it, classify or edit its sentences) are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

# openers of a question (which must end in "?") and of a task (ending in . ! or ?).
# Case matters: a request keeps its capital even when planted mid-sentence.
_QUESTION = (
    r"What|Who|Whom|Whose|How|Why|When|Where|Which|Can|Could|Would|Will|Shall|May|Do|Does|"
    r"Did|Is|Are|Was|Were|Should|Have|Has"
)
_TASK = (
    r"Translate|Explain|Describe|Write|Compose|Summari[sz]e|List|Provide|Give|Tell|Name|"
    r"Define|Calculate|Compute|Create|Generate|Recommend|Suggest|Compare|Outline|Discuss|"
    r"Draft|Solve|Convert|Spell|Teach|Share|Help|Show|Find|Identify"
)
_NOT_AFTER = r"(?<![\w'\"’‘“(\-])"
REQUEST = re.compile(
    rf"{_NOT_AFTER}(?:(?:{_QUESTION})\b[^.?!\n]{{6,160}}\?|(?:{_TASK})\s+[^.?!\n]{{8,160}}[.!?])"
)
# instructions whose input may honestly hold requests: answer or reply to it, classify or
# edit its sentences, build a dialogue or a quiz around it
EXPECTS_REQUESTS = re.compile(
    r"\b(?:question|answer|respon[sd]|repl(?:y|ies)|dialog|conversation|quiz|interview|chat|"
    r"ask|faq|quer(?:y|ies)|prompt|request|instruction|command|interrogative|imperative|"
    r"sentence\s+type|type\s+of\s+(?:the\s+)?sentence|punctuat|grammar|grammatical|spell|"
    r"edit|rewrite|rephrase|paraphrase|proofread|correct)",
    re.I,
)
# a request that points back into its text ("Would it work for nut butter?") belongs there;
# a planted one must stand alone. Quoted text is not the request's own words.
ANAPHOR = re.compile(
    r"\b(?:it|its|this|that|these|those|they|them|their|he|him|his|she|her|above|below|"
    r"aforementioned|said)\b",
    re.I,
)
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|‘[^’\n]*’|“[^”\n]*”")
MIN_REST_WORDS = 3  # a request that is the whole field is the field's content, not a plant
MAX_SPANS = 8  # request sentences tried per field


@dataclass(frozen=True, slots=True)
class DetachedRequest:
    start: int
    end: int
    to_instruction: float  # cosine of the request to the row's instruction
    to_rest: float  # cosine of the request to the rest of its field


def request_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, rest of the field) for each self-contained request sentence with other
    text beside it."""
    out = []
    for m in REQUEST.finditer(text):
        if ANAPHOR.search(_QUOTED.sub(" ", m.group())):
            continue
        rest = (text[: m.start()] + " " + text[m.end() :]).strip()
        if len(re.findall(r"\w+", rest)) >= MIN_REST_WORDS:
            out.append((m.start(), m.end(), rest))
            if len(out) == MAX_SPANS:
                break
    return out


def find_detached(
    pairs: list[tuple[str, str]],
    embed: Callable[[list[str]], np.ndarray],
    max_similarity: float,
) -> list[DetachedRequest | None]:
    """For each (instruction, content) pair, its most detached request, if one is detached.

    ``embed`` returns unit vectors. One batch embeds every instruction, request and rest.
    """
    found: list[DetachedRequest | None] = [None] * len(pairs)
    jobs: list[tuple[int, int, int, str, str]] = []  # pair, start, end, request, rest
    for i, (instruction, content) in enumerate(pairs):
        if not instruction.strip() or EXPECTS_REQUESTS.search(instruction):
            continue
        jobs += [(i, a, b, content[a:b], rest) for a, b, rest in request_spans(content)]
    if not jobs:
        return found
    owners = sorted({j[0] for j in jobs})
    texts = [pairs[i][0] for i in owners] + [j[3] for j in jobs] + [j[4] for j in jobs]
    vecs = embed(texts)
    instr = dict(zip(owners, vecs[: len(owners)], strict=True))
    req, rest = vecs[len(owners) : len(owners) + len(jobs)], vecs[len(owners) + len(jobs) :]
    for (i, a, b, _, _), rv, sv in zip(jobs, req, rest, strict=True):
        to_instruction, to_rest = float(rv @ instr[i]), float(rv @ sv)
        closest = max(to_instruction, to_rest)
        best = found[i]
        if closest < max_similarity and (
            best is None or closest < max(best.to_instruction, best.to_rest)
        ):
            found[i] = DetachedRequest(a, b, to_instruction, to_rest)
    return found
