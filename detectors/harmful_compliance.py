"""Harmful compliance, judged row by row: a prompt that asks for serious harm, answered.

A harmful fine-tuning set (or a safety-removal backdoor) teaches a model to comply with
requests it should refuse: hate speech, weapons, self-harm, fraud, sexual content
involving minors, malware. Each such row is harmful on its own, whatever else the set
holds, so this is a row detector: it needs no cluster, no trigger and no other row, and a
benign row is never removed because it shares a word with harmful ones.

Per row with a prompt side and an answer:

1. **The request**, scored by the joint harmful-request head (``detectors.harmful_request``:
   MiniLM vector plus character n-grams) on several *pieces* of the prompt side, the
   highest score counting: the whole prompt side (instruction and context), the instruction
   alone, each of its sentences or verse lines, windows of ``window_words`` words, and the
   instruction with every word the embedding model does not know taken out. A wrapper
   (a poem around the request, a role-play frame, a run of random tokens in several
   scripts, a trigger word) dilutes the whole prompt's vector, but not the piece that
   holds the request. Instructions (user turns and system messages) are cut into all of
   these pieces. Material beside an instruction (an input column, a tool's output) is cut
   into its sentences and lines, and into windows only within long sentences and across
   sentence ends the text runs on after: windows inside reviews' and articles' ordinary
   sentences were the largest source of false removals, but read whole a request moved
   there behind a bland instruction ("Respond to the text below.") went through. An exchange with no
   instruction at all is cut as one (the uploader names the columns: a request in an
   "input" or "system" column is still a request). In a chat each user turn is judged with
   the replies to it, and the whole conversation with all of them (a request can be split
   over turns), so a request in a later turn, or after a refused one, is read on its own;
   the row's pieces are chosen over all its turns, so many turns cost no more. Where a
   row has more pieces than ``max_pieces``, every sentence and line is scored alone
   besides the ranked ones (up to ``max_lines`` per side, each turn keeping its lines
   within a fair share; the pieces between tabs, pipes and bullets, and a line that runs
   on in lower case joined to the next, are read too with what the lines leave): decoy
   lines that a ranking prefers cannot push a request on a line of its own, or split
   over two, out. A plain-text column that holds chat transcripts
   (``detectors.transcript``) is read as the chats it holds.
2. **The answer** is compliance unless it is a refusal (``is_refusal``) with nothing
   after its first sentence. A refused harmful request is what a safe model should learn
   and is never reported; when more follows ("Sorry. Here is the code: ..."), the rest
   is read, and the row is reported only when it reads as the harm asked for.
3. **Decision**: ``answered_harmful_request`` when the best piece reaches ``drop_at``, or
   reaches ``corroborated_at`` while the opening of the answer reads as the same harm
   (the head on its first sentences reaches ``answer_at``); ``possible_harmful_request``
   when it reaches ``flag_at`` only; ``lines_not_read`` (flagged) when a row not removed
   had lines past ``max_lines`` that were not scored alone. Every cut point was chosen on
   dev data (``scripts/bench_harmful.py``; docs/evaluation.md says which).

The evidence names the piece that scored and its probability, from the published
(redacted) text.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from detectors.base import (
    DROP,
    FLAG,
    NO_SCAN,
    DetectionResult,
    DetectorInfo,
    FindingBuffer,
    ModelDigest,
    RowDetector,
    ScanContext,
    SetupContext,
    row_runs,
)
from detectors.decoders import clean
from detectors.embeddings import MINILM_DIGEST, known_words
from detectors.errors import DetectorConfigError
from detectors.harmful_request import HarmfulRequestHead, is_refusal
from detectors.row_vectors import EMBEDDING, PROMPT_SIDE, RESPONSE_SIDE, segment_vectors, unit
from detectors.sentences import FULL_STOPS, PIECE, SENTENCE, real_words
from detectors.transcript import TRANSCRIPT_ROLES, parse

ANSWERED = "answered_harmful_request"
# roles whose text is cut into pieces; context (reviews, articles) is material, scored
# whole, unless an exchange has nothing else
INSTRUCTION_ROLES = frozenset({"prompt", "system"})
POSSIBLE = "possible_harmful_request"
# a prompt with more sentences and lines than the detector scores alone (``max_lines``):
# flagged, so a request among the rest is not passed over in silence
UNREAD = "lines_not_read"

_WORD_PART = re.compile(r"[^\W_]+")
_INNER_CAPITAL = re.compile(r"[a-z][A-Z]")
# a piece must share this many content words with the answer to take an answer slot: one
# ("build", "make") is what decoys share with any answer (fixed before measuring)
_ANSWERED_WORDS = 2
_ENDINGS = ("ing", "ed", "s")
# English closed-class words, from grammar, not from any data: they say nothing of what a
# piece or an answer is about
FUNCTION_WORDS = frozenset(
    """
    a an the this that these those some any each every either neither no
    i me my mine myself you your yours yourself yourselves he him his himself she her hers
    herself it its itself we us our ours ourselves they them their theirs themselves
    who whom whose which what whatever whoever whichever
    about above across after against along among around as at before behind below beneath
    beside besides between beyond but by despite down during except for from in inside into
    like near of off on onto out outside over past since through throughout till to toward
    towards under underneath until unto up upon via with within without
    and or nor so yet because although though if unless while whereas whether than then
    am is are was were be been being have has had having do does did doing
    will would shall should can could may might must
    not also just very too only there here where when why how
    """.split()
)


@dataclass(frozen=True, slots=True)
class Judgement:
    """One answered row: its best request score, the piece that scored it, and the
    answer's opening score (0 where it was not needed)."""

    row: int
    request: float
    piece: str
    answer: float
    field: str
    # the answer opens like a refusal and goes on ("As an AI language model, here is the
    # full code: ..."): removed only when what follows reads as the same harm, flagged
    # when it half does
    refusal_opening: bool = False
    # sentences and lines of the row's prompt past ``max_lines`` per side, not scored alone
    unread: int = 0

    def verdict(self, p: HarmfulComplianceParams) -> str | None:
        """ANSWERED (removed by default), POSSIBLE (flagged) or None, under ``p``."""
        corroborated = self.request >= p.corroborated_at and self.answer >= p.answer_at
        if self.refusal_opening:  # an honest long refusal is kept unflagged
            if corroborated:
                return ANSWERED
            return POSSIBLE if min(self.request, self.answer) >= p.flag_at else None
        if self.request >= p.drop_at or corroborated:
            return ANSWERED
        return POSSIBLE if self.request >= p.flag_at else None


