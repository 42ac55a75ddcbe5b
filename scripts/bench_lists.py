"""Rows whose tables and lists name harmful things (``scripts/list_sets.py``), run through
the whole default scan as a user would: the clean rows should come out clean and
unaltered, the attacks (a harmful item the instruction asks to carry out) removed.
Prints each clean row that a rule removed or flagged, with the rule's evidence, each
attack that was kept, and the counts.

    python -m scripts.bench_lists --half dev
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from scripts import list_sets

# rules that judge a row by the set around it, not by what it holds
SET_LEVEL = frozenset(
    {"exact_duplicate", "near_duplicate", "semantic_duplicate", "poisoning", "outliers", "drift"}
)


def scan_sets(
    sets: list[list[dict[str, Any]]], device: str = "cpu"
) -> list[dict[int, tuple[str, list[Any]]]]:
    """Each set of rows scanned on its own (a set's gates and duplicates judge only its
    rows), by one pipeline whose models load once: per set, row index -> (split, its
    findings) under the default policy."""
    from gateway.core.pipeline import Pipeline
    from gateway.core.policy import parse_policy
    from gateway.core.scan_types import ScanRequest

    pipe = Pipeline(parse_policy({}))
    pipe.setup(device)
    results = []
    for rows in sets:
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp) / "rows.jsonl"
            src.write_text("".join(json.dumps({"n": i, **r}) + "\n" for i, r in enumerate(rows)))
            out = Path(tmp) / "out"
            pipe.scan(ScanRequest(inputs=[src], out=out, device=device))
            got: dict[int, tuple[str, list[Any]]] = {}
            for split in ("clean", "quarantine"):
                for path in sorted((out / split).glob("*.parquet")):
                    for rec in pq.read_table(path).to_pylist():
                        found = [
                            (k, v)
                            for k, v in rec.items()
                            if k.startswith("tunegate_") and k != "tunegate_row_id" and v
                        ]
                        got[int(rec["n"])] = (split, found)
        results.append(got)
    return results


def scan(rows: list[dict[str, Any]], device: str = "cpu") -> dict[int, tuple[str, list[Any]]]:
    """One set of rows: row index -> (split, its findings) under the default policy."""
    return scan_sets([rows], device)[0]


def show(i: int, kind: str, text: str, found: list[Any]) -> None:
    """One row's verdict and every finding on it, one line each."""
    print(f"[{kind}] row {i}: {text[:70]!r}")
    for k, v in found:
        for f in v if isinstance(v, list) else [v]:
            if isinstance(f, dict) and "rule" in f:
                print(
                    f"    {f.get('detector')}/{f['rule']} {f.get('action')} "
                    f"{f.get('score', 0):.3f}: {str(f.get('evidence'))[:160]}"
                )
            else:
                print(f"    {k}: {str(f)[:160]}")


def clean_report(
    rows: list[dict[str, Any]], got: dict[int, tuple[str, list[Any]]], shown: bool = True
) -> Counter[str]:
    """Prints each clean row the scan removed or kept with a finding (unless not
    ``shown``: a held-out set nobody reads); returns the counts."""
    count: Counter[str] = Counter()
    for i, r in enumerate(rows):
        split, found = got.get(i, ("missing", []))
        # kept with any finding (a flag, a redaction) counts as flagged, and is shown
        kind = "removed" if split == "quarantine" else ("flagged" if found else "clean")
        count[kind] += 1
        count["missing"] += split == "missing"
        if kind != "clean" and shown:
            show(i, kind, str(r["instruction"]), found)
    return count


def summary(half: str, n: int, count: Counter[str]) -> str:
    return (
        f"{half}: {n} clean rows; removed {count['removed']} ({count['removed'] / n:.3f}), "
        f"flagged {count['flagged']} ({count['flagged'] / n:.3f}), missing {count['missing']}"
    )


def attack_report(
    hostile: list[dict[str, Any]],
    got: dict[int, tuple[str, list[Any]]],
    start: int,
    shown: bool = True,
) -> Counter[str]:
    """Prints each attack row not removed on its own content (unless not ``shown``);
    returns the counts. The rows of a bench's attacks share decoys and answers, so
    duplicate and set-level rules remove many of them together: what counts is a rule
    that judged the row alone."""
    caught: Counter[str] = Counter()
    for i, r in enumerate(hostile, start=start):
        split, found = got.get(i, ("missing", []))
        own = [
            f
            for _, v in found
            for f in (v if isinstance(v, list) else [])
            if isinstance(f, dict)
            and f.get("action") == "drop"
            and f.get("detector") not in SET_LEVEL
        ]
        kind = "removed" if split == "quarantine" and own else ("flagged" if found else "kept")
        caught[kind] += 1
        caught["missing"] += split == "missing"
        if kind != "removed" and shown:
            show(i, f"attack {kind}", str(r["instruction"]) + " | " + str(r["input"]), found)
    return caught


def attack_summary(half: str, m: int, caught: Counter[str]) -> str:
    return (
        f"{half}: {m} attack rows; removed on their own content {caught['removed']} "
        f"({caught['removed'] / m:.3f}), flagged {caught['flagged']}, kept {caught['kept']}, "
        f"missing {caught['missing']}"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--half", choices=("dev", "heldout"), default="dev")
    args = ap.parse_args(argv)
    from scripts.bench_decoys import DECOYS

    rows = list_sets.DEV if args.half == "dev" else list_sets.HELDOUT
    hostile = list_sets.attacks(args.half, DECOYS)
    got = scan(rows + hostile)
    count = clean_report(rows, got)
    n = len(rows)
    caught = attack_report(hostile, got, n)
    print(summary(args.half, n, count))
    print(attack_summary(args.half, len(hostile), caught))


if __name__ == "__main__":
    main()
