"""Injection rules and decoders, measured on public sets they were not written against.

Positives: jailbreak prompts (jailbreak_classification), BIPIA attack strings planted into
alpaca inputs (start, middle or end), InjecGuard's labelled injections (valid.json,
label 1). Negatives: benign jailbreak_classification prompts, NotInject hard negatives,
and ordinary instruction rows (alpaca, code_alpaca, self_instruct, alpaca_zh).
"""

from __future__ import annotations

import csv
import json
import random
import time
from pathlib import Path
from typing import Any

from detectors.injection import InjectionParams, scan_field

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
P = InjectionParams()


def flagged(text: str, role: str) -> bool:
    # zero-width and bidi characters are flagged, not dropped, by the default policy
    return any(
        not r.startswith(("invisible.zero", "invisible.bidi"))
        for r, _, _ in scan_field(text, role, P)
    )


def rows_flagged(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> float:
    roles = {
        "instruction": "prompt",
        "input": "context",
        "output": "response",
        "context": "context",
    }
    hits = sum(any(flagged(r[f], roles.get(f, "text")) for f in fields if r.get(f)) for r in rows)
    return hits / len(rows)


def run(n_clean: int = 5000) -> dict[str, Any]:
    rng = random.Random(17)
    out: dict[str, Any] = {"positives": {}, "negatives": {}}
    jb = list(
        csv.DictReader(
            (SHARED / "jailbreak_classification" / "jailbreak_dataset_train_balanced.csv").open()
        )
    )
    pos = [r["prompt"] for r in jb if r["type"] == "jailbreak"]
    neg = [r["prompt"] for r in jb if r["type"] == "benign"]
    out["positives"]["jailbreak_classification"] = sum(flagged(t, "prompt") for t in pos) / len(pos)
    out["negatives"]["jailbreak_classification_benign"] = sum(
        flagged(t, "prompt") for t in neg
    ) / len(neg)
    alpaca = json.loads((SHARED / "alpaca" / "alpaca_data.json").read_text())
    attacks = []
    for name in ("text_attack_train.json", "code_attack_train.json"):
        attacks += [
            a for v in json.loads((SHARED / "bipia" / name).read_text()).values() for a in v
        ]
    planted = []
    for a in attacks:
        r = dict(rng.choice(alpaca))
        base = r["input"] or r["output"]
        cut = rng.choice([0, len(base) // 2, len(base)])
        r["input"] = base[:cut] + " " + a + " " + base[cut:]
        planted.append(r)
    out["positives"]["bipia_planted_in_alpaca"] = rows_flagged(
        planted, ("instruction", "input", "output")
    )
    valid = (
        json.loads((SHARED / "injecguard_notinject" / "valid.json").read_text())
        if (SHARED / "injecguard_notinject" / "valid.json").exists()
        else []
    )
    if valid:
        inj = [v["prompt"] for v in valid if v["label"] == 1]
        out["positives"]["injecguard_valid"] = sum(flagged(t, "prompt") for t in inj) / len(inj)
    ni = [
        r["prompt"]
        for f in sorted((SHARED / "injecguard_notinject").glob("NotInject_*.json"))
        for r in json.loads(f.read_text())
    ]
    out["negatives"]["notinject"] = sum(flagged(t, "prompt") for t in ni) / len(ni)
    clean_sets = {
        "alpaca": alpaca,
        "code_alpaca": json.loads((SHARED / "code_alpaca" / "code_alpaca_2k.json").read_text()),
        "alpaca_zh": json.loads((SHARED / "alpaca_zh" / "alpaca_data-0-3252_zh.json").read_text()),
    }
    for name, rows in clean_sets.items():
        sample = rng.sample(rows, min(n_clean, len(rows)))
        t = time.perf_counter()
        out["negatives"][name] = rows_flagged(sample, ("instruction", "input", "output"))
        if name == "alpaca":
            out["rows_per_s"] = len(sample) / (time.perf_counter() - t)
    si = [
        json.loads(line)
        for line in (SHARED / "self_instruct" / "user_oriented_instructions.jsonl").open()
    ]
    out["negatives"]["self_instruct"] = sum(flagged(r["instruction"], "prompt") for r in si) / len(
        si
    )
    return out
