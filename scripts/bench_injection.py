"""Injection scanning measured on public sets it was not written or trained against.

Positives: jailbreak prompts (jailbreak_classification, type=jailbreak), BIPIA attack
strings planted into alpaca inputs (start, middle or end, as BIPIA builds its own
positives), and InjecGuard's labelled injections when valid.json is present. Negatives:
the benign half of jailbreak_classification (role-play prompts: hard negatives), the
same alpaca rows before planting, NotInject (benign prompts full of trigger words), and
ordinary instruction data (alpaca, code_alpaca, self_instruct, alpaca_zh) for the
false-positive rate. The classifier learns only from fixtures/injection_corpus.jsonl.

Each configuration (rules and decoders alone; rules plus classifier) is scored at the
detector's default threshold, exactly as a scan would drop rows.

The public positives are split in two, once and for good: a *dev* half whose misses we
may read to decide which tactics the rules and the corpus lack, and a *held-out* half
that nobody reads and that the goals are measured on. jailbreak_classification splits by
a hash of each prompt; BIPIA by attack category (every other category in sorted order),
so a held-out category is a tactic no rule was written from. The clean sets' samples
are the ones whose false positives we read; alpaca and alpaca_zh also get a disjoint
``_heldout`` sample nobody has read (code_alpaca and self_instruct are too small).
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import time
from pathlib import Path
from typing import Any

from detectors.embeddings import EmbeddingEngine
from detectors.injection import InjectionParams, InjectionScorer
from detectors.injection_classifier import InjectionClassifier

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
ALPACA_ROLES = {"instruction": "prompt", "input": "context", "output": "response"}

Row = list[tuple[str, str]]  # (text, role) per training-text field
SPLITS = ("dev", "heldout")


def _split_of_prompt(text: str) -> str:
    return SPLITS[hashlib.sha256(text.encode()).digest()[0] % 2]


def _alpaca_rows(rows: list[dict[str, Any]]) -> list[Row]:
    return [[(r[f], role) for f, role in ALPACA_ROLES.items() if r.get(f)] for r in rows]


def _planted(
    alpaca: list[dict[str, Any]], attacks: list[str], rng: random.Random
) -> tuple[list[Row], list[int]]:
    """Each attack planted into an alpaca input (start, middle or end, between words, as
    BIPIA builds its positives), beside the same rows unplanted."""
    clean_rows, planted = [], []
    for a in attacks:
        r = dict(rng.choice([x for x in rng.sample(alpaca, 50) if x["input"]]))
        clean_rows.append(dict(r))
        base = r["input"]
        cut = rng.choice([0, len(base) // 2, len(base)])
        while 0 < cut < len(base) and base[cut - 1] != " ":
            cut -= 1
        r["input"] = (base[:cut] + " " + a + " " + base[cut:]).strip()
        planted.append(r)
    return (
        _alpaca_rows(planted) + _alpaca_rows(clean_rows),
        [1] * len(planted) + [0] * len(clean_rows),
    )


def datasets(n_clean: int, seed: int = 17) -> dict[str, tuple[list[Row], list[int]]]:
    rng = random.Random(seed)
    sets: dict[str, tuple[list[Row], list[int]]] = {}
    jb = list(
        csv.DictReader(
            (SHARED / "jailbreak_classification" / "jailbreak_dataset_train_balanced.csv").open()
        )
    )
    for split in SPLITS:
        part = [r for r in jb if _split_of_prompt(r["prompt"]) == split]
        sets[f"jailbreak_classification_{split}"] = (
            [[(r["prompt"], "prompt")] for r in part],
            [int(r["type"] == "jailbreak") for r in part],
        )
    alpaca = json.loads((SHARED / "alpaca" / "alpaca_data.json").read_text())
    categories = sorted(
        (cat, attacks)
        for name in ("text_attack_train.json", "code_attack_train.json")
        for cat, attacks in json.loads((SHARED / "bipia" / name).read_text()).items()
    )
    for split in SPLITS:
        attacks = [a for k, (_, v) in enumerate(categories) if SPLITS[k % 2] == split for a in v]
        sets[f"bipia_planted_in_alpaca_{split}"] = _planted(alpaca, attacks, rng)
    valid = SHARED / "injecguard_notinject" / "valid.json"
    if valid.exists():
        v = json.loads(valid.read_text())
        sets["injecguard_valid"] = (
            [[(r["prompt"], "prompt")] for r in v],
            [int(r["label"]) for r in v],
        )
    ni = [
        r["prompt"]
        for f in sorted((SHARED / "injecguard_notinject").glob("NotInject_*.json"))
        for r in json.loads(f.read_text())
    ]
    sets["notinject"] = ([[(t, "prompt")] for t in ni], [0] * len(ni))
    clean = {
        "alpaca": alpaca,
        "code_alpaca": json.loads((SHARED / "code_alpaca" / "code_alpaca_2k.json").read_text()),
        "alpaca_zh": json.loads((SHARED / "alpaca_zh" / "alpaca_data-0-3252_zh.json").read_text()),
    }
    for name, rows in clean.items():
        picked = rng.sample(range(len(rows)), min(n_clean, len(rows)))
        sets[name] = (_alpaca_rows([rows[i] for i in picked]), [0] * len(picked))
        # rows outside the sample above, whose false positives nobody has read
        rest = sorted(set(range(len(rows))) - set(picked))
        if rest:
            unseen = [rows[i] for i in rng.sample(rest, min(n_clean, len(rest)))]
            sets[f"{name}_heldout"] = (_alpaca_rows(unseen), [0] * len(unseen))
    si = [
        json.loads(line)
        for line in (SHARED / "self_instruct" / "user_oriented_instructions.jsonl").open()
    ]
    sets["self_instruct"] = (
        [
            [(r["instruction"], "prompt")]
            + [(i["input"], "context") for i in r["instances"] if i["input"]]
            for r in si
        ],
        [0] * len(si),
    )
    return sets


def flag_rows(scorer: InjectionScorer, rows: list[Row]) -> list[bool]:
    texts = [t for r in rows for t, _ in r]
    roles = [role for r in rows for _, role in r]
    owners = [k for k, r in enumerate(rows) for _ in r]
    verdicts = scorer.score(texts, roles, rows=owners)
    thr = scorer.params.threshold
    out, k = [], 0
    for r in rows:
        hit = False
        for v in verdicts[k : k + len(r)]:
            hit |= any(
                not rid.startswith(("invisible.zero", "invisible.bidi"))
                for rid, _, _ in v.findings(thr)
            )
        out.append(hit)
        k += len(r)
    return out


def metrics(flags: list[bool], labels: list[int]) -> dict[str, float]:
    tp = sum(f and y == 1 for f, y in zip(flags, labels, strict=True))
    fp = sum(f and y == 0 for f, y in zip(flags, labels, strict=True))
    pos, neg = sum(labels), len(labels) - sum(labels)
    out: dict[str, float] = {"rows": len(labels)}
    if pos:
        rec = tp / pos
        prec = tp / (tp + fp) if tp + fp else 0.0
        out |= {
            "precision": round(prec, 4),
            "recall": round(rec, 4),
            "f1": round(2 * prec * rec / (prec + rec) if prec + rec else 0.0, 4),
        }
    if neg:
        out["false_positive_rate"] = round(fp / neg, 4)
    return out


def run(n_clean: int = 2000, cache: Path | None = None) -> dict[str, Any]:
    sets = datasets(n_clean)
    params = InjectionParams()
    engine = EmbeddingEngine.get("cpu").session(cache)
    scorers = {
        "rules": InjectionScorer(InjectionParams(classifier=False), None, None),
        "rules+classifier": InjectionScorer(params, InjectionClassifier.load(), engine),
    }
    out: dict[str, Any] = {"threshold": params.threshold, "clean_rows_per_set": n_clean}
    for name, scorer in scorers.items():
        res = {}
        for set_name, (rows, labels) in sets.items():
            res[set_name] = metrics(flag_rows(scorer, rows), labels)
        for split in SPLITS:
            pos = [
                k
                for k in (
                    f"jailbreak_classification_{split}",
                    f"bipia_planted_in_alpaca_{split}",
                    "injecguard_valid" if split == "heldout" else "",
                )
                if k in res
            ]
            res[f"recall_public_injection_{split}"] = round(
                sum(res[k]["recall"] * sum(sets[k][1]) for k in pos)
                / sum(sum(sets[k][1]) for k in pos),
                4,
            )
        clean = ("alpaca", "code_alpaca", "self_instruct", "alpaca_zh")
        res["fpr_instruction_data"] = round(
            sum(res[k]["false_positive_rate"] * res[k]["rows"] for k in clean)
            / sum(res[k]["rows"] for k in clean),
            4,
        )
        unseen = [k for k in res if k.endswith("_heldout") and k.split("_heldout")[0] in clean]
        if unseen:
            res["fpr_instruction_data_heldout"] = round(
                sum(res[k]["false_positive_rate"] * res[k]["rows"] for k in unseen)
                / sum(res[k]["rows"] for k in unseen),
                4,
            )
        out[name] = res
    # throughput on alpaca rows: rules alone; the embedding step alone; the classifier given embeddings
    rows = sets["alpaca"][0][:1000]
    texts = [t for r in rows for t, _ in r]
    roles = [role for r in rows for _, role in r]
    owners = [k for k, r in enumerate(rows) for _ in r]
    engine = EmbeddingEngine.get("cpu").session(None)
    t = time.perf_counter()
    scorers["rules"].score(texts, roles)
    out["rules_rows_per_s"] = round(len(rows) / (time.perf_counter() - t), 1)
    t = time.perf_counter()
    vecs = engine.embed(texts)
    out["embed_rows_per_s"] = round(len(rows) / (time.perf_counter() - t), 1)
    t = time.perf_counter()
    scorers["rules+classifier"].score(texts, roles, vecs, owners)
    out["detector_with_classifier_rows_per_s"] = round(len(rows) / (time.perf_counter() - t), 1)
    return out


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--clean", type=int, default=2000)
    ap.add_argument("--cache", type=Path)
    a = ap.parse_args()
    print(json.dumps(run(a.clean, a.cache), indent=1))
