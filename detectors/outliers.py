"""Outliers: obvious garbage (dropped) and statistical outliers (flagged, with the statistic).

Garbage is judged per field from the text alone, by rules that say what they saw: mostly
symbols that no language or code uses, one token repeated, no letter or digit at all, a
single "word" of hundreds of characters that is no URL, path, hash, base64 or data
(``long_word``), characters as varied as a random draw (``random_characters``), letters
in consonant runs and along key rows no language writes (``keyboard_mash``), or a few
syllables over and over (``repeated_pattern``): "hahaha…", random strings and keyboard
mash as answers. Fenced code blocks, URLs, paths, hex hashes, base64 and upper-case
tokens (acronyms, DNA) are left out of these measures; scripts written without spaces
(Chinese, Japanese, Thai, Korean) never make a long word. Every threshold says, beside
it, the data it was fixed on (docs/evaluation.md has the figures).

Statistical outliers are judged against the dataset after the last batch, with robust
z-scores (median and MAD), so a few extreme rows cannot hide themselves by moving the
mean: length, compressibility (zlib), and isolation in embedding space (similarity to
the k-th nearest neighbour).
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from detectors.base import (
    DROP,
    FLAG,
    CorpusDetector,
    CorpusState,
    DetectorInfo,
    Finding,
    FindingBuffer,
    ModelDigest,
    ScanContext,
)
from detectors.embeddings import MINILM_DIGEST
from detectors.row_vectors import RowVectors

_ORDINARY = set(" \t\n\r.,;:!?'\"()-[]{}=+*/<>_#%&@$|\\`~^")


@dataclass(frozen=True, slots=True)
class OutlierParams:
    min_ordinary_ratio: float = 0.5  # letters, digits, spaces and common punctuation
    max_top_token_share: float = 0.5  # for rows of at least 20 tokens
    # A run of this many characters with no space (outside code fences; CJK and Thai text
    # excluded) that is periodic, or is no URL, path, hex hash, base64, upper-case
    # sequence or number-bearing data, is `long_word`. On the dev half of 15,640 clean
    # fields (scripts/bench_garbage.py) the longest run was 132 characters (a regex).
    long_word: int = 150
    # Mean distinct characters per 64 non-space characters (URLs, hashes, base64 and
    # upper-case tokens left out) at or above which a field is `random_characters`; a
    # random draw of printable ASCII gives about 47. Dev half: clean at most 35.7.
    max_distinct_per_64: float = 40.0
    # ... and at or below which a field of 64+ such characters is `repeated_pattern`.
    # Dev half: clean at least 10 (an HTML table).
    min_distinct_per_64: float = 7.0
    # A field of 30+ words (tokens with a letter) with a smaller mean share of distinct
    # words per 50 is `repeated_pattern`. Dev half: clean at least 0.214 (a song's chords).
    min_distinct_token_share: float = 0.15
    # A field of 20+ letters (camelCase split) whose share of letter pairs that are
    # neighbouring QWERTY keys, plus twice its share of letters in runs of 5+ consonants,
    # reaches this is `keyboard_mash`. Dev half: clean at most 0.51 (a test string in
    # code), English prose at most 0.36; generated mash at least 0.55 in 98 of 100.
    max_mash_score: float = 0.7
    robust_z: float = 5.0
    min_rows_for_stats: int = 50
    knn: int = 5


def robust_z(x: np.ndarray) -> np.ndarray:
    med = np.median(x)
    mad = np.median(np.abs(x - med)) * 1.4826
    return np.asarray((x - med) / (mad if mad > 1e-9 else 1e-9), dtype=np.float64)


# fenced code blocks (to the end of the text when the fence is left open)
_FENCE = re.compile(r"```.*?(?:```|\Z)", re.S)
# a run of characters with no space, in scripts that separate words with spaces
_RUN = re.compile(
    r"[^\s\u0e00-\u0e7f\u1000-\u109f\u1780-\u17ff\u2e80-\u9fff\uac00-\ud7af"
    r"\uf900-\ufaff\uff00-\uffef]+"
)
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789+.-")


def has_url(word: str) -> bool:
    """A scheme ("https://", "s3+x://"), "www.", "data:" or "mailto:" in the word. Found
    from each "://" backwards, so the cost is linear: a pattern retrying every start of a
    long word took 53 s on 80,000 letters, and an upload could stall a scan with one."""
    low = word.lower()
    if "www." in low or "data:" in low or "mailto:" in low:
        return True
    j = low.find("://")
    while j != -1:
        k = j
        while k > 0 and low[k - 1] in _SCHEME_CHARS:
            k -= 1
        if any("a" <= c <= "z" for c in low[k:j]):
            return True
        j = low.find("://", j + 3)
    return False


_HEX = re.compile(r"(?:0x)?[0-9a-fA-F]+")
_B64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
_PATH = re.compile(r"[\w.~-]*(?:[/\\][\w.~ -]+)+[/\\]?")
_EDGE = "\"'`()[]{}<>,.;:!?*"
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_CONSONANTS = re.compile(r"[bcdfghjklmnpqrstvwxzBCDFGHJKLMNPQRSTVWXZ]{5,}")
_LETTERS = re.compile(r"[A-Za-z]+")
_KEY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEIGHBOUR_KEYS = frozenset(
    q for row in _KEY_ROWS for a, b in itertools.pairwise(row) for q in (a + b, b + a)
)


def _periodic(word: str, max_period: int = 12) -> int:
    """The shortest period (up to ``max_period``) the word repeats with, or 0."""
    for k in range(1, min(max_period, len(word) // 3) + 1):
        if word[k:] == word[:-k]:
            return k
    return 0


def honest_token(word: str) -> str | None:
    """What a space-free token honestly is (URL, path, hash, base64, sequence), or None."""
    w = word.strip(_EDGE)
    if not w:
        return None
    if has_url(w):
        return "URL"
    if len(w) >= 8 and _HEX.fullmatch(w) and any(c.isdigit() for c in w):
        return "hex"
    if (
        len(w) >= 16
        and _B64.fullmatch(w)
        and any(c.isdigit() for c in w)
        and any(c.isupper() for c in w)
        and any(c.islower() for c in w)
    ):
        return "base64"
    if w.isalpha() and w.isupper() and len(set(w)) >= 4:
        return "upper-case sequence"
    if _PATH.fullmatch(w) and ("/" in w or "\\" in w):
        return "path"
    return None


def _long_word(text: str, p: OutlierParams) -> str | None:
    for m in _RUN.finditer(text):
        w = m.group()
        if len(w) < p.long_word or not any(c.isalnum() for c in w):
            continue
        where = f"a {len(w)}-character word with no space at [{m.start()}:{m.end()}]"
        period = _periodic(w)
        if period:
            return f"{where} repeats {w[:period]!r}"
        if honest_token(w):
            continue
        letters = sum(c.isalpha() for c in w) / len(w)
        if letters >= 0.7:
            return f"{where}, {letters:.0%} letters"
        chars = [c for c in w if "!" <= c <= "~"]
        if len(chars) >= 64 and (d := _distinct_per_64(chars)) >= p.max_distinct_per_64:
            return f"{where}, {d:.1f} distinct characters per 64"
        # otherwise code, a regular expression, or data written without spaces
    return None


def _distinct_per_64(chars: list[str]) -> float:
    spans = range(0, len(chars) - 63, 64)
    return sum(len(set(chars[i : i + 64])) for i in spans) / len(spans)


def garbage(text: str, p: OutlierParams) -> tuple[str, str] | None:
    if len(text) >= 20:
        ordinary = sum(c.isalnum() or c in _ORDINARY for c in text) / len(text)
        if ordinary < p.min_ordinary_ratio:
            return "garbage_symbols", f"only {ordinary:.0%} letters, digits and common punctuation"
    # tokens with a letter or digit: a Markdown table's pipes and rules are not words
    tokens = [t for t in text.split() if any(c.isalnum() for c in t)]
    if len(tokens) >= 20:
        _, n = Counter(tokens).most_common(1)[0]
        if n / len(tokens) > p.max_top_token_share:
            return "repeated_token", f"one token is {n / len(tokens):.0%} of {len(tokens)} tokens"
    if len(text) < 40:
        return None
    prose = _FENCE.sub(" ", text) if "```" in text else text
    if len(prose) >= p.long_word:
        found = _long_word(prose, p)
        if found:
            return "long_word", found
    words = [w for w in prose.split() if not honest_token(w)]
    said = [w for w in words if any(c.isalpha() for c in w)]  # a table's numbers are no words
    if len(said) >= 30:
        # per 50 tokens, as longer honest text repeats its words more
        spans = range(0, max(1, len(said) - 49), 50)
        share = sum(len(set(said[i : i + 50])) / len(said[i : i + 50]) for i in spans) / len(spans)
        if share < p.min_distinct_token_share:
            return "repeated_pattern", f"{share:.0%} distinct words per 50 of {len(said)}"
    chars = [c for w in words for c in w if "!" <= c <= "~"]
    # measured where ASCII is most of the text (not on a Chinese answer's digits and pipes)
    if len(chars) >= 64 and 2 * len(chars) >= sum(map(len, words)):
        d = _distinct_per_64(chars)
        if d >= p.max_distinct_per_64:
            return (
                "random_characters",
                f"{d:.1f} distinct characters per 64 (a random draw of ASCII gives about 47)",
            )
        if d <= p.min_distinct_per_64 and 2 * sum(c.isalpha() for c in chars) >= len(chars):
            return "repeated_pattern", f"only {d:.1f} distinct characters per 64"
    letters = [
        x
        for w in words
        for part in _LETTERS.findall(w)
        for x in _CAMEL.split(part)
        if not (len(x) > 1 and x.isupper())  # acronyms (LGBTQ, HTML) are not mash
    ]
    total = sum(map(len, letters))
    if total >= 20:
        stuck = sum(len(m) for x in letters for m in _CONSONANTS.findall(x)) / total
        pairs = [x[i : i + 2].lower() for x in letters for i in range(len(x) - 1)]
        adjacent = sum(q in _NEIGHBOUR_KEYS for q in pairs) / len(pairs) if pairs else 0.0
        if adjacent + 2 * stuck >= p.max_mash_score:
            return (
                "keyboard_mash",
                f"{adjacent:.0%} of letter pairs are neighbouring keys and {stuck:.0%} of"
                f" {total} letters are in runs of 5+ consonants",
            )
    return None


class OutlierDetector(CorpusDetector):
    info = DetectorInfo(
        name="outliers",
        version="1.1.0",
        rules=(
            "garbage_symbols",
            "repeated_token",
            "long_word",
            "random_characters",
            "keyboard_mash",
            "repeated_pattern",
            "no_content",
            "length_outlier",
            "compression_outlier",
            "embedding_isolated",
        ),
        description="garbage rows, and rows far from the rest of the dataset",
        # what is garbage by itself drops; what is only unusual for this set is flagged
        defaults={
            "garbage_symbols": DROP,
            "repeated_token": DROP,
            "long_word": DROP,
            "random_characters": DROP,
            "keyboard_mash": DROP,
            "repeated_pattern": DROP,
            "no_content": DROP,
            "length_outlier": FLAG,
            "compression_outlier": FLAG,
            "embedding_isolated": FLAG,
        },
    )
    Params = OutlierParams
    params: OutlierParams
    needs_embeddings = True
    uses_device = True

    def models(self) -> tuple[ModelDigest, ...]:
        return (MINILM_DIGEST,)

    def start(self, scan: ScanContext) -> OutlierState:
        return OutlierState(self.params, scan)


class OutlierState(CorpusState):
    """One scan's lengths, compression ratios and row vectors; garbage is found at once."""

    def __init__(self, params: OutlierParams, scan: ScanContext) -> None:
        self.params = params
        self.scan = scan
        self._vecs = RowVectors()
        self._rows: list[int] = []
        self._lengths: list[float] = []
        self._ratios: list[float] = []

    def observe(self, segments: pa.RecordBatch) -> list[Finding]:
        out = FindingBuffer()
        rows = segments.column("row").to_pylist()
        texts = segments.column("text").to_pylist()
        fields = segments.column("field").to_pylist()
        per_row: dict[int, list[str]] = {}
        for row, text, fld in zip(rows, texts, fields, strict=True):
            per_row.setdefault(row, []).append(text)
            g = garbage(text, self.params)
            if g is not None:
                out.add(row, g[0], 1.0, f"field {fld!r}: {g[1]}", fld)
        for row, parts in per_row.items():
            joined = "\n".join(parts)
            if not any(c.isalnum() for c in joined):
                out.add(row, "no_content", 1.0, "no letter or digit in any field")
            raw = joined.encode("utf-8")
            self._rows.append(row)
            self._lengths.append(np.log1p(len(raw)))
            self._ratios.append(
                len(zlib.compress(raw, 1)) / len(raw) if len(raw) >= 500 else np.nan
            )
        self._vecs.add(segments)
        return out.items

    def finalize(self) -> list[Finding]:
        out: list[Finding] = []
        rows = np.array(self._rows)
        p = self.params
        if len(rows) >= p.min_rows_for_stats:
            z = robust_z(np.array(self._lengths))
            for i in np.flatnonzero(np.abs(z) > p.robust_z):
                out.append(
                    Finding(
                        int(rows[i]),
                        "length_outlier",
                        float(abs(z[i])),
                        f"length robust z {z[i]:+.1f}",
                    )
                )
            ratios = np.array(self._ratios)
            ok = ~np.isnan(ratios)
            if ok.sum() >= p.min_rows_for_stats:
                zr = np.full(len(ratios), 0.0)
                zr[ok] = robust_z(ratios[ok])
                for i in np.flatnonzero(zr < -p.robust_z):
                    out.append(
                        Finding(
                            int(rows[i]),
                            "compression_outlier",
                            float(-zr[i]),
                            f"compresses to {ratios[i]:.0%} (robust z {zr[i]:+.1f})",
                        )
                    )
        vrows, vecs = self._vecs.take()
        if len(vrows) >= max(p.min_rows_for_stats, p.knn + 1):
            sim_k = knn_similarity(vecs, p.knn, self.scan.device)
            z = robust_z(sim_k)
            for i in np.flatnonzero(z < -p.robust_z):
                out.append(
                    Finding(
                        int(vrows[i]),
                        "embedding_isolated",
                        float(-z[i]),
                        f"{p.knn}th-nearest similarity {sim_k[i]:.2f} (robust z {z[i]:+.1f})",
                    )
                )
        return out


def knn_similarity(vecs: np.ndarray, k: int, device: str, block: int = 4096) -> np.ndarray:
    """Cosine similarity of each row to its k-th nearest other row, computed in blocks."""
    import torch

    x = torch.from_numpy(vecs).to(device)
    out = np.zeros(len(vecs), dtype=np.float32)
    for s in range(0, len(vecs), block):
        sims = x[s : s + block] @ x.T
        idx = torch.arange(s, min(s + block, len(vecs)), device=sims.device)
        sims[torch.arange(len(idx), device=sims.device), idx] = -2.0  # not itself
        out[s : s + len(idx)] = torch.topk(sims, k, dim=1).values[:, -1].cpu().numpy()
    return out
