"""Garbage answers: planted garbage removed, clean rows kept, by the outlier detector's
per-row rules (the default policy's actions), without the embedding model.

Clean rows come from several public sets in ``../shared/data`` (read in place): Alpaca,
Code Alpaca, Alpaca-zh, Self-Instruct (seed and user-oriented), ShareGPT conversations,
MT-bench, and BIPIA's code and e-mail contexts (tracebacks, hashes and ids in context).
Each set is split in two halves by a hash of the row's text: the *dev* half fixed the
thresholds (detectors/outliers.py), the *held-out* half is what is reported.

Garbage answers come from :func:`garbage_answer` (seeded; written before anything was
measured): long runs with no space ("hahaha…"), random printable strings, keyboard mash
and repeated syllables, each planted as the answer of a clean row of the same half.

    .venv/bin/python -m scripts.bench_garbage [--rows 1500] [--half dev|held_out]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import string
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from detectors.base import SEGMENT_SCHEMA, ScanContext
from detectors.outliers import OutlierDetector, OutlierParams
from detectors.row_vectors import EMBEDDING

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
Row = list[tuple[str, str, str]]  # (field, role, text)

# ------------------------------------------------------------------ clean rows


def _inst(r: dict[str, Any]) -> Row:
    out = [("instruction", "prompt", r["instruction"])]
    if r.get("input"):
        out.append(("input", "context", r["input"]))
    out.append(("output", "response", r["output"]))
    return out


def _load(name: str) -> list[Row]:
    d = SHARED
    if name in ("alpaca", "code_alpaca", "alpaca_zh"):
        path = {
            "alpaca": d / "alpaca" / "alpaca_data.json",
            "code_alpaca": d / "code_alpaca" / "code_alpaca_2k.json",
            "alpaca_zh": d / "alpaca_zh" / "alpaca_data-0-3252_zh.json",
        }[name]
        return [_inst(r) for r in json.loads(path.read_text())]
    if name == "self_instruct":
        rows = []
        for f in ("seed_tasks.jsonl", "user_oriented_instructions.jsonl"):
            for line in (d / "self_instruct" / f).read_text().splitlines():
                r = json.loads(line)
                for inst in r["instances"]:
                    rows.append(_inst({"instruction": r["instruction"], **inst}))
        return rows
    if name == "sharegpt":
        rows = []
        for c in json.loads((d / "chat_sharegpt" / "dummy_conversation.json").read_text()):
            turns = c["conversations"]
            rows.append(
                [
                    (
                        f"conversations[{i}].value",
                        "prompt" if t["from"] == "human" else "response",
                        t["value"],
                    )
                    for i, t in enumerate(turns)
                    if t["value"]
                ]
            )
        for line in (d / "chat_sharegpt" / "mt_bench_question.jsonl").read_text().splitlines():
            r = json.loads(line)
            rows.append([(f"turns[{i}]", "prompt", t) for i, t in enumerate(r["turns"])])
        return rows
    if name == "bipia":
        rows = []
        for line in (d / "bipia" / "code_train.jsonl").read_text().splitlines():
            r = json.loads(line)
            rows.append(
                [
                    ("error", "context", "\n".join(r["error"])),
                    ("code", "context", "\n".join(r["code"])),
                    ("context", "context", "\n".join(r["context"])),
                ]
            )
        for line in (d / "bipia" / "email_train.jsonl").read_text().splitlines():
            r = json.loads(line)
            rows.append(
                [("context", "context", r["context"]), ("question", "prompt", r["question"])]
            )
        return [[f for f in row if f[2]] for row in rows]
    raise KeyError(name)


SETS = ("alpaca", "code_alpaca", "alpaca_zh", "self_instruct", "sharegpt", "bipia")


def half_of(row: Row) -> str:
    h = hashlib.sha256("\x1f".join(t for _, _, t in row).encode()).digest()[0]
    return "dev" if h % 2 == 0 else "held_out"


def clean_rows(half: str, per_set: int, seed: int = 7) -> list[tuple[str, Row]]:
    """Up to ``per_set`` rows of each set's ``half``, sampled with ``seed``."""
    out: list[tuple[str, Row]] = []
    for name in SETS:
        rows = [r for r in _load(name) if r and half_of(r) == half]
        rng = random.Random(f"{seed}:{name}")
        pick = rng.sample(rows, min(per_set, len(rows)))
        out.extend((name, r) for r in pick)
    return out


# ------------------------------------------------------------------ garbage

KINDS = ("no_space_run", "random_printable", "keyboard_mash", "repeated_syllables")
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_SYLLABLES = ("ha", "he", "hi", "lo", "la", "bla", "lol", "na", "da", "ya", "meh", "xd", "ah")


