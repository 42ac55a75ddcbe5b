"""Training on benchmark text: the classifiers' corpora share no 8-word run with public sets.

The injection classifier and the harmful-request and abusive-text heads are scored on sets in
``../shared/data``. A training corpus that copies a sentence of one of them (a jailbreak
reworded by two words, a BIPIA attack string) learns the test, and its figures on that
set say nothing about text nobody wrote down. So no run of 8 consecutive word tokens
(casefolded ``\\w+``) of any text in any file under ``../shared/data`` may appear in
``fixtures/injection_corpus.jsonl``, ``fixtures/harmful_corpus.jsonl`` or
``fixtures/abuse_corpus.jsonl``.

Files are read in place: CSV, JSON, JSONL and Parquet by their string values (one text
per value, so runs never straddle two fields); any other text file line by line (the
CoNLL-style NER files, whose sentences are also in their JSONL twins). 8-grams are hashed
to 64 bits with numpy, so the whole check takes a few seconds.
"""

from __future__ import annotations

import csv
import functools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from tests.helpers import ROOT, SHARED_DATA

N = 8
CORPORA = (
    ROOT / "fixtures" / "injection_corpus.jsonl",
    ROOT / "fixtures" / "harmful_corpus.jsonl",
    ROOT / "fixtures" / "abuse_corpus.jsonl",
)
_WORD = re.compile(r"\w+")
_P = np.uint64(0x9E3779B97F4A7C15)

pytestmark = pytest.mark.skipif(
    not SHARED_DATA.exists(), reason="needs ../shared/data (the public sets)"
)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def texts_of(path: Path) -> Iterator[str]:
    """Every text in one public file."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        yield from _strings(pq.read_table(path).to_pylist())
    elif suffix == ".json":
        yield from _strings(json.loads(path.read_text(encoding="utf-8")))
    elif suffix == ".jsonl":
        with path.open(encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    yield from _strings(json.loads(line))
    elif suffix == ".csv":
        csv.field_size_limit(1 << 30)
        with path.open(encoding="utf-8", newline="") as f:
            for row in csv.reader(f):
                yield from row
    else:
        with path.open(encoding="utf-8", errors="replace") as f:
            yield from f


def public_files() -> list[Path]:
    return sorted(
        p
        for p in SHARED_DATA.rglob("*")
        if p.is_file() and not p.name.lower().startswith("readme") and p.suffix != ".md"
    )


class Vocabulary:
    """Word -> integer id, shared by both sides so equal words hash equally."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def ngram_hashes(self, texts: Iterator[str] | list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(hash of every 8-word run, index of the text it came from), runs within one text."""
        ids: list[int] = []
        owner: list[int] = []
        for k, text in enumerate(texts):
            words = _WORD.findall(text.casefold())
            if len(words) < N:
                continue
            ids += [self.ids.setdefault(w, len(self.ids) + 1) for w in words]
            owner += [k] * len(words)
        a = np.asarray(ids, dtype=np.uint64)
        o = np.asarray(owner, dtype=np.int64)
        if len(a) < N:
            return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
        m = len(a) - N + 1
        h = np.zeros(m, dtype=np.uint64)
        with np.errstate(over="ignore"):
            for j in range(N):
                h = h * _P + a[j : j + m]
        same_text = o[:m] == o[N - 1 :]
        return h[same_text], o[:m][same_text]


@functools.cache
def public_ngrams() -> tuple[Vocabulary, tuple[tuple[Path, np.ndarray], ...]]:
    """Every public file's 8-gram hashes, read once per test session."""
    vocab = Vocabulary()
    return vocab, tuple((p, np.unique(vocab.ngram_hashes(texts_of(p))[0])) for p in public_files())


def overlaps(corpus: Path) -> list[str]:
    """'file: runs, e.g. a row' for each public file that shares a run with ``corpus``."""
    vocab, public = public_ngrams()
    rows = [
        str(json.loads(line)["text"])
        for line in corpus.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    mine, mine_owner = vocab.ngram_hashes(rows)
    found = []
    for path, theirs in public:
        hit = np.isin(mine, theirs)
        if hit.any():
            k = int(mine_owner[np.argmax(hit)])
            found.append(
                f"{path.relative_to(SHARED_DATA)}: {int(hit.sum())} runs, e.g. in row {k + 1}:"
                f" {rows[k][:160]!r}"
            )
    return found


def test_public_files_are_read() -> None:
    """The check is not vacuous: every kind of file yields text with 8-word runs."""
    files = public_files()
    assert any(p.suffix == ".csv" for p in files) and any(p.suffix == ".jsonl" for p in files)
    hashes = dict(public_ngrams()[1])
    jb = SHARED_DATA / "jailbreak_classification" / "jailbreak_dataset_train_balanced.csv"
    assert len(hashes[jb]) > 10_000
    for suffix in (".json", ".jsonl", ".csv"):
        assert any(len(h) for p, h in hashes.items() if p.suffix == suffix), suffix


def test_overlap_is_found_when_present(tmp_path: Path) -> None:
    """A corpus row that copies 8 words of a public prompt is reported."""
    jb = SHARED_DATA / "jailbreak_classification" / "jailbreak_dataset_train_balanced.csv"
    prompt = next(t for t in texts_of(jb) if len(_WORD.findall(t)) > 20)
    copied = "Say this: " + " ".join(_WORD.findall(prompt)[3:11]) + " please."
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(json.dumps({"text": copied}) + "\n" + json.dumps({"text": "a b c"}) + "\n")
    assert any("jailbreak_classification" in f for f in overlaps(corpus))


@pytest.mark.parametrize("corpus", CORPORA, ids=lambda p: p.name)
def test_training_corpus_shares_no_8_word_run_with_public_sets(corpus: Path) -> None:
    assert overlaps(corpus) == []