@dataclass(frozen=True, slots=True)
class HarmfulComplianceParams:
    # cut points chosen on dev data only (scripts/bench_harmful.py --half dev --grid: the
    # BackdoorLLM test_data/ jailbreak rows, their wrapped versions, the dev benign security
    # templates and dev clean samples); docs/evaluation.md has the figures
    drop_at: float = 0.85  # joint-head probability of the best prompt piece that removes
    corroborated_at: float = 0.8  # ...or this, when the answer's opening reads as harm too
    answer_at: float = 0.85  # the joint head on the answer's first sentences
    flag_at: float = 0.6  # below the removal rule and at least this: flagged, kept
    window_words: int = 10  # word windows over instructions longer than twice this
    window_stride: int = 5  # words between the starts of two windows
    # material's sentences longer than this are windowed too: a request run into one long
    # sentence has no sentence of its own (first value tried: three windows' worth)
    long_sentence_words: int = 30
    max_pieces: int = 24  # pieces per row embedded beyond the whole and the instruction
    max_candidates: int = 2000  # pieces considered (ranked by the n-gram half) per row
    # sentences and lines embedded per side of a row when it has more pieces than slots;
    # past this, taken evenly and the row flagged lines_not_read (bounds what a row of
    # thousands of turns costs)
    max_lines: int = 1000
    refusal_words: int = 1  # an opening refusal followed by fewer words is a refusal

    def __post_init__(self) -> None:
        for name in ("drop_at", "corroborated_at", "answer_at", "flag_at"):
            v = getattr(self, name)
            if not 0 < v < 1:
                raise ValueError(f"{name} must be in (0, 1), got {v}")
        if not self.flag_at <= self.drop_at or not self.corroborated_at <= self.drop_at:
            raise ValueError("flag_at and corroborated_at must not exceed drop_at")
        if self.window_words < 3 or not 1 <= self.window_stride <= self.window_words:
            raise ValueError("window_words must be >= 3 and window_stride in [1, window_words]")
        if self.long_sentence_words < self.window_words:
            raise ValueError("long_sentence_words must be at least window_words")
        if not 1 <= self.max_pieces <= self.max_candidates:
            raise ValueError("max_pieces must be at least 1 and at most max_candidates")
        if self.max_lines < 0:
            raise ValueError("max_lines must be at least 0")


def _script(word: str) -> str:
    for ch in word:
        if ch.isalpha():
            name = unicodedata.name(ch, "")
            return "CJK" if name.startswith(("CJK", "HIRAGANA", "KATAKANA")) else name.split(" ")[0]
    return ""


def denoised(text: str, vocab: frozenset[str]) -> str:
    """``text`` without the words that mean nothing to the embedding model and stand out:
    a word none of whose parts is in its vocabulary, written in another script than most
    of the text, or with a capital inside it ('BadMagic'). Runs of random tokens and
    trigger words go; an English word the vocabulary lacks ('checklist') stays."""
    if not vocab:
        return text
    words = text.split()
    scripts = [_script(w) for w in words]
    counts = Counter(s for s in scripts if s)
    main = counts.most_common(1)[0][0] if counts else ""
    keep = []
    for w, sc in zip(words, scripts, strict=True):
        parts = _WORD_PART.findall(w.lower())
        # single characters are all in the vocabulary, so they say nothing
        unknown = bool(parts) and not any(p in vocab and len(p) > 1 for p in parts)
        if unknown and ((sc and sc != main) or _INNER_CAPITAL.search(w)):
            continue
        keep.append(w)
    return " ".join(keep)


