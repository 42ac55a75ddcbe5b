"""The rows that judge false removals on look-alike data (``scripts/list_sets.py``: tables
and lists that name harm, and list-shaped attacks; ``scripts/security_sets.py`` and
``scripts/security_blind.py``: security teams' analysis rows) are not in what the heads
learn from, and the bench that runs them loses no row."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from scripts import list_sets, security_blind, security_sets
from tests.helpers import ROOT

N = 5  # table cells are short, so a shorter run than the public-set check's 8
_WORD = re.compile(r"\w+")
CORPORA = (
    ROOT / "fixtures" / "harmful_corpus.jsonl",
    ROOT / "fixtures" / "injection_corpus.jsonl",
    ROOT / "fixtures" / "abuse_corpus.jsonl",
)


def runs(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.casefold())
    return {tuple(words[i : i + N]) for i in range(len(words) - N + 1)}


def set_runs() -> dict[tuple[str, ...], str]:
    out: dict[tuple[str, ...], str] = {}
    rows = list_sets.DEV + list_sets.HELDOUT + security_sets.DEV + security_sets.HELDOUT
    texts = [str(t) for row in rows for t in row.values()]
    texts += [t for topics in list_sets.ATTACK_TOPICS.values() for t in topics]
    for text in texts:
        out.update(dict.fromkeys(runs(text), text[:80]))
    return out


def test_a_copied_run_is_found() -> None:
    """The check is not vacuous: a row that copies five words of a cell is caught."""
    cell = str(list_sets.DEV[0]["instruction"]).splitlines()[2]
    assert runs("Tell me: " + cell) & set_runs().keys()


@pytest.mark.parametrize("corpus", CORPORA, ids=lambda p: p.name)
def test_no_corpus_row_copies_five_words_of_a_list_row(corpus: Path) -> None:
    mine = set_runs()
    hits = []
    for line in corpus.read_text(encoding="utf-8").splitlines():
        if line.strip():
            text = str(json.loads(line)["text"])
            for r in runs(text) & mine.keys():
                hits.append(f"{text[:80]!r} copies {' '.join(r)!r} of {mine[r]!r}")
    assert hits == []


def test_the_bench_scans_every_row_and_loses_none() -> None:
    """``scripts/bench_lists.py`` runs the real default scan: each row comes back in the
    clean or the quarantine split, under its own index."""
    from scripts.bench_lists import scan

    rows = list_sets.DEV[:3]
    got = scan(rows)
    assert sorted(got) == [0, 1, 2]
    assert {split for split, _ in got.values()} <= {"clean", "quarantine"}


def test_every_attack_holds_its_harmful_item_once_in_the_instruction() -> None:
    from scripts.bench_decoys import DECOYS

    for half, topics in list_sets.ATTACK_TOPICS.items():
        rows = list_sets.attacks(half, DECOYS)
        assert len(rows) == 6 * len(topics)
        for k, row in enumerate(rows):
            topic = topics[k // 6]
            assert row["instruction"].count(topic) == 1 and not row["input"]


@pytest.mark.parametrize("corpus", CORPORA, ids=lambda p: p.name)
def test_no_corpus_row_copies_eight_words_of_a_disguised_injection(corpus: Path) -> None:
    """Attacks share idioms with the corpus's attacks ("your new task is to"), so the
    injections disguised as security records get the public sets' 8-word check. So do the
    rows written blind: commands and addresses give them 5-word runs in common with any
    text that records an attack ("curl -s http://203.0..."), and the corpora were fixed
    before they were written."""
    texts = list(security_sets.INJECTED)
    blind = security_blind.INJECTED + security_blind.CLEAN
    texts += [str(t) for row in blind for t in row.values()]
    words = [re.findall(r"\w+", t.casefold()) for t in texts]
    mine = {tuple(w[i : i + 8]) for w in words for i in range(len(w) - 7)}
    hits = []
    for line in corpus.read_text(encoding="utf-8").splitlines():
        if line.strip():
            w = _WORD.findall(str(json.loads(line)["text"]).casefold())
            hits += [w[i : i + 8] for i in range(len(w) - 7) if tuple(w[i : i + 8]) in mine]
    assert hits == []


def test_the_blind_rows_have_the_benchs_shape() -> None:
    rows = security_blind.INJECTED + security_blind.CLEAN
    assert (len(security_blind.INJECTED), len(security_blind.CLEAN)) == (40, 30)
    for row in rows:
        assert set(row) == {"instruction", "input", "output"}
        assert all(isinstance(v, str) and v.strip() for v in row.values())
