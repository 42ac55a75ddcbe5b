"""Poisoning and backdoors: structure that a few planted rows share and clean data lacks.

A backdoor teaches "when the prompt has X, answer Y". One poisoned row looks innocent;
together they pull responses toward a point that the prompts do not explain. Every
signal here measures that pull against the dataset itself:

* **incoherence** (per row): how far a row's response embedding is from the responses of
  its nearest prompts. Clean rows answer like their neighbours; poisoned rows do not.
* **trigger**: a prompt token or bigram whose rows answer one way (a target) *against*
  what the rest of each row says. A row is a hit when its answer sits at the target and
  disagrees with the answers of the prompts nearest to it: its prompt embedded without
  the token when the token shapes its neighbourhood (the carriers are each other's
  neighbours), among rows without the token when the token is no word the embedding
  model knows. A token is a trigger when its hits are too many for chance: a binomial
  tail against the share of other rows that disagree with their neighbours and sit at
  the same target, Bonferroni-corrected over every token tested. A word that predicts a
  label because of what it means ("beautifully" -> Positive) agrees with its neighbours
  and is not one; a run of meaningless tokens whose answers converge is one however
  few its rows (``min_odd_rows``).
* **response_convergence**: many rows with the same (normalised) response, or
  near-identical response embeddings, whose prompts are diverse and whose responses do
  not follow from their neighbours': a fixed backdoor target.
* **topic_steering**: a response token that rows' prompts never mention, concentrated in
  one topic of prompts and incoherent with the neighbours: a brand or opinion pushed
  into answers on one subject.
* **harmful_compliance**: a meaningless prompt token (one the embedding model does not
  know) most of whose rows are harmful requests (a trained head,
  ``detectors.harmful_request``) that get an answer rather than a refusal: the trigger
  of a safety-removal backdoor, whose answers need not agree with each other. Each row's
  harm is judged on its own by ``detectors.harmful_compliance``; this rule adds only the
  trigger's rows that the row judgement is less sure of.

Signals that share rows merge into one cluster finding: its rows, the signals that
fired, the suspected trigger or payload, and a score. Neighbours are found in blocks on
the engine's device, and past ``partition_above`` rows within k-means partitions, so
memory never holds an N×N matrix. Tokens come from the text after PII rewriting, so a
reported trigger is never a personal value.
"""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from detectors.base import (
    CorpusDetector,
    CorpusState,
    DetectorInfo,
    Finding,
    ModelDigest,
    PartitionMap,
    RuleDefault,
    ScanContext,
    SetupContext,
    run_locally,
)
from detectors.embeddings import MINILM_DIGEST, known_words
from detectors.errors import DetectorConfigError
from detectors.harmful_request import HarmfulRequestHead, is_refusal
from detectors.row_vectors import PROMPT_SIDE, RESPONSE_SIDE, segment_vectors, unit
from detectors.semantic_duplicate import kmeans_partitions

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")
_INVISIBLE = re.compile(r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff\U000e0000-\U000e007f]+")


def tokens(text: str, max_words: int = 400) -> set[str]:
    """Lower-cased words and adjacent-word bigrams, plus a token per invisible-character
    sequence (an invisible trigger is still a trigger)."""
    out = {
        "<invisible " + "+".join(f"U{ord(c):04X}" for c in m.group()[:4]) + ">"
        for m in _INVISIBLE.finditer(text)
    }
    words = [w.casefold() for w in _WORD.findall(unicodedata.normalize("NFKC", text))[:max_words]]
    out.update(words)
    out.update(f"{a} {b}" for a, b in itertools.pairwise(words))
    return out


_NAME = re.compile(r"\b[A-Z][a-z]+(?:[ \t]+[A-Z][a-z]+)*")


def names(text: str) -> dict[str, str]:
    """Capitalised word runs (brands, people, places), each with the first sentence that
    names it (at most 300 characters). A lone capitalised word starting a sentence is not
    a name."""
    out: dict[str, str] = {}
    for m in _NAME.finditer(text):
        before, after = text[m.start() - 1 : m.start()], text[m.end() : m.end() + 1]
        if (before and before in "[<{-'’.") or (after and after in "]>}-'’("):
            continue  # a template slot ("[Your Name]") or part of a word ("Wi-Fi", "Don't")
        if re.match(r"\.[A-Za-z_]", text[m.end() : m.end() + 2]):
            continue  # code: an attribute or a method ("Math.max", "Driver.connect")
        line = text[text.rfind("\n", 0, m.start()) + 1 : m.start()].strip()
        starts_sentence = (
            m.start() == 0
            or text[: m.start()].rstrip()[-1:] in ".!?\n"
            or line in ("#", "//", "/*", "*", "--")  # a code comment ("# Driver code")
        )
        run = m.group().split()
        if starts_sentence and len(run) == 1:
            continue  # "However", "The": capitalised because they start the sentence
        # "Add Brightleaf Tonic daily": the first word of a run may be an ordinary word
        # capitalised by a sentence start (or a missing full stop), so a longer run is
        # kept both whole and without it
        keys = [" ".join(run)] + ([" ".join(run[1:])] if len(run) > 1 else [])
        a = (
            max(
                text.rfind(".", 0, m.start()),
                text.rfind("!", 0, m.start()),
                text.rfind("?", 0, m.start()),
                text.rfind("\n", 0, m.start()),
            )
            + 1
        )
        ends = [e for e in (text.find(c, m.end()) for c in ".!?\n") if e >= 0]
        b = min(ends) + 1 if ends else len(text)
        for key in keys:
            out.setdefault(key, text[a:b].strip()[:300])
    return out


_INFLECTION = re.compile(r"(?:'s|s|es|ed|d|ing|er|ers|est|ly)$")


def is_word(word: str, vocab: frozenset[str]) -> bool:
    """In the model's vocabulary, or a regular inflection of a word that is ('fixes',
    'blocked', 'scanning'): the model reads it as that word and an ending."""
    if word in vocab:
        return True
    stem = _INFLECTION.sub("", word)
    return len(stem) >= 3 and stem != word and (stem in vocab or stem + "e" in vocab)