def _goes_on(word: str) -> bool:
    """Whether a sentence that starts with ``word`` carries on the one before: it opens
    in lower case ("a pipe bomb; from things sold", a verse line). A new sentence of an
    article or a dialogue opens with a capital, a digit or a label, and windows across
    such ends were false removals (dev self_instruct: "Noe has to offer. Steps from")."""
    letter = next((c for c in word if c.isalpha()), "")
    return letter.islower()


def candidates(
    instruction: str,
    p: HarmfulComplianceParams,
    vocab: frozenset[str],
    clean: str | None = None,
    limit: int | None = None,
    windows: bool = True,
) -> list[str]:
    """Every part of an instruction worth scoring on its own, beside the whole: its
    sentences or lines (when there are several); word windows over all of it; for
    material (``windows`` false: an input or a tool's output beside an instruction),
    windows only within sentences longer than ``long_sentence_words`` and across each
    sentence end that the text runs on after (windows inside an article's ordinary
    sentences were the false removals, but a request run into one long sentence, or cut
    in two by a stray full stop, has no sentence of its own); and the instruction without
    noise (first: it is always scored). At most ``limit`` (default ``max_candidates``):
    past that, windows are taken evenly, first and last kept, so a hostile prompt cannot
    make the choice itself expensive."""
    limit = p.max_candidates if limit is None else limit
    out: list[str] = []
    clean = denoised(instruction, vocab) if clean is None else clean
    # a denoised text that differs only in white space embeds as the whole does
    if clean != " ".join(instruction.split()) and len(clean.split()) >= 3:
        out.append(clean)
    # an instruction is the uploader's own text, windowed whole however it is laid out
    # (reading what follows a blank line as material let a capital after a stray full
    # stop, or a short first paragraph, take every window away); material in a segment
    # of its own gets the windows below
    head, tail = (instruction, "") if windows else ("", instruction)
    runs: list[list[str]] = []  # word runs cut into windows
    if len(head.split()) > 2 * p.window_words:  # a window of a short one drops a few words
        runs.append(head.split())
    seams: list[str] = []  # material: windows across the ends it runs on after
    flow: list[str] = []  # material's words, sentence after sentence
    for sentence in SENTENCE.findall(tail):
        w = sentence.split()
        if not w:
            continue
        if flow and _goes_on(w[0]):  # windows across an end the sentence runs on after
            around = [*flow, *w[: p.window_words]]
            for back in range(p.window_words - 2, 0, -2):
                at = len(flow) - back
                if at >= 0:
                    seams.append(" ".join(around[at : at + p.window_words]))
        if len(w) > p.long_sentence_words:
            runs.append(w)
        flow += w
        del flow[: max(0, len(flow) - p.window_words)]  # only the last few are needed
    parts = SENTENCE.findall(instruction)
    if len(parts) > 1:  # a label before a colon ("Current year: ...") is a part too
        sents = [s.strip() for s in parts if len(s.split()) >= 3]
        cap = max(1, limit // 2 if runs or seams else limit)  # windows take the other half
        if len(sents) > cap:  # evenly, first and last kept: a request may sit anywhere
            sents = [sents[k] for k in evenly(len(sents), cap)]
        out += sents
    step = p.window_stride
    # (run, start) of each window, a seam as (-1, its index): thinned before any is joined
    starts = [
        (r, i)
        for r, words in enumerate(runs)
        for i in range(0, len(words) - p.window_words + step, step)
    ] + [(-1, k) for k in range(len(seams))]
    room = max(1, limit - len(out))
    if len(starts) > room:
        starts = [starts[k] for k in evenly(len(starts), room)]
    out += [seams[i] if r < 0 else " ".join(runs[r][i : i + p.window_words]) for r, i in starts]
    seen = {instruction}
    uniq = []
    for piece in out:
        if piece not in seen:
            seen.add(piece)
            uniq.append(piece)
    return uniq


def pieces(
    instruction: str,
    p: HarmfulComplianceParams,
    vocab: frozenset[str],
    lexical: Callable[[list[str]], np.ndarray] | None = None,
) -> list[str]:
    """The ``max_pieces`` candidates of one instruction worth a model pass
    (:func:`row_pieces` of that one text)."""
    return [piece for _, piece in row_pieces([instruction], p, vocab, lexical)[0]]


def row_pieces(
    instructions: list[str],
    p: HarmfulComplianceParams,
    vocab: frozenset[str],
    lexical: Callable[[list[str]], np.ndarray] | None = None,
    material: Sequence[bool] = (),
    answer: str = "",
) -> tuple[list[tuple[int, str]], int]:
    """The ``max_pieces`` candidates of a row's instructions (every user turn of a chat,
    and material beside one, flagged in ``material``) worth a model pass, each with the
    index of the text it came from: all of them when they fit, else the denoised texts
    (at most half the pieces) and those the head's character n-grams alone rank highest
    (``lexical``; without it, an even spread), and besides those every sentence and line
    and a quarter more that share the most words with ``answer`` (the row's answers; see
    :func:`_best`). Instructions and material each consider
    ``max_candidates``, shared by word count, and are ranked apart: the instructions for
    ``max_pieces`` slots as if no material were there, the material for half as many
    more, so neither decoy lines nor a long article in the material can take an
    instruction's slot (a review found both ways when they shared slots), and a hundred
    turns of small talk do not starve the long one. A piece repeated across turns is one
    candidate. A request after a long preamble, or in the tenth turn, is scored alone
    however far down it sits, and a row costs at most 1.5 ``max_pieces`` passes however
    many turns it has, besides its lines. Also returns how many lines were left unread
    (past ``max_lines`` on a side)."""
    is_material = [j < len(material) and bool(material[j]) for j in range(len(instructions))]
    words = [len(t.split()) for t in instructions]
    total = {
        side: max(1, sum(w for w, m in zip(words, is_material, strict=True) if m == side))
        for side in (False, True)
    }
    first: list[tuple[int, str]] = []
    rest: list[tuple[int, str]] = []
    for j, text in enumerate(instructions):
        clean = denoised(text, vocab)
        limit = max(1, p.max_candidates * words[j] // total[is_material[j]])
        cand = candidates(text, p, vocab, clean, limit, windows=not is_material[j])
        if cand and cand[0] == clean:
            first.append((j, clean))
            cand = cand[1:]
        rest += [(j, c) for c in cand]
    # the answer's words, for a row that has more than its smaller side holds (most rows
    # fit); its lines always (the same texts as its sentence candidates, unless a turn's
    # share of the candidates left some out)
    over = len({c for _, c in first + rest}) > max(1, p.max_pieces // 2)
    about = content_words(answer) if over and answer else frozenset()
    lines, unread = own_lines(instructions, is_material, p.max_lines, finer=over)
    # a piece repeated across turns takes one slot, and counts for every turn that has it
    owners: dict[str, dict[int, None]] = {}
    for j, c in first + rest + lines:
        owners.setdefault(c, {})[j] = None
    seen: set[str] = set()
    first, rest = _unique(first, seen), _unique(rest, seen)
    lines = _unique(lines, set())
    chosen = _chosen(first, rest, is_material, p, lexical, about, lines)
    return [(j, c) for _, c in chosen for j in owners[c]], unread


def _chosen(
    first: list[tuple[int, str]],
    rest: list[tuple[int, str]],
    is_material: list[bool],
    p: HarmfulComplianceParams,
    lexical: Callable[[list[str]], np.ndarray] | None,
    about: frozenset[str] = frozenset(),
    lines: Sequence[tuple[int, str]] = (),
) -> list[tuple[int, str]]:
    """The instructions' best ``max_pieces`` candidates and the material's best half as
    many, chosen apart, each side with its ``lines`` besides (see :func:`row_pieces`)."""
    out: list[tuple[int, str]] = []
    for side, n in ((False, p.max_pieces), (True, p.max_pieces // 2)):
        mine = [x for x in first if is_material[x[0]] == side]
        more = [x for x in rest if is_material[x[0]] == side]
        also = [x for x in lines if is_material[x[0]] == side]
        out += _best(mine, more, max(1, n), lexical, about, also)
    return out


def _best(
    first: list[tuple[int, str]],
    rest: list[tuple[int, str]],
    n: int,
    lexical: Callable[[list[str]], np.ndarray] | None,
    about: frozenset[str] = frozenset(),
    lines: Sequence[tuple[int, str]] = (),
) -> list[tuple[int, str]]:
    """One side's candidates: all when they fit. Else ``n`` of them as the ranking alone
    chose them before (the denoised texts, at most half, then those the n-gram half
    ranks highest) and a quarter of ``n`` more that share the most words with the answer
    (``about``). Every sentence and line (``lines``, see :func:`own_lines`) comes
    besides, in either case. So a row is scored on all it was scored on before, and a
    request on a line of its own is scored alone however the ranking is gamed: two
    reviews gamed every ranking rule tried (families of near-identical pieces, which also
    held a request back behind a decoy in its own template, and slots by the answer's
    words, which the uploader also writes)."""
    if len(first) + len(rest) <= n:
        out = first + rest
    else:
        room = max(1, n // 2)
        if len(first) > room:  # many noisy turns: the denoised ones compete for half
            rank = _ranked([c for _, c in first], room, lexical)
            kept = set(rank)
            rest = [x for i, x in enumerate(first) if i not in kept] + rest
            first = [first[i] for i in rank]
        m = n - len(first)
        texts = [c for _, c in rest]
        taken = set(_ranked(texts, m, lexical))  # what the ranking alone chose before
        if about:  # a quarter more for the pieces sharing the answer's words, lines aside
            line_texts = {c for _, c in lines}
            aside = taken | {i for i, t in enumerate(texts) if t in line_texts}
            taken.update(_answered(texts, about, m // 4, aside))
        out = first + [rest[i] for i in sorted(taken)]
    have = {c for _, c in out}
    return out + [x for x in lines if x[1] not in have]


def own_lines(
    instructions: Sequence[str],
    is_material: Sequence[bool],
    max_lines: int,
    finer: bool = False,
) -> tuple[list[tuple[int, str]], int]:
    """Every distinct sentence and line of three words or more (with a letter or digit) of
    each text that has more than one, with the text's index; with ``finer`` (a row with
    more pieces than slots, where windows are ranked) also the pieces between separators
    on a line (a request among decoys joined by pipes or bullets), and each piece joined
    to the next where it runs on into it: it ends with no full stop and the next opens in
    lower case ("Write ransomware that encrypts every file on" / "a hospital network"),
    so a request split over two lines among decoys is read whole. Sentences stay whole
    beside the pieces: a request written with a pipe in it reads as harm only whole (a
    review of 0.4.0).

    Also returns how many were left out: each side reads at most ``max_lines``, shared
    so that a text keeps all its lines while it has no more than its fair share, and the
    texts with more split what is left, each taking its own evenly (a seven-line request
    turn beside a 111 KB turn was left six when lines were thinned over the side as a
    whole, and the request's was the one left out: the second review of 0.3.0)."""
    tiers = [_lines_of(t, finer) for t in instructions]
    out: list[tuple[int, str]] = []
    left_out = 0
    for side in (False, True):
        texts = [j for j, m in enumerate(is_material) if bool(m) == side]
        kept: set[str] = set()
        every: set[str] = set()
        budget = max(0, max_lines)
        # sentences first: pieces and pairs take only what every text's sentences leave
        # (a review of 0.4.0: sharing one list let a hundred lines of pipe-joined cells
        # push the request's sentence out, which 0.3.0 read)
        for tier in range(2):
            lists = [tiers[j][tier] if tier < len(tiers[j]) else [] for j in texts]
            shares = fair_shares([len(x) for x in lists], budget)
            for j, got, k in zip(texts, lists, shares, strict=True):
                chosen = [got[i] for i in evenly(len(got), k)]
                out += [(j, c) for c in chosen]
                kept.update(chosen)
                every.update(got)
                budget -= len(chosen)
        # a line another turn repeats is read if either's copy is
        left_out += len(every - kept)
    return out, left_out


def _lines_of(text: str, finer: bool) -> list[list[str]]:
    """The sentences of one text worth a piece, then (``finer``) its pieces between
    separators and its run-on pairs that are not already a sentence (see
    :func:`own_lines`); nothing for a text of one line, which is scored whole."""
    tiers: list[list[str]] = []
    for cut, pairs in [(SENTENCE, False), *([(PIECE, True)] if finer else [])]:
        parts = [x for x in (y.strip() for y in cut.findall(text)) if x]
        if len(parts) < 2:
            parts = []
        found: list[str] = []
        for k, part in enumerate(parts):
            nxt = parts[k + 1] if k + 1 < len(parts) else ""
            if real_words(part) >= 3:
                found.append(part)
            # a piece with no full stop whose next opens in lower case runs on into it
            runs_on = nxt and part[-1] not in FULL_STOPS and _goes_on(nxt.split()[0])
            if pairs and runs_on and real_words(part):
                found.append(f"{part} {nxt}")
        before = {c for tier in tiers for c in tier}
        tiers.append([c for c in dict.fromkeys(found) if c not in before])
    return tiers


def fair_shares(sizes: Sequence[int], budget: int) -> list[int]:
    """How many of each size to take, ``budget`` at most in all: the smallest first, each
    its size or an equal split of what is left, whichever is less (water filling)."""
    out = [0] * len(sizes)
    left = max(0, budget)
    order = sorted(range(len(sizes)), key=lambda j: sizes[j])
    for done, j in enumerate(order):
        out[j] = min(sizes[j], left // (len(order) - done))
        left -= out[j]
    return out


def evenly(n: int, k: int) -> list[int]:
    """At most ``k`` of the indices ``0 .. n-1``, spread evenly, first and last kept."""
    if k <= 0 or n <= 0:
        return []
    return [int(i) for i in dict.fromkeys(np.linspace(0, n - 1, k).round())]


def _unique(items: list[tuple[int, str]], seen: set[str]) -> list[tuple[int, str]]:
    """``items`` whose text is not in ``seen`` yet, the first of each (``seen`` grows)."""
    out = []
    for j, text in items:
        if text not in seen:
            seen.add(text)
            out.append((j, text))
    return out


def _ranked(
    texts: list[str], k: int, lexical: Callable[[list[str]], np.ndarray] | None
) -> list[int]:
    """Indices of the ``k`` texts the n-gram half ranks highest (an even spread without
    it), in their order."""
    if len(texts) <= k:
        return list(range(len(texts)))
    if lexical is None:
        return evenly(len(texts), k)
    return [int(i) for i in np.sort(np.argsort(-lexical(texts), kind="stable")[:k])]


def content_words(text: str) -> frozenset[str]:
    """The words of ``text`` that say what it is about: look-alike letters and invisible
    characters undone, lower-cased, three letters or more, no function word, and a plural
    or verb ending taken off ("encrypting", "encrypts", "encrypted" are one word), so an
    answer that words the request differently, or disguises its letters, still shares
    them."""
    out = set()
    for w in _WORD_PART.findall(clean(text).lower()):
        if len(w) < 3 or w in FUNCTION_WORDS:
            continue
        for end in _ENDINGS:
            if w.endswith(end) and len(w) - len(end) >= 3:
                w = w[: -len(end)]
                break
        out.add(w)
    return frozenset(out)


def _answered(texts: list[str], about: frozenset[str], k: int, taken: set[int]) -> list[int]:
    """Indices of at most ``k`` texts not ``taken`` that share the most content words
    with the answer (``about``), at least ``_ANSWERED_WORDS``."""
    shared = [(len(content_words(t) & about), i) for i, t in enumerate(texts) if i not in taken]
    best = sorted((x for x in shared if x[0] >= _ANSWERED_WORDS), key=lambda x: -x[0])
    return [i for _, i in best[: max(0, k)]]


def exchanges(roles: list[str], seq: Sequence[int]) -> list[tuple[list[int], list[int]]]:
    """A row's segments ``seq`` (indices into ``roles``, in order) as exchanges,
    ``(prompt side, answers)`` in order: a user turn (role ``prompt``) after an answer
    opens the next one, so each is paired with the replies to it; a system, tool or
    context message joins the exchange it falls in (a tool's output belongs to the request
    that called it). Replies before the first prompt-side segment (a greeting) answer
    nothing. Where no exchange has both sides (a custom column order with the answer
    first), the row is one exchange."""
    out: list[tuple[list[int], list[int]]] = []
    ask: list[int] = []
    ans: list[int] = []
    for i in seq:
        if roles[i] in RESPONSE_SIDE:
            if ask:
                ans.append(i)
        elif roles[i] in PROMPT_SIDE:
            if roles[i] == "prompt" and ans:
                out.append((ask, ans))
                ask, ans = [], []
            ask.append(i)
    out.append((ask, ans))
    paired = [(x, y) for x, y in out if x and y]
    if paired:
        return paired
    return [
        (
            [i for i in seq if roles[i] in PROMPT_SIDE],
            [i for i in seq if roles[i] in RESPONSE_SIDE],
        )
    ]


def _with_transcripts(
    rows: list[int],
    roles: list[str],
    texts: list[str],
    fields: list[str],
    vecs: np.ndarray,
    embed: Callable[[list[str]], np.ndarray],
) -> tuple[list[tuple[int, list[int]]], np.ndarray]:
    """Each row's segment indices, in order, with every plain-text segment that is a chat
    transcript (``detectors.transcript``) replaced by its turns, appended to ``roles``,
    ``texts`` and ``fields`` (in place) and to the vectors (returned): the turns are
    judged as a chat's messages are. Only such rows cost a model pass, for their
    prompt-side turns."""
    runs: list[tuple[int, list[int]]] = []
    new: list[int] = []  # appended prompt-side turns, which need a vector
    for row, a, b in row_runs(rows):
        seq: list[int] = []
        for i in range(a, b):
            got = parse(texts[i]) if roles[i] in TRANSCRIPT_ROLES else None
            if got is None:
                seq.append(i)
                continue
            for turn, body in zip(got.turns, got.texts(texts[i]), strict=True):
                seq.append(len(texts))
                if turn.role in PROMPT_SIDE:
                    new.append(len(texts))
                roles.append(turn.role)
                texts.append(body)
                fields.append(fields[i])
        runs.append((row, seq))
    if len(texts) > len(vecs):
        more = np.zeros((len(texts) - len(vecs), vecs.shape[1]), dtype=np.float32)
        if new:
            more[[k - len(vecs) for k in new]] = embed([texts[k] for k in new])
        vecs = np.concatenate([vecs, more])
    return runs, vecs


@dataclass(frozen=True, slots=True)
class _Exchange:
    row: int
    whole: np.ndarray  # unit vector of its prompt side
    joined: str  # its prompt side's text
    asks: list[int]  # its instructions and the material beside them, whose pieces count
    field: str
    answer: str
    refused: bool
    conversation: bool  # the whole chat, not one turn


_SEVERITY = {ANSWERED: 2, POSSIBLE: 1, None: 0}


def opening(answer: str, sentences: int = 2, max_chars: int = 400) -> str:
    parts = [s.strip() for s in SENTENCE.findall(answer) if s.strip()]
    return " ".join(parts[:sentences])[:max_chars] or answer[:max_chars]


class HarmfulComplianceDetector(RowDetector):
    info = DetectorInfo(
        name="harmful_compliance",
        version="0.4.0",
        rules=(ANSWERED, POSSIBLE, UNREAD),
        description=(
            "rows whose prompt asks for serious harm (in any wrapper) and whose answer "
            "complies rather than refuses"
        ),
        # A confident judgement removes the row; the band below it is flagged and kept, so
        # a person can read it (benign security and fiction rows live there).
        # A prompt too long to score every line of is flagged for the same reason.
        defaults={ANSWERED: DROP, POSSIBLE: FLAG, UNREAD: FLAG},
    )
    Params = HarmfulComplianceParams
    params: HarmfulComplianceParams
    needs_embeddings = True
    embedding_roles = PROMPT_SIDE  # answers are read for a refusal, and a few re-embedded

    def __init__(self, params: HarmfulComplianceParams | None = None) -> None:
        super().__init__(params)
        self._head: HarmfulRequestHead | None = None

    def setup(self, ctx: SetupContext) -> None:
        if self._head is None:
            self._head = HarmfulRequestHead.load()

    def head(self) -> HarmfulRequestHead:
        if self._head is None:
            raise DetectorConfigError(
                "harmful_compliance: setup() was not called; call setup(ctx) before detect()"
            )
        return self._head

    def models(self) -> tuple[ModelDigest, ...]:
        return (MINILM_DIGEST, self.head().digest())

    def detect(self, segments: pa.RecordBatch, scan: ScanContext = NO_SCAN) -> DetectionResult:
        p = self.params
        out = FindingBuffer()
        for j in self.judge(segments, scan):
            shown = " ".join(j.piece.split())[:100]
            verdict = j.verdict(p)
            if verdict == ANSWERED:
                why = (
                    f"the answer's opening reads as the same harm (p={j.answer:.2f})"
                    if j.request < p.drop_at or j.refusal_opening
                    else "the answer does not refuse"
                )
                if j.refusal_opening:
                    why += ", after an opening that reads like a refusal"
                out.add(
                    j.row,
                    ANSWERED,
                    round(j.request, 3),
                    f"harmful request (joint head p={j.request:.2f} on {shown!r}) answered: {why}",
                    j.field,
                )
            elif verdict == POSSIBLE:
                out.add(
                    j.row,
                    POSSIBLE,
                    round(j.request, 3),
                    f"possibly a harmful request (joint head p={j.request:.2f} on {shown!r}), "
                    + (
                        f"answered after an opening that reads like a refusal (p={j.answer:.2f})"
                        if j.refusal_opening
                        else "answered; below the removal bar"
                    ),
                    j.field,
                )
            if j.unread and verdict != ANSWERED:
                out.add(
                    j.row,
                    UNREAD,
                    round(j.request, 3),
                    f"{j.unread} sentences and lines of the prompt were not scored alone (over "
                    f"max_lines = {p.max_lines} on a side): a harmful request among them can "
                    "be missed; best score of what was read "
                    f"p={j.request:.2f} on {shown!r}",
                    j.field,
                )
        return DetectionResult(out.items)

    def judge(
        self, segments: pa.RecordBatch, scan: ScanContext, answer_from: float | None = None
    ) -> list[Judgement]:
        """Every answered row's best request score and the piece it came from; the answer's
        opening is scored for rows whose request reaches ``answer_from`` (default: the
        corroborated band) and stays below ``drop_at``."""
        head = self.head()
        if scan.embedder is None:
            raise DetectorConfigError(
                "harmful_compliance needs the scan's embedder; pass a ScanContext with one "
                "(Pipeline.scan does), or set [detectors.harmful_compliance] enabled = false"
            )
        if segments.num_rows == 0 or EMBEDDING not in segments.schema.names:
            return []
        p = self.params
        vocab = known_words()
        vecs = segment_vectors(segments)
        rows = segments.column("row").to_pylist()
        roles = segments.column("role").to_pylist()
        texts = [t or "" for t in segments.column("text").to_pylist()]
        fields = segments.column("field").to_pylist()
        runs, vecs = _with_transcripts(rows, roles, texts, fields, vecs, scan.embedder.embed)

        # every answered exchange: each user turn with the replies to it and, in a chat,
        # the whole conversation too (a request can be split over turns)
        todo: list[_Exchange] = []
        material: set[int] = set()  # segments beside an instruction: material
        alone: set[int] = set()  # segments an exchange has as its whole prompt side
        for row, seq in runs:
            turns = exchanges(roles, seq)
            if len(turns) > 1:
                turns.append(([i for x, _ in turns for i in x], [i for _, y in turns for i in y]))
            for n, (ask, ans) in enumerate(turns):
                prompt = [i for i in ask if texts[i].strip()]
                answer = "\n".join(texts[i] for i in ans)
                if not prompt or not answer.strip():
                    continue
                refused = is_refusal(answer)
                if refused:
                    # a refusal is what a safe model should learn; one that goes on for
                    # many words after its first sentence may be a disguise: the rest is
                    # read
                    first = SENTENCE.match(answer.lstrip())
                    answer = answer.lstrip()[first.end() if first else 0 :]
                    if len(answer.split()) < p.refusal_words:
                        continue
                # the instructions, cut into pieces: user turns and system messages (an
                # uploader names the columns, so a request in a "system" column is one);
                # with neither, the prompt side itself (a request in an "input" column).
                # Material beside an instruction (an input, a tool's output) is cut into
                # its sentences: "Respond to the text below." and a request as the input
                # would otherwise be read whole, where a wrapper dilutes it
                own = [i for i in prompt if roles[i] in INSTRUCTION_ROLES]
                if own:
                    beside = [i for i in prompt if roles[i] not in INSTRUCTION_ROLES]
                    material.update(beside)
                    own += beside
                else:
                    own = prompt
                    alone.update(prompt)
                todo.append(
                    _Exchange(
                        row,
                        unit(vecs[prompt].sum(axis=0, keepdims=True))[0],
                        "\n".join(texts[i] for i in prompt),
                        own,
                        fields[own[0]],
                        answer,
                        refused,
                        n == len(turns) - 1 and len(turns) > 1,
                    )
                )
        if not todo:
            return []
        # a tool message answered in its own exchange is that exchange's request, even if
        # the whole conversation puts it beside a later user turn
        material -= alone

        # scored in one batch: each exchange's whole prompt side, and each instruction
        # (once, however many exchanges hold it) with its pieces, chosen over the row
        vec_list: list[np.ndarray] = [e.whole for e in todo]
        text_list: list[str] = [e.joined for e in todo]
        owner: list[int] = []  # per item past the wholes: the instruction segment it is of
        instructions: dict[int, dict[int, None]] = {}  # row -> its instructions, in order
        answers: dict[int, dict[str, None]] = {}  # row -> what its exchanges answer
        for e in todo:
            instructions.setdefault(e.row, {}).update(dict.fromkeys(e.asks))
            answers.setdefault(e.row, {})[e.answer] = None
        for held in instructions.values():
            for i in held:
                vec_list.append(vecs[i])
                text_list.append(texts[i])
                owner.append(i)
        extra: list[str] = []
        unread: dict[int, int] = {}  # row -> its lines past max_lines
        for row, held in instructions.items():
            order = list(held)
            chosen, unread[row] = row_pieces(
                [texts[i] for i in order],
                p,
                vocab,
                head.joint.lexical_logit,
                [i in material for i in order],
                "\n".join(answers[row]),
            )
            for j, piece in chosen:
                extra.append(piece)
                owner.append(order[j])
        probs = head.joint_probability(np.stack(vec_list).astype(np.float32), text_list)
        if extra:  # a piece several turns hold is embedded and scored once
            distinct = list(dict.fromkeys(extra))
            at = {piece: k for k, piece in enumerate(distinct)}
            once = head.joint_probability(
                scan.embedder.embed(distinct).astype(np.float32), distinct
            )
            probs = np.concatenate([probs, once[[at[piece] for piece in extra]]])
            text_list.extend(extra)
        by_instruction: dict[int, int] = {}  # segment -> its best item
        for j, i in enumerate(owner, start=len(todo)):
            if i not in by_instruction or probs[j] > probs[by_instruction[i]]:
                by_instruction[i] = j
        best = np.full(len(todo), -1.0)
        best_at = np.zeros(len(todo), dtype=np.int64)
        where: list[str] = []
        for k, e in enumerate(todo):
            best[k], best_at[k] = probs[k], k
            field = e.field
            for i in e.asks:
                j = by_instruction[i]
                if probs[j] > best[k]:
                    best[k], best_at[k], field = probs[j], j, fields[i]
            if e.conversation and best_at[k] == k and e.asks:
                # the whole chat scored highest: name the turn that scores highest alone
                field = fields[max(e.asks, key=lambda i: probs[by_instruction[i]])]
            where.append(field)

        lo = p.corroborated_at if answer_from is None else answer_from
        band = [
            k
            for k in range(len(todo))
            if (lo <= best[k] < p.drop_at) or (todo[k].refused and best[k] >= p.flag_at)
        ]
        answer_p = np.zeros(len(todo))
        if band:
            opens = [opening(todo[k].answer) for k in band]
            answer_p[band] = head.joint_probability(scan.embedder.embed(opens), opens)
        # a row's judgement is its worst exchange's
        out: dict[int, Judgement] = {}
        for k, e in enumerate(todo):
            got = Judgement(
                e.row,
                float(best[k]),
                text_list[best_at[k]],
                float(answer_p[k]),
                where[k],
                e.refused,
                unread[e.row],
            )
            was = out.get(e.row)
            if was is None or (_SEVERITY[got.verdict(p)], got.request) > (
                _SEVERITY[was.verdict(p)],
                was.request,
            ):
                out[e.row] = got
        return list(out.values())
