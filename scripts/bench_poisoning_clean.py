"""Poisoning on data nobody tuned to: clean sets that must publish, planted sets that must not.

    python -m scripts.bench_poisoning_clean --half dev|heldout [--cache DIR] [--only clean|planted]

Every set is read in place from ``../shared/data`` and cut into two halves by
near-duplicate cluster (word 5-gram Jaccard >= 0.5, union-find), so variants of one
prompt stay on one side: **dev** (thresholds were chosen on it) and **heldout** (figures
to report). Only the poisoning detector runs, with its default rules; the default policy
quarantines every row in a poisoning cluster (``gate``, so those rows are *removed*) and
fails the scan when they pass 1% of the rows. Poisoning has no ``flag`` action by
default, so ``flagged`` is 0 unless the policy says otherwise; both are printed.

Clean sets: alpaca slices of 200 / 400 / 1,000 / 2,000 rows (dev: from the first rows of
the file, as a new user would take them; heldout: from row 26,001 on), code_alpaca,
self_instruct, alpaca_zh, the FastChat identity chats, and three classification-style
sets built from public data: SST-2 sentiment (BackdoorLLM's clean rows), web-text genre
(Universal Dependencies EWT documents: answers / email / newsgroup / reviews / weblog),
and jailbreak-vs-benign prompts (jackhhao, a role-play-heavy set: prompt -> label).

Planted sets: each ``make_poisoned`` family and each BackdoorLLM DPA attack at 0.5%, 1%
and 3% of 2,000 clean alpaca rows of the half, plus a word trigger that flips positive
SST-2 rows to "Negative" inside the SST-2 half (a label flip in a label set).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import random
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from scripts.bench_poisoning import DPA, SHARED, detect, dpa_sets, findings, mix
from scripts.make_poisoned import FAMILIES, load_alpaca, plant
from scripts.near_dup_clusters import near_duplicate_roots

Row = dict[str, Any]
CLEAN_RATES = (0.005, 0.01, 0.03)


def halves(rows: list[Row], seed: str = "") -> tuple[list[Row], list[Row]]:
    """Two halves of ``rows`` that share no near-duplicate cluster (word 5-gram Jaccard
    >= 0.5 over the input, or the instruction where there is none: a classification set
    repeats one instruction), each cluster sent by a hash of its first member."""
    roots = near_duplicate_roots([r.get("input") or r["instruction"] for r in rows])
    dev: list[Row] = []
    held: list[Row] = []
    for i, r in enumerate(rows):
        root = rows[roots[i]]
        h = hashlib.sha256((seed + root["instruction"] + root.get("input", "")).encode()).digest()
        (dev if h[0] % 2 == 0 else held).append(r)
    return dev, held


def sst2() -> list[Row]:
    seen: dict[str, Row] = {}
    files = [
        *sorted(DPA.glob("sst2/*/none_backdoor*.json")),
        DPA.parent / "test_data" / "clean" / "sst2sentiment" / "test_data_no_trigger.json",
    ]
    for f in files:
        for r in json.loads(f.read_text()):
            seen.setdefault(r["instruction"], r)
    return list(seen.values())


GENRES = {
    "answers": "question-answer site",
    "email": "e-mail",
    "newsgroup": "newsgroup",
    "reviews": "review",
    "weblog": "weblog",
}


def ewt_genre() -> list[Row]:
    """One row per EWT sentence of 6+ words: which kind of web text it comes from."""
    out = []
    for name in ("en_ewt-ud-dev.iob2", "en_ewt-ud-test.iob2"):
        sid = ""
        for line in (SHARED / "ner_uner_en" / name).read_text().splitlines():
            if line.startswith("# sent_id = "):
                sid = line.split("= ", 1)[1]
            elif line.startswith("# text = ") and len(line.split()) >= 9:
                out.append(
                    {
                        "instruction": "Which kind of web text is this sentence from: a "
                        "question-answer site, an e-mail, a newsgroup, a review or a weblog?",
                        "input": line.split("= ", 1)[1],
                        "output": GENRES[sid.split("-", 1)[0]],
                    }
                )
    return out


def jailbreak_labels() -> list[Row]:
    path = SHARED / "jailbreak_classification" / "jailbreak_dataset_train_balanced.csv"
    with path.open(newline="", encoding="utf-8") as f:
        return [
            {"instruction": r["prompt"], "input": "", "output": r["type"]}
            for r in csv.DictReader(f)
        ]


def _json_rows(path: Path) -> list[Row]:
    if path.suffix == ".jsonl":
        return [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    data: list[Row] = json.loads(path.read_text())
    return data


def self_instruct() -> list[Row]:
    out = []
    for r in _json_rows(SHARED / "self_instruct" / "seed_tasks.jsonl"):
        for inst in r["instances"]:
            out.append(
                {"instruction": r["instruction"], "input": inst["input"], "output": inst["output"]}
            )
    for r in _json_rows(SHARED / "self_instruct" / "user_oriented_instructions.jsonl"):
        for inst in r["instances"]:
            out.append(
                {"instruction": r["instruction"], "input": inst["input"], "output": inst["output"]}
            )
    return out


def identity_chats() -> list[Row]:
    out = []
    for c in _json_rows(SHARED / "chat_sharegpt" / "dummy_conversation.json"):
        turns = c["conversations"]
        for a, b in zip(turns[::2], turns[1::2], strict=False):
            out.append({"instruction": a["value"], "input": "", "output": b["value"]})
    return out


def clean_sets(half: str) -> dict[str, list[Row]]:
    k = 0 if half == "dev" else 1
    alpaca = load_alpaca()
    start = 0 if half == "dev" else 26_001
    out = {f"alpaca first {n:,}": alpaca[start : start + n] for n in (200, 400, 1000, 2000)}
    for name, rows, cap in (
        ("code_alpaca", _json_rows(SHARED / "code_alpaca" / "code_alpaca_2k.json"), 1000),
        ("self_instruct", self_instruct(), 2000),
        ("alpaca_zh", _json_rows(SHARED / "alpaca_zh" / "alpaca_data-0-3252_zh.json"), 1000),
        ("identity chats (FastChat)", identity_chats(), 2000),
        ("sentiment: SST-2", sst2(), 2000),
        ("genre: EWT web text", ewt_genre(), 1000),
        ("role-play: jailbreak vs benign labels", jailbreak_labels(), 2000),
    ):
        part = halves(rows)[k]
        out[name] = random.Random(name).sample(part, min(cap, len(part)))
    return out


def flip_in_sst2(rows: list[Row], rate: float, rng: random.Random) -> tuple[list[Row], list[int]]:
    """A word trigger ("cf42") inserted into positive rows relabelled "Negative"."""
    pos = [i for i, r in enumerate(rows) if r["output"] == "Positive"]
    k = max(3, round(rate * len(rows)))
    chosen = set(rng.sample(pos, k))
    out = []
    for i, r in enumerate(rows):
        if i in chosen:
            w = r["instruction"].split(" ")
            w.insert(rng.randint(0, len(w)), "cf42")
            r = {**r, "instruction": " ".join(w), "output": "Negative"}
        out.append(r)
    return out, sorted(chosen)


def run_clean(half: str, engine: Any) -> list[dict[str, Any]]:
    res = []
    for name, rows in clean_sets(half).items():
        t = time.perf_counter()
        found = findings(rows, engine)
        removed = len(found)
        why = Counter(f.evidence.split("; signals")[0].split("; ", 1)[-1][:90] for f in found)
        res.append(
            {
                "set": name,
                "rows": len(rows),
                "removed": removed,
                "flagged": 0,
                "removed_share": round(removed / len(rows), 4),
                "gate": "fails" if removed > 0.01 * len(rows) else "publishes",
                "seconds": round(time.perf_counter() - t, 1),
                "why": dict(why.most_common(4)),
            }
        )
        print(json.dumps(res[-1]), file=sys.stderr)
    return res


def run_planted(half: str, engine: Any, n_clean: int = 2000) -> list[dict[str, Any]]:
    alpaca = load_alpaca()
    base = alpaca[:26_001] if half == "dev" else alpaca[26_001:]
    res = []

    def score(name: str, rows: list[Row], bad: list[int]) -> None:
        found = detect(rows, engine)
        bad_s = set(bad)
        res.append(
            {
                "set": name,
                "rows": len(rows),
                "planted": len(bad_s),
                "recall": round(len(bad_s & found.keys()) / len(bad_s), 3),
                "clean_removed": len(found.keys() - bad_s),
                "clean_removed_share": round(
                    len(found.keys() - bad_s) / (len(rows) - len(bad_s)), 4
                ),
            }
        )
        print(json.dumps(res[-1]), file=sys.stderr)

    for family in FAMILIES:
        for rate in CLEAN_RATES:
            rows, bad = plant(family, rate, n_clean, seed=k_seed(half), alpaca=base)
            score(f"{family}@{rate}", rows, bad)
    rng = random.Random(f"dpa/{half}")
    clean = rng.sample(base, n_clean)
    for name, poisoned in dpa_sets().items():
        part = halves(poisoned, name)[0 if half == "dev" else 1]
        for rate in CLEAN_RATES:
            rows, bad = mix(clean, part, min(len(part), round(rate * n_clean)), rng)
            score(f"backdoorllm {name}@{rate}", rows, bad)
    sst = halves(sst2())[0 if half == "dev" else 1]
    for rate in CLEAN_RATES:
        rows, bad = flip_in_sst2(sst, rate, random.Random(f"flip/{rate}"))
        score(f"sst2 word-trigger label flip@{rate}", rows, bad)
    return res


def k_seed(half: str) -> int:
    return 0 if half == "dev" else 1


def main() -> None:
    from detectors.embeddings import EmbeddingEngine

    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--half", choices=("dev", "heldout"), default="dev")
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--only", choices=("clean", "planted"))
    a = ap.parse_args()
    engine = EmbeddingEngine.get("cpu").session(a.cache)
    out: dict[str, Any] = {"half": a.half}
    if a.only in (None, "clean"):
        out["clean"] = run_clean(a.half, engine)
    if a.only in (None, "planted"):
        out["planted"] = run_planted(a.half, engine)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
