#!/usr/bin/env python3
"""Throughput per stage and end to end, beside anchors measured in the same run.

    .venv/bin/python scripts/bench.py [--rows N] [--device cpu|cuda] [--json]

Absolute times on shared machines are noise; the ratios printed in one run are the
evidence. Reads ../shared/data/alpaca; writes only under a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ALPACA = ROOT.parent / "shared" / "data" / "alpaca" / "alpaca_data.json"


def best_of(n: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def alpaca_rows(n: int) -> list[dict[str, str]]:
    base = json.loads(ALPACA.read_text())
    rows = []
    k = 0
    while len(rows) < n:
        for r in base:
            if len(rows) == n:
                break
            rows.append(r if k == 0 else {**r, "instruction": f"{r['instruction']} [{k}]"})
        k += 1
    return rows


def bench_scan(tmp: Path, rows: list[dict[str, str]], device: str) -> dict[str, Any]:
    from gateway.core.pipeline import Pipeline, ScanRequest
    from gateway.core.policy import load_policy

    inp = tmp / "scan.jsonl"
    inp.write_text("".join(json.dumps(r) + "\n" for r in rows))
    pipe = Pipeline(load_policy())
    pipe.setup(device)
    t = time.perf_counter()
    res = pipe.scan(ScanRequest(inputs=[inp], out=tmp / "scan-out", device=device))
    wall = time.perf_counter() - t
    stages = {k: len(rows) / v for k, v in res.report["timings_s"].items() if v > 0}
    return {
        "rows": len(rows),
        "end_to_end_rows_per_s": len(rows) / wall,
        "stage_rows_per_s": stages,
    }


def bench_verify(tmp: Path, rows: list[dict[str, str]]) -> dict[str, Any]:
    from gateway.core.pipeline import Pipeline, ScanRequest
    from gateway.core.policy import parse_policy
    from gateway.trust.keys import generate_keypair, load_signer
    from gateway.trust.manifest import DatasetRelease
    from gateway.trust.trusted import TrustStore
    from gateway.trust.verify import verify_output

    key, pub, _ = generate_keypair(tmp / "bench")
    inp = tmp / "verify.jsonl"
    inp.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp / "verify-out"
    policy = parse_policy({"output": {"shard_max_rows": 20_000}})
    Pipeline(policy).scan(
        ScanRequest(
            inputs=[inp],
            out=out,
            device="cpu",
            release=DatasetRelease("bench/verify", "1", 1),
            signer=load_signer(key),
        )
    )
    files = sorted(
        str(p) for p in out.rglob("*") if p.is_file() and p.name != "manifest.intoto.jsonl"
    )
    size = sum(Path(f).stat().st_size for f in files)
    trust = TrustStore.from_public_keys([pub])
    t_verify = best_of(5, lambda: verify_output(out, trust))
    t_sha = best_of(
        5, lambda: subprocess.run(["sha256sum", *files], check=True, capture_output=True)
    )
    t_cli = best_of(
        3,
        lambda: subprocess.run(
            [sys.executable, "-m", "gateway", "verify", str(out), "--key", str(pub)],
            check=True,
            capture_output=True,
        ),
    )
    return {
        "bytes": size,
        "files": len(files),
        "verify_s": t_verify,
        "verify_cli_s": t_cli,
        "sha256sum_s": t_sha,
        "ratio_verify_vs_sha256sum": t_verify / t_sha,
        "ratio_verify_cli_vs_sha256sum": t_cli / t_sha,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=52_002)
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not ALPACA.exists():
        sys.exit(f"{ALPACA} is missing: the bench reads the shared alpaca data")
    rows = alpaca_rows(args.rows)
    results: dict[str, Any] = {"device": args.device, "rows": args.rows}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        results["scan"] = bench_scan(tmp, rows, args.device)
        results["verify"] = bench_verify(tmp, alpaca_rows(args.rows * 4))
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"device: {results['device']}   rows: {args.rows:,}")
    s = results["scan"]
    print(f"scan end to end              {s['end_to_end_rows_per_s']:>12,.0f} rows/s")
    for stage, rate in sorted(s["stage_rows_per_s"].items()):
        print(f"  stage {stage:<22} {rate:>12,.0f} rows/s")
    v = results["verify"]
    print(
        f"verify {v['bytes'] / 1e6:.0f} MB in {v['files']} files: {v['verify_s']:.3f}s in-process, "
        f"{v['verify_cli_s']:.3f}s CLI; sha256sum {v['sha256sum_s']:.3f}s; "
        f"ratio {v['ratio_verify_vs_sha256sum']:.2f}x "
        f"(CLI {v['ratio_verify_cli_vs_sha256sum']:.2f}x, goal <= 1.2x)"
    )


if __name__ == "__main__":
    main()