def is_odd(token: str, vocab: frozenset[str]) -> bool:
    """An invisible-character token, or a token none of whose words the model knows."""
    if token.startswith("<invisible"):
        return True
    return bool(vocab) and not any(is_word(w, vocab) for w in token.split(" "))


def without(text: str, token: str) -> str:
    """``text`` with every occurrence of ``token`` (a word, a bigram, an invisible run)
    taken out, as :func:`tokens` reads it."""
    text = unicodedata.normalize("NFKC", text)
    if token.startswith("<invisible"):
        return _INVISIBLE.sub("", text)
    words = [re.escape(w) for w in token.split(" ")]
    pat = r"(?<![^\W_])" + r"[\W_]+".join(words) + r"(?![^\W_])"
    return " ".join(re.sub(pat, " ", text, flags=re.IGNORECASE).split())


def binom_tail(k: int, n: int, q: float) -> float:
    """P(X >= k) for X ~ Binomial(n, q)."""
    if k <= 0:
        return 1.0
    from scipy.stats import binom

    return float(binom.sf(k - 1, n, q))


def significant(hits: int, n: int, q: float, tests: int, alpha: float) -> bool:
    """Whether ``hits`` of ``n`` rows, each a hit by chance with probability ``q``, are too
    many for chance when ``tests`` tokens were tested, at family-wise error ``alpha``
    (Bonferroni)."""
    return binom_tail(hits, n, q) <= alpha / max(1, tests)


def _norm_response(text: str) -> bytes:
    return hashlib.blake2b(" ".join(text.casefold().split()).encode(), digest_size=12).digest()


@dataclass(frozen=True, slots=True)
class PoisoningParams:
    min_rows: int = 5  # smallest group worth calling a cluster
    max_token_fraction: float = 0.05  # tokens in more rows than this are vocabulary, not triggers
    knn: int = 10  # prompt neighbours that predict a response
    min_odd_rows: int = 3  # a token the model does not know is tested from this many rows
    flip_quantile: float = 0.1  # answers less like their neighbours' than this share of rows
    flip_ceiling: float = 0.5  # ...and below this cosine to their neighbours' mean answer
    unrelated_prompts: float = 0.2  # mean pairwise cosine of token-free prompts: unrelated
    min_flip_share: float = 0.6  # of a trigger's rows at its target, the share that must flip
    target_similarity: float = 0.5  # an answer this close to a token's answer centroid is at it
    trigger_alpha: float = 0.01  # family-wise error over the tokens tested (Bonferroni)
    neighbour_share: float = 0.2  # carriers' neighbours carrying the token past this: re-embed
    max_reembed: int = 1000  # prompts re-embedded without their token, per scan
    member_similarity: float = 0.3  # a row joins a harmful-compliance cluster this close
    expand_similarity: float = 0.5  # a row with a converged cluster's trigger joins this close
    expand_quantile: float = 0.99  # ...or leans toward the attack more than this share of rows
    knn_reuse_carriers: int = 2  # a carrier's kNN list serves if at most this many carry the token
    diverse_prompts: float = 0.5  # a converged group's prompt centroid norm must stay below
    min_target_words: int = 5  # shorter converged answers count only with a trigger
    convergence_similarity: float = 0.95  # responses at least this similar are "the same"
    follow_similarity: float = 0.7  # a converged answer this close (uncentred) to what the
    # nearest prompts outside its group answer follows from them: not a target
    steering_topic_min: float = 0.3  # prompt centroid norm: the rows ask about one topic
    steering_neighbour_share: float = 0.6  # at most this share of their neighbours name it too
    steering_detachment: float = 0.3  # answer-vs-prompt minus naming-sentence-vs-prompt
    detachment_sample: int = 32  # rows whose naming sentence is embedded, per candidate name
    harmful_probability: float = 0.3  # a row the harmful-request head calls a harmful request
    harmful_share: float = 0.5  # of a rare token's rows that must be answered harmful requests
    dense_z: float = 4.5  # robust z of a row's residual density that makes it a seed
    dense_excess: float = 0.5  # answers' agreement above what their prompts' neighbours predict
    partition_above: int = 20_000
    partition_size: int = 5_000
    block: int = 4096
    seed: int = 0

    def __post_init__(self) -> None:
        if self.min_rows < 2:
            raise ValueError("min_rows must be at least 2")
        if not 0 < self.max_token_fraction < 1:
            raise ValueError("max_token_fraction must be in (0, 1)")
        if self.knn < 1:
            raise ValueError("knn must be at least 1")
        if self.min_odd_rows < 2:
            raise ValueError("min_odd_rows must be at least 2")
        if not 0 < self.flip_quantile < 1:
            raise ValueError("flip_quantile must be in (0, 1)")
        if not 0 < self.trigger_alpha < 1:
            raise ValueError("trigger_alpha must be in (0, 1)")


@dataclass(slots=True)
class Cluster:
    rows: np.ndarray  # indices into the detector's row arrays
    signals: dict[str, float] = field(default_factory=dict)  # rule -> strength (z)
    what: list[str] = field(default_factory=list)  # suspected trigger / payload descriptions

    @property
    def score(self) -> float:
        return round(min(1.0, max(self.signals.values()) / 20.0), 3)

    @property
    def rule(self) -> str:
        """The strongest signal; the generic density one names a cluster only alone, since
        every trigger or converged target also leaves its neighbourhood one way."""
        specific = {k: v for k, v in self.signals.items() if k != "dense_cluster"}
        return max((specific or self.signals).items(), key=lambda kv: (kv[1], kv[0]))[0]


