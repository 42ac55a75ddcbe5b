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
    from gateway.core.pipeline import Pipeline
    from gateway.core.policy import load_policy
    from gateway.core.scan_types import ScanRequest

    inp = tmp / "scan.jsonl"
    inp.write_text("".join(json.dumps(r) + "\n" for r in rows))
    # the streaming core (read, validate, secrets, exact dedup, write); model-backed
    # detectors have their own sections with their own anchors
    pipe = Pipeline(load_policy(ROOT / "fixtures" / "policies" / "no_models.toml"))
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
    from gateway.core.pipeline import Pipeline
    from gateway.core.policy import parse_policy
    from gateway.core.scan_types import ScanRequest
    from gateway.trust.keys import generate_keypair, load_signer
    from gateway.trust.manifest import DatasetRelease
    from gateway.trust.trusted import TrustStore
    from gateway.trust.verify import verify_output

    key, pub, _ = generate_keypair(tmp / "bench")
    inp = tmp / "verify.jsonl"
    inp.write_text("".join(json.dumps(r) + "\n" for r in rows))
    out = tmp / "verify-out"
    # verify hashes what a scan wrote; which detectors ran does not matter, so the scan
    # that makes the files runs the model-free policy
    import tomllib

    doc = tomllib.loads((ROOT / "fixtures" / "policies" / "no_models.toml").read_text())
    policy = parse_policy({**doc, "output": {"shard_max_rows": 20_000}})
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
    ap.add_argument("--pii-rows", type=int, default=600, help="rows for the PII speed anchors")
    ap.add_argument("--pii-synth", type=int, default=1000, help="generated PII examples to score")
    ap.add_argument(
        "--pii-clean", type=int, default=500, help="clean rows per instruction set (held-out half)"
    )
    ap.add_argument(
        "--pii-personal", type=int, default=480, help="generated personal messages (held-out seed)"
    )
    ap.add_argument("--dedup-rows", type=int, default=20_000, help="rows for MinHash vs datasketch")
    ap.add_argument(
        "--poison-rows", type=int, default=10_000, help="clean rows for the poisoning mixes"
    )
    ap.add_argument(
        "--full-rows", type=int, default=2000, help="alpaca rows for the every-detector scan (full)"
    )
    ap.add_argument(
        "--full-jailbreak-rows",
        type=int,
        default=1000,
        help="rows of long jailbreak prompts for the every-detector scan (full)",
    )
    ap.add_argument(
        "--full-no-reference",
        action="store_true",
        help="full: skip the second scan on the straightforward path (no agreement figures)",
    )
    ap.add_argument("--cache", type=Path, help="embedding cache folder, so reruns skip known texts")
    ap.add_argument(
        "--only",
        nargs="*",
        default=[],
        help="sections to run: scan full verify pii dedup injection poisoning service",
    )
    ap.add_argument("--json", action="store_true")
    ap.add_argument(
        "--isolate",
        action="store_true",
        help="run each section in its own process and report its peak memory (RSS)",
    )
    args = ap.parse_args()
    only = set(args.only) or {
        "scan",
        "full",
        "verify",
        "pii",
        "dedup",
        "injection",
        "poisoning",
        "service",
    }
    if not ALPACA.exists():
        sys.exit(f"{ALPACA} is missing: the bench reads the shared alpaca data")
    if args.isolate:
        return run_isolated(args, sorted(only))
    rows = alpaca_rows(args.rows)
    results: dict[str, Any] = {"device": args.device, "rows": args.rows}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if "scan" in only:
            results["scan"] = bench_scan(tmp, rows, args.device)
        if "verify" in only:
            results["verify"] = bench_verify(tmp, alpaca_rows(args.rows * 4))
    if "full" in only:
        from scripts import bench_full

        results["full"] = bench_full.run(
            args.full_rows, args.full_jailbreak_rows, args.device, not args.full_no_reference
        )
    if "pii" in only:
        from scripts import bench_pii

        results["pii"] = bench_pii.run(
            args.pii_rows, args.pii_synth, args.pii_clean, args.pii_personal
        )
    if "dedup" in only:
        from scripts import bench_dedup

        results["dedup"] = bench_dedup.run(args.dedup_rows, 2000, 3000)
    if "injection" in only:
        from scripts import bench_injection

        results["injection"] = bench_injection.run(cache=args.cache)
    if "service" in only:
        from scripts import bench_service

        results["service"] = bench_service.run(rows)
    if "poisoning" in only:
        from scripts import bench_poisoning

        results["poisoning"] = bench_poisoning.run(args.poison_rows, args.cache)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(f"device: {results['device']}   rows: {args.rows:,}")
    if "scan" in results:
        s = results["scan"]
        print(f"scan end to end              {s['end_to_end_rows_per_s']:>12,.0f} rows/s")
        for stage, rate in sorted(s["stage_rows_per_s"].items()):
            print(f"  stage {stage:<22} {rate:>12,.0f} rows/s")
    if "full" in results:
        from scripts import bench_full

        bench_full.report(results["full"])
    if "verify" in results:
        print_verify(results["verify"])
    if "pii" in results:
        print_pii(results["pii"])
    if "dedup" in results:
        print_dedup(results["dedup"])
    if "injection" in results:
        print_injection(results["injection"])
    if "poisoning" in results:
        print_poisoning(results["poisoning"])
    if "service" in results:
        v = results["service"]
        print(
            f"gateway on {v['rows']:,} rows: service {v['service_rows_per_s']:,.0f} rows/s, batch {v['batch_rows_per_s']:,.0f} rows/s; "
            f"overhead {v['overhead']:.1%} (goal < 15%)"
        )


