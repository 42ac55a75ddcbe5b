"""Injection scanning measured on public sets it was not written or trained against.

    python -m scripts.bench_injection [--clean N] [--cache DIR] [--json]

Positives: jailbreak prompts (jailbreak_classification, type=jailbreak), BIPIA attack
strings planted into alpaca inputs (start, middle or end, as BIPIA builds its own
positives), and InjecGuard's labelled injections when valid.json is present. Negatives:
the benign half of jailbreak_classification (role-play prompts: hard negatives), the
same alpaca rows before planting, NotInject (benign prompts full of trigger words), and
ordinary instruction data (alpaca, code_alpaca, self_instruct, alpaca_zh) for false
removals. The classifier learns only from fixtures/injection_corpus.jsonl, which shares
no 8-word run with any of these sets (tests/test_corpus_overlap.py).

Each configuration (rules and decoders alone; rules plus classifier) runs with the
detector's default parameters, and every row is judged with the **default policy's
actions**: a row is *removed* when one of its findings drops it, *flagged* when it is
kept with a finding. A flagged row is not a catch: the headline is what the default
policy removes. (Zero-width and bidi characters, flagged presence findings, are left out
of both.)

The public positives are split in two, once and for good: a *dev* half whose misses we
may read to decide which tactics the rules and the corpus lack, and a *held-out* half
that nobody reads and that the goals are measured on. jailbreak_classification splits by
near-duplicate cluster (word 5-gram Jaccard >= 0.5, union-find), so variants of one
prompt stay on one side; so as not to read anything of the held-out half, a cluster is
held out only if every member was already in the old held-out half (a hash of each
prompt), and any cluster touching the old dev half goes to dev. BIPIA splits by attack
category (every other category in sorted order), so a held-out category is a tactic no
rule was written from. The clean sets' samples are the ones whose false positives we
read; alpaca and alpaca_zh also get a disjoint ``_heldout`` sample nobody has read
(code_alpaca and self_instruct are too small).

The classifier's second cut point (``InjectionParams.confident``) is chosen here, on
tuning data only (``choose_confident``): the read clean samples and the dev halves' benign
look-alikes. Held-out sets never enter that choice.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detectors.embeddings import EmbeddingEngine
from detectors.injection import CONFIDENT, InjectionParams, InjectionScorer
from detectors.injection_classifier import InjectionClassifier
from gateway.core.policy import DetectorPolicy, load_policy
from scripts.near_dup_clusters import near_duplicate_roots

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
ALPACA_ROLES = {"instruction": "prompt", "input": "context", "output": "response"}

Row = list[tuple[str, str]]  # (text, role) per training-text field
SPLITS = ("dev", "heldout")
PRESENCE = ("invisible.zero_width", "invisible.bidi")
CLASSIFIER_ALONE = ("classifier", CONFIDENT)


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
    halves = cluster_split([r["prompt"] for r in jb])
    for split in SPLITS:
        part = [r for r, h in zip(jb, halves, strict=True) if h == split]
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


def cluster_split(texts: list[str]) -> list[str]:
    """dev or heldout per text: a near-duplicate cluster is held out only if every member
    was in the old hash held-out half, so nothing already read moves to held-out."""
    roots = near_duplicate_roots(texts)
    touches_dev = {r for r, t in zip(roots, texts, strict=True) if _split_of_prompt(t) == "dev"}
    return ["dev" if r in touches_dev else "heldout" for r in roots]


@dataclass(frozen=True, slots=True)
class Outcome:
    """One row under the default policy."""

    removed: bool
    flagged: bool  # kept, with a finding
    rule_removed: bool  # removed by something other than the classifier alone
    classifier: float  # the highest classifier score of its fields that reached threshold


def default_actions() -> DetectorPolicy:
    return load_policy().detector("injection")


def row_outcomes(scorer: InjectionScorer, rows: list[Row], policy: DetectorPolicy) -> list[Outcome]:
    texts = [t for r in rows for t, _ in r]
    roles = [role for r in rows for _, role in r]
    owners = [k for k, r in enumerate(rows) for _ in r]
    verdicts = scorer.score(texts, roles, rows=owners)
    p = scorer.params
    out, k = [], 0
    for r in rows:
        removed = flagged = rule_removed = False
        top = 0.0
        for v in verdicts[k : k + len(r)]:
            for rid, _, _ in v.findings(p.threshold, p.confident if p.classifier else None):
                if rid in PRESENCE:
                    continue
                drops = policy.action_for(rid).action.quarantines
                removed |= drops
                flagged |= not drops
                rule_removed |= drops and rid not in CLASSIFIER_ALONE
            if v.classifier >= p.threshold:
                top = max(top, v.classifier)
        out.append(Outcome(removed, flagged and not removed, rule_removed, top))
        k += len(r)
    return out


def metrics(outcomes: list[Outcome], labels: list[int]) -> dict[str, float]:
    """Removed and flagged (kept) rows, among positives and among negatives separately."""
    pairs = list(zip(outcomes, labels, strict=True))
    pos, neg = sum(labels), len(labels) - sum(labels)
    out: dict[str, float] = {"rows": len(labels)}
    if pos:
        rem = sum(o.removed for o, y in pairs if y)
        flg = sum(o.flagged for o, y in pairs if y)
        fp_rem = sum(o.removed for o, y in pairs if not y)
        out |= {
            "attacks": pos,
            "removed": round(rem / pos, 4),
            "flagged": round(flg / pos, 4),
            "removed_or_flagged": round((rem + flg) / pos, 4),
            "removal_precision": round(rem / (rem + fp_rem), 4) if rem + fp_rem else 0.0,
        }
    if neg:
        out |= {
            "benign": neg,
            "false_removed": round(sum(o.removed for o, y in pairs if not y) / neg, 4),
            "false_flagged": round(sum(o.flagged for o, y in pairs if not y) / neg, 4),
        }
    return out


CLEAN = ("alpaca", "code_alpaca", "self_instruct", "alpaca_zh")
# benign look-alikes whose errors may be read (the dev halves; NotInject is unsplit, so
# counted as tuning, as docs/evaluation.md says)
LOOKALIKES_TUNING = ("jailbreak_classification_dev", "notinject")
CLEAN_GOAL = 0.005
LOOKALIKE_GOAL = 0.05


def _pooled(
    res: dict[str, Any], sets: dict[str, Any], keys: list[str], what: str, pos: bool
) -> float:
    n: list[int] = [sum(sets[k][1]) if pos else len(sets[k][1]) - sum(sets[k][1]) for k in keys]
    total = sum(float(res[k][what]) * m for k, m in zip(keys, n, strict=True))
    return round(total / max(1, sum(n)), 4)


def choose_confident(
    outcomes: dict[str, list[Outcome]],
    sets: dict[str, tuple[list[Row], list[int]]],
    threshold: float,
) -> dict[str, Any]:
    """The lowest classifier cut at which the default policy removes at most 0.5% of each
    read clean sample and of all of them together, and at most 5% of the benign rows of
    each tuning look-alike set. Only tuning sets are read."""

    def rates(cut: float) -> dict[str, float]:
        out = {}
        for name in (*CLEAN, *LOOKALIKES_TUNING):
            neg = [o for o, y in zip(outcomes[name], sets[name][1], strict=True) if not y]
            out[name] = sum(o.rule_removed or o.classifier >= cut for o in neg) / max(1, len(neg))
        n = {k: len(sets[k][1]) for k in CLEAN}
        out["clean_overall"] = sum(out[k] * n[k] for k in CLEAN) / sum(n.values())
        return out

    def ok(r: dict[str, float]) -> bool:
        return all(r[k] <= CLEAN_GOAL for k in (*CLEAN, "clean_overall")) and all(
            r[k] <= LOOKALIKE_GOAL for k in LOOKALIKES_TUNING
        )

    grid = [round(threshold + i * 0.005, 3) for i in range(round((1 - threshold) / 0.005) + 1)]
    table = {c: rates(c) for c in grid}
    chosen = next((c for c in grid if ok(table[c])), None)
    return {
        "chosen": chosen,
        "goals": {"clean": CLEAN_GOAL, "lookalikes": LOOKALIKE_GOAL},
        "removed_at": {
            str(c): {k: round(v, 4) for k, v in table[c].items()}
            for c in grid
            if round(c * 1000) % 50 == 0 or c == chosen
        },
    }


HEADLINE_SETS = {
    "heldout": (
        "jailbreak_classification_heldout",
        "bipia_planted_in_alpaca_heldout",
        "injecguard_valid",
    ),
    "dev": ("jailbreak_classification_dev", "bipia_planted_in_alpaca_dev"),
}


def run(n_clean: int = 2000, cache: Path | None = None) -> dict[str, Any]:
    sets = datasets(n_clean)
    params = InjectionParams()
    policy = default_actions()
    engine = EmbeddingEngine.get("cpu").session(cache)
    scorers = {
        "rules": InjectionScorer(InjectionParams(classifier=False), None, None),
        "rules+classifier": InjectionScorer(params, InjectionClassifier.load(), engine),
    }
    out: dict[str, Any] = {
        "threshold": params.threshold,
        "confident": params.confident,
        "clean_rows_per_set": n_clean,
        "jailbreak_classification_split": {
            k: {"rows": len(v[1]), "jailbreak": sum(v[1])}
            for k, v in sets.items()
            if k.startswith("jailbreak_classification_")
        },
    }
    for name, scorer in scorers.items():
        res: dict[str, Any] = {}
        outcomes = {k: row_outcomes(scorer, rows, policy) for k, (rows, _) in sets.items()}
        for set_name, (_, labels) in sets.items():
            res[set_name] = metrics(outcomes[set_name], labels)
        for split, names in HEADLINE_SETS.items():
            pos = [k for k in names if k in res]
            res[f"removed_public_injection_{split}"] = _pooled(res, sets, pos, "removed", True)
            res[f"flagged_public_injection_{split}"] = _pooled(res, sets, pos, "flagged", True)
            # removed or flagged: what earlier versions of this bench called recall
            res[f"recall_public_injection_{split}"] = _pooled(
                res, sets, pos, "removed_or_flagged", True
            )
        clean = list(CLEAN)
        res["false_removed_instruction_data"] = _pooled(res, sets, clean, "false_removed", False)
        res["false_flagged_instruction_data"] = _pooled(res, sets, clean, "false_flagged", False)
        res["fpr_instruction_data"] = round(
            res["false_removed_instruction_data"] + res["false_flagged_instruction_data"], 4
        )
        unseen = [k for k in res if k.endswith("_heldout") and k.split("_heldout")[0] in CLEAN]
        if unseen:
            res["false_removed_instruction_data_heldout"] = _pooled(
                res, sets, unseen, "false_removed", False
            )
            res["false_flagged_instruction_data_heldout"] = _pooled(
                res, sets, unseen, "false_flagged", False
            )
        if scorer.classifier is not None:
            res["confident_choice"] = choose_confident(outcomes, sets, params.threshold)
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


def report_lines(r: dict[str, Any]) -> list[str]:
    """What a person reads: removed and flagged, per set, under the default policy."""
    lines = [
        f"injection, default policy: threshold {r['threshold']} (classifier flagged), confident"
        f" cut {r['confident']} (classifier dropped); clean sets {r['clean_rows_per_set']:,} rows each",
        "  jailbreak_classification split by near-duplicate cluster: "
        + ", ".join(
            f"{k.rsplit('_', 1)[1]} {v['rows']} rows ({v['jailbreak']} jailbreaks)"
            for k, v in r["jailbreak_classification_split"].items()
        ),
    ]
    for name in ("rules", "rules+classifier"):
        m = r[name]
        lines.append(
            f"  {name}: removed by the default policy over the held-out public injection sets"
            f" {m['removed_public_injection_heldout']:.3f} (goal >= 0.90; flagged and kept"
            f" {m['flagged_public_injection_heldout']:.3f}; dev half removed"
            f" {m['removed_public_injection_dev']:.3f}); clean instruction rows removed"
            f" {m['false_removed_instruction_data']:.4f} (goal <= 0.005), flagged"
            f" {m['false_flagged_instruction_data']:.4f}"
        )
        for k, v in m.items():
            if not isinstance(v, dict) or k == "confident_choice":
                continue
            cells = []
            if "attacks" in v:
                cells.append(
                    f"attacks {v['attacks']}: removed {v['removed']:.3f}, flagged {v['flagged']:.3f}"
                )
            if "benign" in v:
                cells.append(
                    f"benign {v['benign']}: removed {v['false_removed']:.4f}, flagged {v['false_flagged']:.4f}"
                )
            lines.append(f"    {k:<34} {'; '.join(cells)}")
        if "confident_choice" in m:
            c = m["confident_choice"]
            lines.append(
                f"    confident cut on tuning data: lowest meeting the goals = {c['chosen']}"
            )
            for cut, row in c["removed_at"].items():
                at = ", ".join(f"{k} {v:.4f}" for k, v in row.items())
                lines.append(f"      at {cut}: {at}")
    lines.append(
        f"  rules+decoders {r['rules_rows_per_s']:,.0f} rows/s; embedding step {r['embed_rows_per_s']:,.0f} rows/s; "
        f"detector with classifier, given embeddings, {r['detector_with_classifier_rows_per_s']:,.0f} rows/s"
    )
    return lines


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--clean", type=int, default=2000)
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    a = ap.parse_args()
    result = run(a.clean, a.cache)
    print(json.dumps(result, indent=1) if a.json else "\n".join(report_lines(result)))
