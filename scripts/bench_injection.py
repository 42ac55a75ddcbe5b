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
"""

from __future__ import annotations

import csv
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


def _alpaca_rows(rows: list[dict[str, Any]]) -> list[Row]:
    return [[(r[f], role) for f, role in ALPACA_ROLES.items() if r.get(f)] for r in rows]


def datasets(n_clean: int, seed: int = 17) -> dict[str, tuple[list[Row], list[int]]]:
    rng = random.Random(seed)
    sets: dict[str, tuple[list[Row], list[int]]] = {}
    jb = list(
        csv.DictReader(
            (SHARED / "jailbreak_classification" / "jailbreak_dataset_train_balanced.csv").open()
        )
    )
    sets["jailbreak_classification"] = (
        [[(r["prompt"], "prompt")] for r in jb],
        [int(r["type"] == "jailbreak") for r in jb],
    )
    alpaca = json.loads((SHARED / "alpaca" / "alpaca_data.json").read_text())
    attacks = [
        a
        for name in ("text_attack_train.json", "code_attack_train.json")
        for v in json.loads((SHARED / "bipia" / name).read_text()).values()
        for a in v
    ]
    clean_rows, planted = [], []
    for a in attacks:
        r = dict(rng.choice([x for x in rng.sample(alpaca, 50) if x["input"]]))
        clean_rows.append(dict(r))
        base = r["input"]
        cut = rng.choice([0, len(base) // 2, len(base)])
        while 0 < cut < len(base) and base[cut - 1] != " ":  # plant between words, as BIPIA does
            cut -= 1
        r["input"] = (base[:cut] + " " + a + " " + base[cut:]).strip()
        planted.append(r)
    sets["bipia_planted_in_alpaca"] = (
        _alpaca_rows(planted) + _alpaca_rows(clean_rows),
        [1] * len(planted) + [0] * len(clean_rows),
    )
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
        sample = rng.sample(rows, min(n_clean, len(rows)))
        sets[name] = (_alpaca_rows(sample), [0] * len(sample))
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
    verdicts = scorer.score(texts, roles)
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
        pos = [
            k
            for k in ("jailbreak_classification", "bipia_planted_in_alpaca", "injecguard_valid")
            if k in res
        ]
        res["recall_public_injection"] = round(
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
        out[name] = res
    # throughput on alpaca rows: rules alone; the embedding step alone; the classifier given embeddings
    rows = sets["alpaca"][0][:1000]
    texts = [t for r in rows for t, _ in r]
    roles = [role for r in rows for _, role in r]
    engine = EmbeddingEngine.get("cpu").session(None)
    t = time.perf_counter()
    scorers["rules"].score(texts, roles)
    out["rules_rows_per_s"] = round(len(rows) / (time.perf_counter() - t), 1)
    t = time.perf_counter()
    vecs = engine.embed(texts)
    out["embed_rows_per_s"] = round(len(rows) / (time.perf_counter() - t), 1)
    t = time.perf_counter()
    scorers["rules+classifier"].score(texts, roles, vecs)
    out["detector_with_classifier_rows_per_s"] = round(len(rows) / (time.perf_counter() - t), 1)
    return out


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--clean", type=int, default=2000)
    ap.add_argument("--cache", type=Path)
    a = ap.parse_args()
    print(json.dumps(run(a.clean, a.cache), indent=1))