def run_isolated(args: argparse.Namespace, sections: list[str]) -> None:
    """Each section in a child process; its peak RSS comes from wait4 on that child alone,
    so one section's memory is never charged to another."""
    import os

    passthrough = [
        "--rows",
        str(args.rows),
        "--device",
        args.device,
        "--pii-rows",
        str(args.pii_rows),
        "--pii-synth",
        str(args.pii_synth),
        "--pii-clean",
        str(args.pii_clean),
        "--pii-personal",
        str(args.pii_personal),
        "--dedup-rows",
        str(args.dedup_rows),
        "--poison-rows",
        str(args.poison_rows),
        "--full-rows",
        str(args.full_rows),
        "--full-jailbreak-rows",
        str(args.full_jailbreak_rows),
    ] + (["--full-no-reference"] if args.full_no_reference else [])
    passthrough += ["--cache", str(args.cache)] if args.cache else []
    merged: dict[str, Any] = {"device": args.device, "rows": args.rows, "peak_rss_mb": {}}
    for section in sections:
        proc = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--only",
                section,
                "--json",
                *passthrough,
            ],
            stdout=subprocess.PIPE,
            cwd=ROOT,
        )
        assert proc.stdout is not None
        out = proc.stdout.read()
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            sys.exit(f"section {section} failed (exit {proc.returncode})")
        doc = json.loads(out)
        merged[section] = doc.get(section)
        merged["peak_rss_mb"][section] = round(usage.ru_maxrss / 1024, 1)  # KiB on Linux
    if args.json:
        print(json.dumps(merged, indent=2))
        return
    print(f"device: {args.device}   rows: {args.rows:,}   (each section in its own process)")
    for section in sections:
        print(f"  peak memory, {section:<10} {merged['peak_rss_mb'][section]:>8,.0f} MB")
    if merged.get("scan"):
        print(
            f"scan end to end              {merged['scan']['end_to_end_rows_per_s']:>12,.0f} rows/s"
        )
    if merged.get("full"):
        from scripts import bench_full

        bench_full.report(merged["full"])
    if merged.get("service"):
        v = merged["service"]
        print(
            f"gateway overhead {v['overhead']:.1%} (service {v['service_rows_per_s']:,.0f} vs batch {v['batch_rows_per_s']:,.0f} rows/s)"
        )


def print_injection(r: dict[str, Any]) -> None:
    """Removed and flagged apart, per set: a flagged row is published, so it is no catch."""
    from scripts import bench_injection

    print("\n".join(bench_injection.report_lines(r)))


def print_poisoning(r: dict[str, Any]) -> None:
    print(
        f"poisoning, planted into {r['clean_rows']:,} clean alpaca rows (precision / recall / clean false-removal rate)"
    )
    for group in (
        "planted",
        "planted_without_dense_cluster",
        "backdoorllm",
        "backdoorllm_with_twins",
        "harmful_without_trigger",
    ):
        for k, v in r.get(group, {}).items():
            print(
                f"  {group:<29} {k:<30} P {v['precision']:.3f}  R {v['recall']:.3f}  false removal {v['false_removal']:.4f}  ({v['poisoned']} rows)"
                + "".join(f"  {s} {x:.2f}" for s, x in v.get("by_signal", {}).items())
            )
    if "scale_100k" in r:
        s = r["scale_100k"]
        print(
            f"  analyzer on {s['rows']:,} rows after embeddings: observe {s['observe_s']} s, finalize {s['finalize_s']} s (goal < 60 s)"
        )


