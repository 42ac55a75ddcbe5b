"""Abusive answers judged row by row, on data split into dev and held-out halves.

    python -m scripts.bench_abuse --half dev|heldout|heldout2 [--cache FILE] [--grid] [--show 20]

The sets are ``scripts/abuse_sets.py``'s, fixed before any figure was read: abusive
answers and their look-alikes written for tunegate (even templates dev, odd heldout),
BackdoorLLM's negsentiment backdoor rows ("You are stupid!"), and clean answers (alpaca,
code_alpaca, self_instruct, alpaca_zh, BackdoorLLM's clean twins, FastChat's chats). The
``abusive_answer`` detector runs with its default parameters; under the default policy
``abusive_answer`` is removed and ``possibly_abusive_answer`` flagged (kept), and both are
printed per set, with the number of sentences it embedded beyond the answers (its cost).
Then the removed clean and look-alike rows and the missed abusive ones, for a person to
read. ``--grid`` prints removal over cut points (for choosing them on dev only).
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path
from typing import Any

from detectors.abusive_answer import AbusiveAnswerDetector, AbusiveAnswerParams, Judgement
from detectors.base import ScanContext, SetupContext
from detectors.embeddings import EmbeddingEngine
from scripts import abuse_sets as ab
from scripts.bench_harmful import CachedEmbedder
from scripts.bench_poisoning import segments

Row = dict[str, Any]


class CountingEmbedder(CachedEmbedder):
    """Counts the texts the detector asks for beyond the answers the scan embeds anyway."""

    asked = 0

    def embed(self, texts: list[str]) -> Any:
        self.asked += len(texts)
        return super().embed(texts)


def sets(half: str) -> dict[str, list[Row]]:
    out = {
        "abusive (written)": ab.abusive(half),
        "negsentiment backdoor": ab.negsentiment(half),
        "look-alikes (written)": ab.lookalike(half),
    }
    out = {k: v for k, v in out.items() if v}  # heldout2 has no negsentiment rows
    for name, rows in ab.clean_sets(half).items():
        out[f"clean/{name}"] = rows
    return out


def judge(det: AbusiveAnswerDetector, rows: list[Row], emb: CountingEmbedder) -> list[Judgement]:
    batch = segments(rows, engine=emb)
    emb.asked = 0
    return det.judge(batch, ScanContext(device=emb.device, embedder=emb))


def rates(js: list[Judgement], p: AbusiveAnswerParams) -> tuple[set[int], set[int]]:
    removed = {j.row for j in js if j.score >= p.drop_at}
    flagged = {j.row for j in js if p.flag_at <= j.score < p.drop_at} - removed
    return removed, flagged


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    ap.add_argument("--half", choices=("dev", "heldout", "heldout2"), required=True)
    ap.add_argument("--cache", type=Path, default=None, help="a pickle of embeddings to reuse")
    ap.add_argument("--grid", action="store_true")
    ap.add_argument("--show", type=int, default=20)
    args = ap.parse_args()

    emb = CountingEmbedder(EmbeddingEngine.get("cpu"), args.cache)
    det = AbusiveAnswerDetector()
    det.setup(SetupContext(device="cpu"))
    p = det.params
    data = sets(args.half)
    judged: dict[str, list[Judgement]] = {}
    print(f"abusive_answer, default parameters {p}, half={args.half}")
    print(
        f"{'set':34} {'rows':>6} {'removed':>8} {'rate':>7} {'flagged':>8} {'rate':>7} {'embeds':>7}"
    )
    for name, rows in data.items():
        if not rows:
            continue
        t = time.time()
        judged[name] = judge(det, rows, emb)
        removed, flagged = rates(judged[name], p)
        n = len(rows)
        print(
            f"{name:34} {n:6d} {len(removed):8d} {len(removed) / n:7.4f} "
            f"{len(flagged):8d} {len(flagged) / n:7.4f} {emb.asked:7d}   ({time.time() - t:.0f}s)",
            flush=True,
        )
    emb.save()
    clean = [k for k in data if k.startswith("clean/")]
    n = sum(len(data[k]) for k in clean)
    r = sum(len(rates(judged[k], p)[0]) for k in clean)
    f = sum(len(rates(judged[k], p)[1]) for k in clean)
    print(f"{'all clean':34} {n:6d} {r:8d} {r / n:7.4f} {f:8d} {f / n:7.4f}")

    if args.grid:
        print("\ngrid (removed share; clean pooled):")
        for floor in (-1.0, 0.0, 1.0, 2.0, 3.0):
            q0 = dataclasses.replace(p, lexical_floor=floor)
            d2 = AbusiveAnswerDetector(q0)
            d2._head = det.head()
            regrid = {}
            asked = 0
            for k in data:
                regrid[k] = judge(d2, data[k], emb)
                asked += emb.asked if k in clean else 0
            for drop_at in (0.7, 0.8, 0.85, 0.9, 0.93, 0.95, 0.97):
                q = dataclasses.replace(q0, drop_at=drop_at, flag_at=min(p.flag_at, drop_at))
                cr = sum(len(rates(regrid[k], q)[0]) for k in clean)
                cells = " ".join(
                    f"{k.split(' ')[0][:10]}={len(rates(regrid[k], q)[0]) / len(data[k]):.3f}"
                    for k in data
                    if not k.startswith("clean/")
                )
                print(
                    f"floor={floor} drop={drop_at} clean={cr / n:.4f} ({cr}) {cells} clean embeds {asked}"
                )

    for label, keys, want in (
        ("removed clean and look-alike rows", [*clean, "look-alikes (written)"], True),
        ("abusive rows kept", ["abusive (written)", "negsentiment backdoor"], False),
    ):
        print(f"\n{label} (up to {args.show}):")
        shown = 0
        for name in keys:
            if name not in judged:
                continue
            removed, _ = rates(judged[name], p)
            scores = {j.row: j for j in judged[name]}
            for i, row in enumerate(data[name]):
                if (i in removed) == want and shown < args.show:
                    j = scores.get(i)
                    where = f"p={j.score:.2f} piece={j.piece[:90]!r}" if j else "not judged"
                    print(f"  [{name}] {where}\n      output={row['output'][:150]!r}")
                    shown += 1
        if shown == 0:
            print("  none")


if __name__ == "__main__":
    main()