def garbage_answer(rng: random.Random, kind: str) -> str:
    """One garbage answer of ``kind`` (the generator the figures were measured with)."""
    if kind == "no_space_run":
        unit = rng.choice(
            [rng.choice(_SYLLABLES), "".join(rng.choice(string.ascii_lowercase) for _ in range(3))]
        )
        n = rng.randrange(150, 4000)
        text = (unit * (n // len(unit) + 1))[:n]
        if rng.random() < 0.5:  # a run of random letters instead of one unit
            text = "".join(rng.choice(string.ascii_letters) for _ in range(rng.randrange(150, 900)))
        return text
    if kind == "random_printable":
        alphabet = string.ascii_letters + string.digits + string.punctuation
        if rng.random() < 0.5:
            alphabet += " " * 8  # spaces now and then
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(80, 1000)))
    if kind == "keyboard_mash":
        words = []
        for _ in range(rng.randrange(3, 40)):
            row = rng.choice(_ROWS)
            if rng.random() < 0.6:  # a stretch along one row of keys
                a = rng.randrange(len(row) - 2)
                w = row[a : a + rng.randrange(3, len(row) - a + 1)]
                if rng.random() < 0.5:
                    w = w[::-1]
            else:  # keys hit at random
                w = "".join(rng.choice("".join(_ROWS)) for _ in range(rng.randrange(3, 14)))
            words.append(w * rng.choice((1, 1, 1, 2)))
        sep = rng.choice([" ", "", " ", ";", "\n"])
        return sep.join(words)
    if kind == "repeated_syllables":
        units = rng.sample(_SYLLABLES, rng.randrange(1, 4))
        n = rng.randrange(30, 600)
        sep = rng.choice([" ", "", "-", " "])
        return sep.join(rng.choice(units) * rng.randrange(1, 4) for _ in range(n))
    raise KeyError(kind)


def planted(clean: list[tuple[str, Row]], n: int, seed: int = 11) -> list[tuple[str, Row]]:
    """``n`` clean rows with their answer (last response, or last field) replaced by garbage."""
    rng = random.Random(seed)
    out = []
    for k in range(n):
        kind = KINDS[k % len(KINDS)]
        _, row = rng.choice(clean)
        row = list(row)
        idx = max((i for i, f in enumerate(row) if f[1] == "response"), default=len(row) - 1)
        fld, role, _ = row[idx]
        row[idx] = (fld, "response" if role != "context" else role, garbage_answer(rng, kind))
        out.append((kind, row))
    return out


# ------------------------------------------------------------------ running the rules


def segments(rows: list[Row]) -> pa.RecordBatch:
    recs = [
        {"row": i, "row_id": f"b:{i}", "field": f, "role": role, "text": t}
        for i, row in enumerate(rows)
        for f, role, t in row
    ]
    seg = pa.RecordBatch.from_pylist(recs, schema=SEGMENT_SCHEMA)
    zeros = np.zeros((seg.num_rows, 8), dtype=np.float32)  # no model: isolation not measured
    col = pa.FixedSizeListArray.from_arrays(pa.array(zeros.ravel(), pa.float32()), 8)
    return seg.append_column(EMBEDDING, col)


def verdicts(rows: list[Row], params: OutlierParams | None = None) -> list[dict[str, str]]:
    """Per row: rule -> action under the default policy, from the outlier detector."""
    det = OutlierDetector(params)
    state = det.start(ScanContext())
    found = state.observe(segments(rows)) + state.finalize()
    actions = {r: d.action for r, d in det.info.defaults.items()}
    out: list[dict[str, str]] = [{} for _ in rows]
    for f in found:
        out[f.row][f.rule] = actions[f.rule]
    return out


def measure(half: str, per_set: int, n_garbage: int) -> dict[str, Any]:
    clean = clean_rows(half, per_set)
    garbage = planted(clean, n_garbage)
    rows = [r for _, r in clean] + [r for _, r in garbage]
    v = verdicts(rows)
    removed = [any(a == "drop" for a in x.values()) for x in v]
    flagged = [bool(x) and not rm for x, rm in zip(v, removed, strict=True)]
    nc = len(clean)
    by_set: dict[str, Counter[str]] = {}
    for k, (name, _) in enumerate(clean):
        c = by_set.setdefault(name, Counter())
        c["rows"] += 1
        c["removed"] += removed[k]
        c["flagged"] += flagged[k]
        for rule in v[k]:
            c[rule] += 1
    by_kind: dict[str, Counter[str]] = {}
    for k, (kind, _) in enumerate(garbage):
        c = by_kind.setdefault(kind, Counter())
        c["rows"] += 1
        c["removed"] += removed[nc + k]
        c["flagged"] += flagged[nc + k]
    return {
        "half": half,
        "clean_rows": nc,
        "clean_removed": sum(removed[:nc]) / nc,
        "clean_flagged": sum(flagged[:nc]) / nc,
        "garbage_rows": len(garbage),
        "garbage_removed": sum(removed[nc:]) / len(garbage),
        "garbage_flagged_only": sum(flagged[nc:]) / len(garbage),
        "clean_by_set": {k: dict(c) for k, c in by_set.items()},
        "garbage_by_kind": {k: dict(c) for k, c in by_kind.items()},
        "clean_removed_examples": [
            (clean[k][0], sorted(v[k]), clean[k][1][-1][2][:160]) for k in range(nc) if removed[k]
        ][:20],
        "garbage_kept_examples": [
            (garbage[k][0], garbage[k][1][-1][2][:120])
            for k in range(len(garbage))
            if not removed[nc + k]
        ][:20],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=500, help="clean rows per set")
    ap.add_argument("--garbage", type=int, default=400)
    ap.add_argument("--half", choices=("dev", "held_out"), default="held_out")
    args = ap.parse_args()
    print(json.dumps(measure(args.half, args.rows, args.garbage), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