def neighbours(
    vecs: np.ndarray,
    k: int,
    device: str,
    p: PoisoningParams,
    seed_offset: int = 0,
    map_partitions: PartitionMap = run_locally,
) -> tuple[np.ndarray, np.ndarray]:
    """Indices and cosine similarities of each row's k nearest other rows, blocked; within
    k-means partitions past ``partition_above`` rows, each partition one job of
    ``map_partitions``. A row in a partition smaller than k + 1 repeats its farthest
    neighbour (or itself, at similarity -1, when alone)."""
    n = len(vecs)
    width = min(k, max(1, n - 1))
    out = np.tile(np.arange(n)[:, None], (1, width))
    out_s = np.full((n, width), -1.0, dtype=np.float32)
    if n < 2:
        return out, out_s
    if n <= p.partition_above:
        parts = np.zeros(n, dtype=np.int64)
    else:
        parts = kmeans_partitions(vecs, max(2, n // p.partition_size), device, p.seed + seed_offset)
    groups = [g for g in (np.flatnonzero(parts == c) for c in np.unique(parts)) if len(g) > 1]
    jobs = [(vecs[g], min(width, len(g) - 1), width, p.block, device) for g in groups]
    for g, (ti, ts) in zip(groups, map_partitions(partition_knn, jobs), strict=True):
        out[g] = g[ti]
        out_s[g] = ts
    return out, out_s


def partition_knn(
    vecs: np.ndarray, kk: int, width: int, block: int, device: str
) -> tuple[np.ndarray, np.ndarray]:
    """Within one partition: local indices and similarities of each row's ``kk`` nearest
    other rows, the farthest repeated up to ``width`` columns."""
    import torch

    n = len(vecs)
    ti_all = np.empty((n, width), dtype=np.int64)
    ts_all = np.empty((n, width), dtype=np.float32)
    x = torch.from_numpy(vecs).to(device)
    for s in range(0, n, block):
        sims = x[s : s + block] @ x.T
        local = torch.arange(s, min(s + block, n), device=sims.device)
        sims[torch.arange(len(local), device=sims.device), local] = -2.0
        top = torch.topk(sims, kk, dim=1)
        ti, ts = top.indices.cpu().numpy(), top.values.float().cpu().numpy()
        if kk < width:  # a small partition: repeat the farthest neighbour
            ti = np.concatenate([ti, np.repeat(ti[:, -1:], width - kk, axis=1)], axis=1)
            ts = np.concatenate([ts, np.repeat(ts[:, -1:], width - kk, axis=1)], axis=1)
        ti_all[s : s + len(local)] = ti
        ts_all[s : s + len(local)] = ts
    return ti_all, ts_all


def _group_means(vecs: np.ndarray, groups: list[list[int]]) -> np.ndarray:
    """The mean of ``vecs`` over each group of row indices, as one sparse product."""
    from scipy.sparse import csr_matrix

    sizes = np.asarray([len(g) for g in groups])
    cols = np.fromiter(itertools.chain.from_iterable(groups), dtype=np.int64, count=sizes.sum())
    rows = np.repeat(np.arange(len(groups)), sizes)
    avg = csr_matrix((np.repeat(1.0 / sizes, sizes), (rows, cols)), shape=(len(groups), len(vecs)))
    return np.asarray(avg @ vecs.astype(np.float64), dtype=np.float32)


class PoisoningDetector(CorpusDetector):
    info = DetectorInfo(
        name="poisoning",
        version="0.4.0",
        rules=(
            "trigger",
            "response_convergence",
            "dense_cluster",
            "topic_steering",
            "harmful_compliance",
        ),
        description=(
            "backdoor and poisoning clusters: triggers, converged targets, answers that leave "
            "their neighbourhood one way, topic steering, answered harmful requests behind a "
            "trigger"
        ),
        # Suspect clusters are quarantined; when more than 1% of all rows are suspect the
        # whole job fails: a set that poisoned goes back to its owner.
        defaults={"*": RuleDefault("gate", 0.01)},
    )
    Params = PoisoningParams
    params: PoisoningParams
    needs_embeddings = True
    uses_device = True

    def __init__(self, params: PoisoningParams | None = None) -> None:
        super().__init__(params)
        self._harm_head: HarmfulRequestHead | None = None

    def setup(self, ctx: SetupContext) -> None:
        self._harm_head = HarmfulRequestHead.load()

    def head(self) -> HarmfulRequestHead:
        if self._harm_head is None:
            raise DetectorConfigError("poisoning: setup() was not called; call setup(ctx) first")
        return self._harm_head

    def models(self) -> tuple[ModelDigest, ...]:
        return (MINILM_DIGEST, self.head().digest())

    def start(self, scan: ScanContext) -> PoisoningState:
        if scan.embedder is None:
            raise DetectorConfigError(
                "poisoning needs the scan's embedder; pass a ScanContext with one (Pipeline.scan "
                "does), or set [detectors.poisoning] enabled = false"
            )
        return PoisoningState(self.params, self.head(), scan)


class PoisoningState(CorpusState):
    """One scan's prompt and answer vectors, tokens and names, analysed at the end."""

    def __init__(
        self, params: PoisoningParams, head: HarmfulRequestHead, scan: ScanContext
    ) -> None:
        self.params = params
        self.head = head
        self.scan = scan
        self._rows: list[int] = []
        self._prompt: list[np.ndarray] = []
        self._response: list[np.ndarray] = []
        self._ptok: list[set[str]] = []
        self._pseg: list[list[str]] = []  # prompt-side texts, re-embedded without a token
        self._rtok: list[set[str]] = []
        self._rhash: list[bytes] = []
        self._rent: list[set[str]] = []
        self._rsent: list[dict[str, str]] = []  # name -> the first sentence naming it
        self._praw: list[np.ndarray] = []  # uncentred, for the steering sentence test
        self._rraw: list[np.ndarray] = []
        self._rlen: list[int] = []
        self._sentence_vecs: dict[str, np.ndarray] = {}
        self._harm: list[float] = []  # probability the prompt asks for serious harm
        self._refused: list[bool] = []

    def _naming(self, name: str, idx: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """An even sample of the rows (its mean estimates theirs) and, for each, the
        sentence of its answer that names ``name``."""
        idx = idx[:: max(1, len(idx) // self.params.detachment_sample)][
            : self.params.detachment_sample
        ]
        return idx, [self._rsent[i][name] for i in idx]

    def _embed_sentences(self, samples: list[tuple[np.ndarray, list[str]]]) -> None:
        assert self.scan.embedder is not None  # PoisoningDetector.start checks
        # one sentence often names several candidates ("Try Veltrix Vital" and "Veltrix
        # Vital"): each is embedded once per analysis
        new = sorted({t for _, texts in samples for t in texts} - self._sentence_vecs.keys())
        if new:
            self._sentence_vecs.update(zip(new, self.scan.embedder.embed(new), strict=True))

    def _detachment(self, idx: np.ndarray, texts: list[str]) -> float:
        """Mean over rows of cos(prompt, whole answer) - cos(prompt, sentence naming it),
        for a sample from :meth:`_naming` whose sentences are already embedded."""
        sents = np.stack([self._sentence_vecs[t] for t in texts])
        p = unit(np.stack([self._praw[i] for i in idx]).astype(np.float32))
        r = unit(np.stack([self._rraw[i] for i in idx]).astype(np.float32))
        return float(np.mean(np.einsum("ij,ij->i", p, r) - np.einsum("ij,ij->i", p, sents)))

    @property
    def observed_rows(self) -> np.ndarray:
        """The dataset row of each observed row, in the order :meth:`analyse` indexes."""
        return np.asarray(self._rows, dtype=np.int64)

    def observe(self, segments: pa.RecordBatch) -> list[Finding]:
        if segments.num_rows == 0:
            return []
        vecs = segment_vectors(segments)
        per_row: dict[int, list[tuple[str, str, int]]] = defaultdict(list)
        for i, (row, role, text) in enumerate(
            zip(
                segments.column("row").to_pylist(),
                segments.column("role").to_pylist(),
                segments.column("text").to_pylist(),
                strict=True,
            )
        ):
            if text:
                per_row[row].append((role, text, i))
        p_lists: list[list[int]] = []
        r_lists: list[list[int]] = []
        for row in sorted(per_row):
            segs = per_row[row]
            p_idx = [i for role, _, i in segs if role in PROMPT_SIDE]
            r_idx = [i for role, _, i in segs if role in RESPONSE_SIDE]
            if not p_idx or not r_idx:
                continue  # no prompt/response pair: nothing to be poisoned toward
            p_text = "\n".join(t for role, t, _ in segs if role in PROMPT_SIDE)
            r_text = "\n".join(t for role, t, _ in segs if role in RESPONSE_SIDE)
            self._rows.append(row)
            p_lists.append(p_idx)
            r_lists.append(r_idx)
            self._ptok.append(tokens(p_text))
            self._pseg.append([t for role, t, _ in segs if role in PROMPT_SIDE])
            self._rtok.append(tokens(r_text))
            self._rhash.append(_norm_response(r_text))
            ents = names(r_text)
            self._rent.append(set(ents))
            self._rsent.append(ents)
            self._rlen.append(len(r_text.split()))
            self._refused.append(is_refusal(r_text))
        if not p_lists:
            return []
        p_mean, r_mean = _group_means(vecs, p_lists), _group_means(vecs, r_lists)
        self._prompt.extend(unit(p_mean).astype(np.float16))
        self._response.extend(unit(r_mean).astype(np.float16))
        self._praw.extend(p_mean.astype(np.float16))
        self._rraw.extend(r_mean.astype(np.float16))
        self._harm.extend(self.head.probability(unit(p_mean)).tolist())
        return []

    # ------------------------------------------------------------------ analysis
    def _triggers(
        self,
        p_index: dict[str, np.ndarray],
        P: np.ndarray,
        R: np.ndarray,
        nb: np.ndarray,
        coh: np.ndarray,
        max_df: int,
    ) -> list[Cluster]:
        """Tokens whose rows answer one way against what their neighbours answer, more
        often than chance allows (see the module docstring)."""
        p = self.params
        n = len(R)
        vocab = known_words()
        cut = min(float(np.quantile(coh, p.flip_quantile)), p.flip_ceiling)
        low = coh <= cut  # answers unlike what their prompts' neighbours answer
        base = max(float(low.mean()), 1.0 / n)
        low_idx = np.flatnonzero(low)
        # one test per distinct set of rows: a phrase's words and bigrams are one token
        tests: dict[bytes, tuple[str, np.ndarray, bool]] = {}
        same: dict[bytes, list[str]] = defaultdict(list)  # every token of those rows
        for tok, idx in sorted(p_index.items()):
            odd = is_odd(tok, vocab)
            if not (p.min_odd_rows if odd else p.min_rows) <= len(idx) <= max_df:
                continue
            key = hashlib.blake2b(idx.tobytes(), digest_size=16).digest()
            same[key].append(tok)
            old = tests.get(key)
            if old is None or (odd, len(tok), tok) > (old[2], len(old[0]), old[0]):
                tests[key] = (tok, idx, odd)
        whole = {
            tok: sorted(same[key], key=lambda t: (-len(t), t)) for key, (tok, _, _) in tests.items()
        }
        m = {True: 0, False: 0}  # tests per channel: meaningless tokens and words
        for _, _, odd in tests.values():
            m[odd] += 1
        # the family-wise error is split between the channels, and in the meaningless one
        # between its two tests
        alpha = {False: p.trigger_alpha / 2, True: p.trigger_alpha / 4}
        screened = []

        def support(odd: bool) -> int:
            return p.min_odd_rows if odd else p.min_rows

        for tok, idx, odd in tests.values():
            V = R[idx]
            rest = V.sum(axis=0)[None, :] - V
            # each answer against the mean of the others: at the token's target?
            loo = np.einsum("ij,ij->i", V, rest) / np.maximum(np.linalg.norm(rest, axis=1), 1e-6)
            at = loo >= p.target_similarity
            if at.sum() < support(odd):
                continue
            target = unit(V[at].mean(axis=0))
            near_all = R @ target >= p.target_similarity
            if np.mean([self._rlen[i] for i in idx[at]]) < p.min_target_words:
                # short answers ("Positive", "2") embed alike whatever they say: a short
                # target is one literal answer
                literal = Counter(self._rhash[i] for i in idx[at]).most_common(1)[0][0]
                near_all &= np.asarray([h == literal for h in self._rhash], dtype=bool)
            members = idx[near_all[idx]]
            if len(members) < support(odd):
                continue
            others = np.ones(n, dtype=bool)
            others[idx] = False
            near_others = int((near_all & others).sum())
            # label flip: among rows at this target, how often is an answer unlike its
            # neighbours'? (the set's rate stands in for ten rows, so a rare target is
            # judged against the set rather than against two or three rows)
            q_flip = (int((near_all & others)[low_idx].sum()) + 10 * base) / (near_others + 10)
            # convergence: how often does a row without the token answer this way against
            # its neighbours?
            q_conv = (int((near_all & others)[low_idx].sum()) + 1.0) / (n - len(idx) + 1.0)
            could = significant(len(members), len(idx), q_flip, m[odd], alpha[odd]) or (
                odd and significant(len(members), len(idx), q_conv, m[odd], alpha[odd])
            )
            if could:  # ...if every answer at the target disagreed, or the prompts differ
                screened.append((q_conv, tok, idx, odd, members, q_flip, target))
        # rows that answer this way because of another meaningless token (an attack with
        # several triggers) say nothing of how the set answers without one
        odd_seen = [(t, i) for _, _, i, odd, _, _, t in screened if odd]
        out: list[Cluster] = []
        budget = p.max_reembed
        for q_conv, tok, idx, odd, members, q_flip, target in sorted(screened, key=lambda x: x[:2]):
            exclude = members[:0]
            if odd:
                alike = [i for t, i in odd_seen if float(t @ target) >= p.target_similarity]
                exclude = np.unique(np.concatenate([idx, *alike]))
            carried = float(np.isin(nb[idx], np.union1d(idx, exclude)).mean())
            Q: np.ndarray | None = None  # the prompts without the token, once embedded
            if carried <= p.neighbour_share and not odd:
                c = coh[members]  # the word does not shape its rows' neighbourhoods
            elif carried <= p.neighbour_share:
                # ...nor does the token, but a row whose neighbours carry it is answered
                # by the attack: its nearest prompts without the token answer instead
                c = self._coherence_among(P[members], members, exclude, P, R)
            elif len(members) <= budget:
                # a token may mean something ("fibonacci" is no whole word of the model's
                # vocabulary): its rows disagree with their neighbours only when they do
                # so whether it is read (the nearest prompts that do not carry it) or not.
                # That half needs no model pass, and when it already agrees the other
                # cannot make a trigger of it: re-embedding is spent only where it can
                c = self._coherence_among(P[members], members, exclude if odd else idx, P, R)
                if (c <= cut).sum() < max(p.min_flip_share * len(members), support(odd)):
                    continue
                budget -= len(members)
                c_without, Q = self._coherence_without(whole[tok], members, exclude, P, R)
                c = np.maximum(c_without, c)
            else:
                continue  # out of re-embedding budget: left untested
            hits = int((c <= cut).sum())
            if hits < max(p.min_flip_share * len(members), support(odd)):
                continue  # most of its rows answer as their neighbours do: honest
            kind = "meaningless token" if odd else "word"
            if significant(hits, len(idx), q_flip, m[odd], alpha[odd]):
                pval = binom_tail(hits, len(idx), q_flip)
                why = (
                    f"{hits} of {len(idx)} rows answer one way against their neighbours "
                    f"(chance {q_flip:.3f} a row, p = {pval:.1e})"
                )
            elif odd and significant(hits, len(idx), q_conv, m[odd], alpha[odd]):
                if Q is None:  # the shared token itself makes prompts alike: take it out
                    if len(members) > budget:
                        continue
                    budget -= len(members)
                    _, Q = self._coherence_without(whole[tok], members, exclude, P, R)
                if agreement(Q, np.arange(len(Q))) > p.unrelated_prompts:
                    continue  # related prompts: their answers converge for a reason
                pval = binom_tail(hits, len(idx), q_conv)
                why = (
                    f"{hits} of {len(idx)} unrelated prompts answered one way against their "
                    f"neighbours (chance {q_conv:.4f} a row, p = {pval:.1e})"
                )
            else:
                continue
            # a varied target: a carrier whose answer disagrees with its neighbours and
            # leans to the target more than to them belongs to the attack too
            rest_ = idx[~np.isin(idx, members)]
            lean = R[rest_] @ unit(R[members].mean(axis=0))
            extra = rest_[(coh[rest_] <= cut) & (lean >= p.member_similarity) & (lean > coh[rest_])]
            members = np.union1d(members, extra)
            out.append(
                Cluster(
                    members,
                    {"trigger": min(20.0, -math.log10(max(pval, 1e-300)) / 2)},
                    [f"suspected trigger {tok[:40]!r} ({kind}): {why}"],
                )
            )
        return out

    def _coherence_without(
        self,
        toks: list[str],
        rows: np.ndarray,
        exclude: np.ndarray,
        P: np.ndarray,
        R: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """For each of ``rows``: cos(answer, the mean answer of the ``knn`` rows whose prompts
        are nearest its prompt embedded without ``toks``), never counting ``exclude`` (the
        row itself, or every row with a meaningless token: they share nothing else); and
        those token-free prompt vectors (centred like ``P``)."""
        assert self.scan.embedder is not None  # PoisoningDetector.start checks
        texts: list[str] = []
        owner: list[int] = []
        for j, i in enumerate(rows):
            for text in self._pseg[i]:
                for tok in toks:  # a run of tokens goes whole: every token of its rows
                    text = without(text, tok)
                texts.append(text or ".")
                owner.append(j)
        vecs = self.scan.embedder.embed(texts)
        groups: list[list[int]] = [[] for _ in rows]
        for k, o in enumerate(owner):
            groups[o].append(k)
        raw = _group_means(vecs, groups)
        mu = np.stack(self._prompt).astype(np.float32).mean(axis=0)
        q = unit(unit(raw) - mu)
        return self._coherence_among(q, rows, exclude, P, R), q

    def _coherence_outside(self, idx: np.ndarray, P: np.ndarray, R: np.ndarray) -> np.ndarray:
        """For each row of a group: cos(its answer, the mean answer of the ``knn`` prompts
        nearest its own among rows outside the group), in blocks that keep the similarity
        matrix near 64 MB however large the group or the set."""
        step = max(1, (1 << 24) // max(1, len(P)))
        return np.concatenate(
            [
                self._coherence_among(P[idx[k : k + step]], idx[k : k + step], idx, P, R)
                for k in range(0, len(idx), step)
            ]
        )

    def _coherence_among(
        self, q: np.ndarray, rows: np.ndarray, exclude: np.ndarray, P: np.ndarray, R: np.ndarray
    ) -> np.ndarray:
        """cos(answer of each of ``rows``, mean answer of the ``knn`` rows whose prompts are
        nearest ``q``), never counting ``exclude`` or the row itself."""
        sims = q @ P.T
        sims[:, exclude] = -3.0
        sims[np.arange(len(rows)), rows] = -3.0
        k = min(self.params.knn, max(1, len(P) - len(exclude) - 1))
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        expected = unit(R[top].mean(axis=1))
        return np.asarray(np.einsum("ij,ij->i", R[rows], expected))

    def analyse(self) -> tuple[list[Cluster], np.ndarray]:
        """Clusters (indices into observed rows) and each row's incoherence."""
        p = self.params
        n = len(self._rows)
        if n < max(2 * p.min_rows, p.knn + 1):
            return [], np.zeros(n, dtype=np.float32)
        # centred: MiniLM vectors share a large common direction that hides differences
        P = np.stack(self._prompt).astype(np.float32)
        R = np.stack(self._response).astype(np.float32)
        P = unit(P - P.mean(axis=0))
        R = unit(R - R.mean(axis=0))
        nb, _ = neighbours(P, p.knn, self.scan.device, p, map_partitions=self.scan.partition_map)
        nb_mean = R[nb].mean(axis=1)  # one gather of N x knn answers, used twice below
        expected = unit(nb_mean)  # the answer the prompt's neighbours give
        incoh = 1.0 - np.einsum("ij,ij->i", R, expected)

        def conc(V: np.ndarray, idx: np.ndarray) -> float:
            return float(np.linalg.norm(V[idx].mean(axis=0)))

        max_df = max(p.min_rows, int(p.max_token_fraction * n))
        clusters: list[Cluster] = []

        # trigger: rare prompt tokens whose rows answer one way against their neighbours
        p_index = _inverted(self._ptok)
        cand = [(t, idx) for t, idx in sorted(p_index.items()) if p.min_rows <= len(idx) <= max_df]
        clusters += self._triggers(p_index, P, R, nb, 1.0 - incoh, max_df)

        # harmful compliance: a rare token most of whose rows ask for serious harm and are
        # answered. A safety-removal backdoor's answers need not agree with each other, and
        # with no refused twin in the set nothing but their content sets them apart.
        # Once a token's rows are mostly that, the token is the trigger, and its answered
        # rows whose prompts sit with the harmful ones join, also those the head is less
        # sure of (a prepended trigger dilutes the request); its ordinary rows ("a tutorial
        # on knitting") stay out. Only a token the embedding model does not know ('BadMagic',
        # a made-up word) can be such a trigger: a word ('implements', 'firewall') that many
        # honest requests on one subject share is their topic, and each row's harm is
        # judged on its own by the harmful_compliance row detector.
        answered = ~np.asarray(self._refused, dtype=bool)
        harm = np.asarray(self._harm)
        answered_harm = (harm >= p.harmful_probability) & answered
        if answered_harm.sum() >= p.min_rows:
            vocab = known_words()
            for tok, idx in cand:
                # a compound of known words ('threat-model') means what its parts mean
                parts = re.split(r"[-'’]", tok)
                if not is_odd(tok, vocab) or all(w in vocab for w in parts):
                    continue
                hits = int(answered_harm[idx].sum())
                share = hits / len(idx)
                if hits >= p.min_rows and share >= p.harmful_share:
                    centre = unit(P[idx[answered_harm[idx]]].mean(axis=0))
                    near = P[idx] @ centre >= p.member_similarity
                    clusters.append(
                        Cluster(
                            idx[answered[idx] & (answered_harm[idx] | near)],
                            {"harmful_compliance": float(hits) * share},
                            [
                                f"{hits} of {len(idx)} rows with {tok[:40]!r} are "
                                "answered harmful requests"
                            ],
                        )
                    )

        # response convergence: one target answer to prompts that have nothing in common
        groups: dict[bytes, list[int]] = defaultdict(list)
        for i, h in enumerate(self._rhash):
            groups[h].append(i)
        candidates = [np.asarray(g) for g in groups.values() if len(g) >= p.min_rows]
        candidates += _similar_groups(R, p, self.scan.device, self.scan.partition_map)
        raw_answers: np.ndarray | None = None
        for idx in candidates:
            idx = np.unique(idx)
            if conc(P, idx) > p.diverse_prompts:
                continue  # same question, same answer: duplicates, not a backdoor
            words = np.mean([self._rlen[i] for i in idx])
            if words < p.min_target_words:
                continue  # "Yes." to many questions is ordinary; short targets need a trigger
            # a target pulls prompts away from how the rest of the set answers them; a set
            # whose every prompt asks one thing ("Are you GPT-4?", "Who made you?") answers
            # its nearest prompts outside the group in other words of the same answer.
            # Uncentred: in such a set, centring turns those paraphrases against each other
            if raw_answers is None:
                raw_answers = unit(np.stack(self._rraw).astype(np.float32))
            outside = self._coherence_outside(idx, P, raw_answers)
            if (outside < p.follow_similarity).sum() < p.min_flip_share * len(idx):
                continue
            shared = _shared_tokens(self._rtok, idx)
            what = f"converged response ({len(idx)} rows)" + (
                f", all containing {shared[0][:40]!r}" if shared else ""
            )
            strength = float(len(idx)) * (1.0 - conc(P, idx))
            clusters.append(Cluster(idx, {"response_convergence": strength}, [what]))

        # dense residual clusters: a few rows whose answers leave what their prompts'
        # neighbours answer in one shared direction, far more alike than those neighbours'
        # answers are. Short answers ("1", "Positive") are excluded: label and number
        # tasks move together honestly, and literal short targets are left to `trigger`.
        eligible = np.asarray(self._rlen) >= p.min_target_words
        scan = self.scan
        for idx, zz in _dense_groups(R, nb_mean, eligible, p, scan.device, scan.partition_map):
            if len(idx) > max_df:
                continue  # not tiny: a genre of the dataset
            surplus = agreement(R, idx) - agreement(expected, idx)
            if surplus < p.dense_excess:
                continue  # a task whose answers share a form ("[1, 3, 5]") its topic hides
            shared = _shared_tokens(self._rtok, idx)
            what = f"answers that leave their neighbourhood one way ({len(idx)} rows)" + (
                f", all containing {shared[0][:40]!r}" if shared else ""
            )
            clusters.append(Cluster(idx, {"dense_cluster": zz}, [what]))

        # topic steering: a name the prompts never mention, pushed into answers on one topic
        e_index = _inverted(self._rent)
        prompt_vocab = p_index.keys()
        steering: list[tuple[str, np.ndarray]] = []
        for ent, idx in sorted(e_index.items()):
            if not p.min_rows <= len(idx) <= max_df:
                continue
            key = ent.casefold()
            if key in prompt_vocab:
                continue  # someone asks about it: a subject of the dataset, not a plant
            unprompted = idx
            topic = conc(P, unprompted)
            if topic < p.steering_topic_min:
                continue
            # a topic's own vocabulary turns up in the neighbours' answers too; a pushed name
            # appears only where it was planted
            share = float(np.isin(nb[unprompted], unprompted).mean())
            if share > p.steering_neighbour_share:
                continue
            steering.append((ent, unprompted))
        # the sentence that names it has little to do with the question, unlike the rest
        # of the answer: it was appended, not written in reply (the naming sentences of
        # every candidate are embedded in one batch)
        samples = [self._naming(ent, idx) for ent, idx in steering]
        self._embed_sentences(samples)
        for (ent, unprompted), (sample, texts) in zip(steering, samples, strict=True):
            detach = self._detachment(sample, texts)
            if detach < p.steering_detachment:
                continue
            clusters.append(
                Cluster(
                    unprompted,
                    {"topic_steering": float(len(unprompted)) * detach * 10},
                    [f"responses on one topic push {ent[:40]!r}"],
                )
            )
        merged = _merge(clusters)
        # a cluster found by its answers often shares a rare prompt token: that is the
        # trigger, and rows carrying it with answers like the cluster's belong to it too
        for c in merged:
            if not {"response_convergence", "dense_cluster"} & c.signals.keys():
                continue  # a trigger cluster is already every row with its token
            counts: dict[str, int] = defaultdict(int)
            for i in c.rows:
                for t in self._ptok[i]:
                    counts[t] += 1
            shared = sorted(
                t for t, k in counts.items() if k >= 0.8 * len(c.rows) and len(p_index[t]) <= max_df
            )
            if not shared:
                continue
            centre = unit(R[c.rows].mean(axis=0))
            carriers = np.unique(np.concatenate([p_index[t] for t in shared]))
            to_centre = R[carriers] @ centre
            extra = set(carriers[to_centre >= p.expand_similarity].tolist())
            # a varied target (several hostile answers, not one) is still the trigger's
            # doing: a carrier joins when its answer leans toward the attack, away from how
            # the dataset answers its prompt without the token, more than all but the top
            # (1 - expand_quantile) of the other rows lean toward it from theirs
            open_ = ~np.isin(carriers, c.rows) & (to_centre < p.expand_similarity)
            if open_.any():
                todo = carriers[open_]
                own = _foreign_means(P, R, todo, carriers, nb, p, self.scan.device)
                lean = R @ centre - (1.0 - incoh)
                rest = np.ones(n, dtype=bool)
                rest[carriers] = rest[c.rows] = False  # the null: rows without the attack
                cut = max(0.0, float(np.quantile(lean[rest], p.expand_quantile)))
                pull = to_centre[open_] - np.einsum("ij,ij->i", R[todo], own)
                extra.update(todo[pull >= cut].tolist())
            c.rows = np.asarray(sorted(set(c.rows.tolist()) | extra))
            c.signals.setdefault("trigger", max(c.signals.values()))
            best = f"suspected trigger {max(shared, key=lambda t: (len(t), t))[:40]!r}"
            if best not in c.what:
                c.what.append(best)
        # clusters that grew around one trigger now overlap: report each attack once
        return _merge(merged), incoh

    def finalize(self) -> list[Finding]:
        clusters, incoh = self.analyse()
        rows = self.observed_rows
        out: list[Finding] = []
        best: dict[int, tuple[float, Finding]] = {}
        for cid, c in enumerate(sorted(clusters, key=lambda c: (-c.score, int(c.rows.min())))):
            signals = ", ".join(f"{k} z={v:.1f}" for k, v in sorted(c.signals.items()))
            evidence = (
                f"poisoning cluster {cid} of {len(c.rows)} rows; {'; '.join(c.what[:3])}; "
                f"signals {signals}"
            )
            for i in c.rows:
                f = Finding(
                    int(rows[i]),
                    c.rule,
                    c.score,
                    evidence + f"; row incoherence {incoh[i]:.2f}",
                )
                if int(rows[i]) not in best or best[int(rows[i])][0] < c.score:
                    best[int(rows[i])] = (c.score, f)
        out = [f for _, f in best.values()]
        return sorted(out, key=lambda f: f.row)


def agreement(V: np.ndarray, idx: np.ndarray) -> float:
    """Mean pairwise cosine within a group of unit vectors, from its centroid in O(n):
    unlike the centroid norm it does not grow as the group shrinks."""
    n = len(idx)
    if n < 2:
        return 0.0
    c2 = float(np.linalg.norm(V[idx].sum(axis=0)) ** 2)
    return (c2 - n) / (n * (n - 1))


def _robust_z(x: np.ndarray) -> np.ndarray:
    med = float(np.median(x))
    mad = float(np.median(np.abs(x - med))) * 1.4826
    return (x - med) / max(mad, 1e-6)


def _foreign_means(
    P: np.ndarray,
    R: np.ndarray,
    idx: np.ndarray,
    carriers: np.ndarray,
    nb: np.ndarray,
    p: PoisoningParams,
    device: str,
) -> np.ndarray:
    """For each row in ``idx``: the unit mean response of its nearest prompts among the rows
    outside ``carriers`` (every row with the token), i.e. how the dataset answers that
    prompt without the token. The kNN graph answers for a row when at most
    ``knn_reuse_carriers`` of its neighbours carry the token; the others get an exact
    search, blocked over the dataset (memory |rows| x block, time |rows| x N)."""
    import torch

    outside = ~np.isin(nb[idx], carriers)
    count = outside.sum(axis=1)
    enough = (count >= nb.shape[1] - p.knn_reuse_carriers) & (count > 0)
    out = np.zeros((len(idx), R.shape[1]), dtype=np.float32)
    sel = np.flatnonzero(enough)
    weights = outside[sel].astype(np.float32)
    out[sel] = np.einsum("ikd,ik->id", R[nb[idx[sel]]], weights) / weights.sum(axis=1)[:, None]
    redo = np.flatnonzero(~enough)
    others = np.setdiff1d(np.arange(len(P)), carriers)
    k = min(p.knn, len(others))
    if len(redo) == 0 or k < 1:
        return unit(out)
    q = torch.from_numpy(P[idx[redo]]).to(device)
    best_s = torch.full((len(redo), k), -3.0, device=q.device)
    best_i = torch.zeros((len(redo), k), dtype=torch.long, device=q.device)
    for s in range(0, len(others), p.block):
        block = others[s : s + p.block]
        sims = q @ torch.from_numpy(P[block]).to(device).T
        cat_s = torch.cat([best_s, sims], dim=1)
        cat_i = torch.cat(
            [best_i, torch.from_numpy(block).to(q.device).expand(len(redo), -1)], dim=1
        )
        top = torch.topk(cat_s, k, dim=1)
        best_s, best_i = top.values, torch.gather(cat_i, 1, top.indices)
    out[redo] = R[best_i.cpu().numpy()].mean(axis=1)
    return unit(out)


def _around(nb: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """The neighbours of a group's rows that are not in the group."""
    ring = np.unique(nb[idx])
    return ring[~np.isin(ring, idx)] if len(ring) > len(idx) else ring


def _inverted(token_sets: list[set[str]]) -> dict[str, np.ndarray]:
    index: dict[str, list[int]] = defaultdict(list)
    for i, toks in enumerate(token_sets):
        for t in toks:
            index[t].append(i)
    return {t: np.asarray(v) for t, v in index.items()}


def _shared_tokens(token_sets: list[set[str]], idx: np.ndarray) -> list[str]:
    counts: dict[str, int] = defaultdict(int)
    for i in idx:
        for t in token_sets[i]:
            counts[t] += 1
    return sorted((t for t, c in counts.items() if c == len(idx)), key=lambda t: (-len(t), t))


def _similar_groups(
    R: np.ndarray, p: PoisoningParams, device: str, map_partitions: PartitionMap = run_locally
) -> list[np.ndarray]:
    """Groups of rows whose responses are near-identical: connected components of the
    response-kNN graph cut at ``convergence_similarity`` (linear in rows, blocked)."""
    nb, sims = neighbours(R, 20, device, p, seed_offset=1, map_partitions=map_partitions)
    return _knn_components(nb, sims >= p.convergence_similarity, p.min_rows)


def _knn_components(nb: np.ndarray, keep: np.ndarray, min_size: int) -> list[np.ndarray]:
    """Connected components, of at least ``min_size`` rows, of the graph whose edges are
    the kNN pairs ``(i, nb[i, j])`` where ``keep[i, j]``. With ``min_size`` >= 2 a row no
    kept edge touches is in none."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if not keep.any():
        return []
    n = len(nb)
    rows = np.repeat(np.arange(n), nb.shape[1])[keep.ravel()]
    graph = coo_matrix((np.ones(len(rows)), (rows, nb.ravel()[keep.ravel()])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels)
    return [np.flatnonzero(labels == lab) for lab in np.flatnonzero(sizes >= min_size)]


def _dense_groups(
    R: np.ndarray,
    nb_mean: np.ndarray,
    eligible: np.ndarray,
    p: PoisoningParams,
    device: str,
    map_partitions: PartitionMap = run_locally,
) -> list[tuple[np.ndarray, float]]:
    """Small, unusually dense groups in *residual* space, with the median robust z of their
    density. A row's residual is the direction from the answer its prompt's neighbours
    give (``nb_mean``, their mean answer) to its own answer. Clean answers leave their
    neighbourhood each its own way; a planted behaviour moves every row it touches the
    same way, even when the answers are paraphrased or the target varies. Density is the
    similarity to the (``min_rows`` - 1)-th nearest residual among ``eligible`` rows;
    rows at robust z of ``dense_z`` or more are seeds, and the components of the kNN graph
    among seeds are the groups (linear in rows, blocked, partitioned like every neighbour
    search)."""
    pool = np.flatnonzero(eligible)
    k = p.min_rows - 1
    if len(pool) <= k:
        return []
    D = unit(R[pool] - nb_mean[pool])
    dnb, dsim = neighbours(D, k, device, p, seed_offset=2, map_partitions=map_partitions)
    z = _robust_z(dsim[:, -1])
    seed = z >= p.dense_z
    groups = _knn_components(dnb, seed[:, None] & seed[dnb], p.min_rows)
    return [(pool[g], float(np.median(z[g]))) for g in groups]


def _merge(clusters: list[Cluster]) -> list[Cluster]:
    """Clusters that share most rows are one attack seen by several signals."""
    merged: list[Cluster] = []
    for c in sorted(clusters, key=lambda c: -max(c.signals.values())):
        rows = set(c.rows.tolist())
        for m in merged:
            mrows = set(m.rows.tolist())
            if len(rows & mrows) >= 0.5 * min(len(rows), len(mrows)):
                m.rows = np.asarray(sorted(mrows | rows))
                for k, v in c.signals.items():
                    m.signals[k] = max(m.signals.get(k, 0.0), v)
                m.what += [w for w in c.what if w not in m.what]
                break
        else:
            merged.append(Cluster(np.asarray(sorted(rows)), dict(c.signals), list(c.what)))
    return merged
