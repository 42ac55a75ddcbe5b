"""Clean rows whose tables and lists name harmful things (``scripts/list_sets.py``), run
through the whole default scan as a user would: every row should come out clean and
unaltered. Prints each row that a rule removed or flagged, with the rule's evidence, and
the counts.

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


def scan(rows: list[dict[str, Any]], device: str = "cpu") -> dict[int, tuple[str, list[Any]]]:
    """Row index -> (split, its findings) under the default policy."""
    from gateway.core.pipeline import Pipeline
    from gateway.core.policy import parse_policy
    from gateway.core.scan_types import ScanRequest

    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "rows.jsonl"
        src.write_text("".join(json.dumps({"n": i, **r}) + "\n" for i, r in enumerate(rows)))
        out = Path(tmp) / "out"
        pipe = Pipeline(parse_policy({}))
        pipe.setup(device)
        pipe.scan(ScanRequest(inputs=[src], out=out, device=device))
        got: dict[int, tuple[str, list[Any]]] = {}
        for split in ("clean", "quarantine"):
            for path in sorted((out / split).glob("*.parquet")):
                table = pq.read_table(path).to_pylist()
                for rec in table:
                    found = [
                        (k, v)
                        for k, v in rec.items()
                        if k.startswith("tunegate_") and k != "tunegate_row_id" and v
                    ]
                    got[int(rec["n"])] = (split, found)
    return got


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--half", choices=("dev", "heldout"), default="dev")
    args = ap.parse_args(argv)
    rows = list_sets.DEV if args.half == "dev" else list_sets.HELDOUT
    got = scan(rows)
    count: Counter[str] = Counter()
    for i, r in enumerate(rows):
        split, found = got.get(i, ("missing", []))
        altered = any(k == "tunegate_pii" or "redact" in k for k, _ in found)
        kind = "removed" if split == "quarantine" else ("flagged" if found else "clean")
        count[kind] += 1
        count["missing"] += split == "missing"
        if kind != "clean" or altered:
            print(f"[{kind}] row {i}: {r['instruction'][:70]!r}")
            for k, v in found:
                for f in v if isinstance(v, list) else [v]:
                    if isinstance(f, dict) and "rule" in f:
                        print(
                            f"    {f.get('detector')}/{f['rule']} {f.get('action')} "
                            f"{f.get('score', 0):.3f}: {str(f.get('evidence'))[:160]}"
                        )
                    else:
                        print(f"    {k}: {str(f)[:160]}")
    n = len(rows)
    print(
        f"{args.half}: {n} clean rows; removed {count['removed']} ({count['removed'] / n:.3f}), "
        f"flagged {count['flagged']} ({count['flagged'] / n:.3f}), missing {count['missing']}"
    )


if __name__ == "__main__":
    main()