def print_dedup(r: dict[str, Any]) -> None:
    n = r["near_speed"]
    print(
        f"near-dup MinHash+LSH on {n['rows']:,} alpaca rows: ours {n['rows_per_s']['ours']:,.0f} rows/s, "
        f"datasketch {n['rows_per_s']['datasketch']:,.0f}; ratio {n['ratio']:.1f}x (goal >= 10x); "
        f"pairs >= 0.8: ours {n['pairs']['ours']}, datasketch {n['pairs']['datasketch']}, both {n['pairs']['both']} "
        f"(agreement {n['agreement']:.2f}); against exact Jaccard on their union: "
        f"{n['exact_jaccard_check']['true_pairs_in_union']} true pairs, ours finds {n['exact_jaccard_check']['ours_true']}, "
        f"datasketch {n['exact_jaccard_check']['datasketch_true']}"
    )
    e = r["embed_speed"]
    best = max(e["plain_encode_rows_per_s"].values())
    print(
        f"embedding {e['rows']:,} rows: ours {e['ours_rows_per_s']:,.0f} rows/s, plain encode best {best:,.0f} "
        f"({e['ratio_to_best']:.2f} of it; goal within 10%)"
    )
    for name, q in r["quality"].items():
        kinds = ", ".join(f"{k} {v:.2f}" for k, v in q["recall_by_variant"].items())
        print(
            f"{name}-dup on alpaca + planted variants: recall {q['recall']:.3f}, false removals "
            f"{q['false_removals_on_originals']:.4f} ({kinds})"
        )


def print_pii(r: dict[str, Any]) -> None:
    s = r["speed"]
    rate = s["rows_per_s"]
    rec = s["redaction_recall_on_planted"]
    print(
        f"pii on {s['rows']} alpaca rows (every third with planted PII): ours {rate['ours']:,.0f} rows/s, "
        f"Presidio per-row {rate['presidio_per_row']:,.0f}, BatchAnalyzerEngine {rate['presidio_batch']:,.0f}; "
        f"ratios {s['ratio_vs_per_row']:.1f}x per-row (goal >= 5x), {s['ratio_vs_batch']:.1f}x batch (goal >= 2x)"
    )
    w = s["ner_workers"]
    print(
        f"  with ner_workers = {w}: {rate[f'ours_{w}_ner_workers']:,.0f} rows/s; ratios "
        f"{s['ratio_vs_per_row_with_workers']:.1f}x per-row, {s['ratio_vs_batch_with_workers']:.1f}x batch"
    )
    print(
        f"  redaction recall on planted spans: ours {rec['ours']:.3f}, per-row {rec['presidio_per_row']:.3f}, "
        f"batch {rec['presidio_batch']:.3f}"
    )
    print("  person names, exact spans: the name tagger vs spaCy sm vs their union (person_ner)")
    for name, res in r.get("names", {}).items():
        cells = "; ".join(
            f"{who} P/R/F1 {m['precision']:.3f}/{m['recall']:.3f}/{m['f1']:.3f}"
            for who, m in res.items()
        )
        print(f"    {name}: {cells}")
    for name, res in r["quality"].items():
        print(f"  quality on {name}:")
        print(f"    {'entity':<14} {'ours P/R/F1':>20} {'Presidio P/R/F1':>20} {'n':>6}")
        for ent, m in res["ours"]["per_entity"].items():
            b = res["presidio"]["per_entity"][ent]
            if m["support"] == 0:
                continue
            print(
                f"    {ent:<14} {m['precision']:.2f}/{m['recall']:.2f}/{m['f1']:.2f}".ljust(36)
                + f"{b['precision']:.2f}/{b['recall']:.2f}/{b['f1']:.2f}".rjust(20)
                + f"{m['support']:>7}"
            )
        for who in ("ours", "presidio"):
            o = res[who]
            print(
                f"    {who:<9} overall P/R/F1 {o['overall']['precision']:.3f}/{o['overall']['recall']:.3f}/"
                f"{o['overall']['f1']:.3f}; pattern recall typed {o['pattern_recall_typed']:.3f}, "
                f"redacted {o['pattern_recall_redacted']:.3f}; all-entity redaction recall {o['redaction_recall']:.3f}"
            )
    if "protection" in r:
        from scripts.bench_pii import print_protection

        print_protection(r["protection"])


def print_verify(v: dict[str, Any]) -> None:
    print(
        f"verify {v['bytes'] / 1e6:.0f} MB in {v['files']} files: {v['verify_s']:.3f}s in-process, "
        f"{v['verify_cli_s']:.3f}s CLI; sha256sum {v['sha256sum_s']:.3f}s; "
        f"ratio {v['ratio_verify_vs_sha256sum']:.2f}x "
        f"(CLI {v['ratio_verify_cli_vs_sha256sum']:.2f}x, goal <= 1.2x)"
    )


if __name__ == "__main__":
    main()
