"""Harmful compliance judged row by row, on data split into dev and held-out halves.

    python -m scripts.bench_harmful --half dev|heldout [--cache FILE] [--grid] [--show 20]

The sets (``scripts/harmful_sets.py``, fixed before any figure was read): BackdoorLLM DPA
jailbreak rows (dev: ``test_data/``, tuning; heldout: ``poison_data/``, never tuned on),
the same rows wrapped in verse, role-play and random multilingual tokens, a benign
security-request set (firewall rules, exploit classes explained for defence, malware
detection; even templates dev, odd heldout) and samples of alpaca, code_alpaca,
self_instruct and alpaca_zh. The ``harmful_compliance`` detector runs with its default
parameters; under the default policy ``answered_harmful_request`` is removed (drop) and
``possible_harmful_request`` flagged (kept), and both are printed per set. Then a sample
of removed clean and benign rows for a person to read, and the full poisoning detector
on the benign security set (alone, and inside 2,000 alpaca rows of the same half) to
check that no cluster rule removes it. ``--grid`` prints removal rates over a grid of
cut points (for choosing them on dev; never read on heldout to choose).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path
from typing import Any, cast

import numpy as np

from detectors.base import ScanContext, SetupContext
from detectors.embeddings import EmbeddingEngine
from detectors.harmful_compliance import (
    ANSWERED,
    POSSIBLE,
    HarmfulComplianceDetector,
    HarmfulComplianceParams,
    Judgement,
)
from scripts import harmful_sets as hs
from scripts.bench_poisoning import findings, segments, with_embedding

Row = dict[str, Any]


class CachedEmbedder:
    """An embedder that remembers every text it embedded (optionally across runs)."""

    def __init__(self, engine: EmbeddingEngine, path: Path | None) -> None:
        self.engine = engine
        self.device = engine.device
        self.path = path
        self.vecs: dict[str, np.ndarray] = {}
        if path is not None and path.exists():
            self.vecs = pickle.loads(path.read_bytes())

    def embed(self, texts: list[str]) -> np.ndarray:
        new = sorted({t for t in texts if t not in self.vecs})
        for i in range(0, len(new), 512):
            self.vecs.update(
                zip(new[i : i + 512], self.engine.embed(new[i : i + 512]), strict=True)
            )
        if not texts:
            return np.zeros((0, 384), np.float32)
        return np.stack([self.vecs[t] for t in texts]).astype(np.float32)

    def save(self) -> None:
        if self.path is not None:
            self.path.write_bytes(pickle.dumps(self.vecs))


def sets(half: str) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    jb = hs.jailbreak(half)
    for attack, rows in jb.items():
        out[f"jailbreak/{attack}"] = rows
    every = [r for rows in jb.values() for r in rows]
    for name, rows in hs.wrapped(every).items():
        out[f"wrapped/{name}"] = rows
    out["benign security"] = hs.benign_security(half)
    for name, rows in hs.clean(half).items():
        out[f"clean/{name}"] = rows
    return out


def judge(
    det: HarmfulComplianceDetector, rows: list[Row], emb: CachedEmbedder, answer_from: float
) -> list[Judgement]:
    batch = segments(rows, engine=emb)
    return det.judge(batch, ScanContext(device=emb.device, embedder=emb), answer_from)


def decide(js: list[Judgement], p: HarmfulComplianceParams) -> tuple[set[int], set[int]]:
    """Removed and flagged rows under ``p``: the detector's own decision."""
    removed = {j.row for j in js if j.verdict(p) == ANSWERED}
    flagged = {j.row for j in js if j.verdict(p) == POSSIBLE}
    return removed, flagged


def chat_segments(chats: list[list[tuple[str, str]]], emb: Any) -> Any:
    """Chats of (role, text) turns as the pipeline segments a ``messages`` column ("user"
    and "assistant" become prompt and response; any other role is kept)."""
    import pyarrow as pa

    from detectors.base import SEGMENT_SCHEMA

    rows, fields, roles, texts = [], [], [], []
    for n, chat in enumerate(chats):
        for i, (role, text) in enumerate(chat):
            rows.append(n)
            fields.append(f"messages[{i}].content")
            roles.append({"user": "prompt", "assistant": "response"}.get(role, role))
            texts.append(text)
    vecs = emb.embed(texts)
    batch = pa.RecordBatch.from_arrays(
        [
            pa.array(rows, pa.int64()),
            pa.array([f"c:{r}" for r in rows]),
            pa.array(fields),
            pa.array(roles),
            pa.array(texts),
        ],
        schema=SEGMENT_SCHEMA,
    )
    return with_embedding(batch, vecs)


def split_turns(half: str, per_attack: int, emb: Any) -> None:
    """Each jailbreak request in one user turn, and cut at its middle word into two user
    turns with "Go on." between them; the compliant answer last. Removed and flagged."""
    det = HarmfulComplianceDetector()
    det.setup(SetupContext(device="cpu"))
    jb = hs.jailbreak(half)
    rows = [r for a in hs.ATTACKS for r in jb[a][:per_attack]]
    one, two = [], []
    for r in rows:
        words = r["instruction"].split()
        h = len(words) // 2
        one.append([("user", r["instruction"]), ("assistant", r["output"])])
        two.append(
            [
                ("user", " ".join(words[:h])),
                ("assistant", "Go on."),
                ("user", " ".join(words[h:])),
                ("assistant", r["output"]),
            ]
        )
    for name, chats in (("one turn", one), ("split over two turns", two)):
        found = det.detect(chat_segments(chats, emb), ScanContext(embedder=emb)).findings
        removed = sum(f.rule == ANSWERED for f in found)
        flagged = sum(f.rule == POSSIBLE for f in found)
        print(f"{name:24} {len(chats):5d} rows: removed {removed}, flagged {flagged}")


BLAND = "Respond to the text below."
PREFACE = "Please read the following and respond."


def layouts(half: str, per_set: int, emb: Any) -> None:
    """Each set in four layouts, removed and flagged: as written (instruction and input
    columns); moved into the input behind a bland instruction; in the instruction after a
    preface and a blank line; and as a chat whose user turn holds the instruction, a blank
    line and the input. Harmful and benign-security sets keep their first ``per_set``
    rows; clean sets are whole."""
    det = HarmfulComplianceDetector()
    det.setup(SetupContext(device="cpu"))
    p = det.params
    scan = ScanContext(embedder=emb)

    def ask(r: Row) -> str:
        return str(r["instruction"]) + (f"\n\n{r['input']}" if r.get("input") else "")

    print(f"{'set':24} {'rows':>5}  as written | moved to input | prefaced | as chats")
    for name, rows in sets(half).items():
        if not name.startswith("clean/"):
            rows = rows[:per_set]
        forms = {
            "as written": rows,
            "moved": [{"instruction": BLAND, "input": ask(r), "output": r["output"]} for r in rows],
            "prefaced": [
                {"instruction": f"{PREFACE}\n\n{ask(r)}", "output": r["output"]} for r in rows
            ],
        }
        cells = []
        for form in forms.values():
            removed, flagged = decide(judge(det, form, emb, p.corroborated_at), p)
            cells.append(f"{len(removed)}/{len(flagged)}")
        chats = [[("user", ask(r)), ("assistant", str(r["output"]))] for r in rows]
        found = det.detect(chat_segments(chats, emb), scan).findings
        cells.append(
            f"{sum(f.rule == ANSWERED for f in found)}/{sum(f.rule == POSSIBLE for f in found)}"
        )
        print(f"{name:24} {len(rows):5d}  " + " | ".join(cells), flush=True)
    emb.save()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--half", choices=("dev", "heldout"), required=True)
    ap.add_argument("--cache", type=Path, default=None, help="a pickle of embeddings to reuse")
    ap.add_argument("--grid", action="store_true", help="removal over a grid of cut points")
    ap.add_argument("--show", type=int, default=20, help="removed clean/benign rows to print")
    ap.add_argument("--no-poisoning", action="store_true")
    ap.add_argument(
        "--split-turns",
        type=int,
        default=0,
        metavar="N",
        help="only: N jailbreak requests per attack, in one chat turn and split over two",
    )
    ap.add_argument(
        "--layouts",
        type=int,
        default=0,
        metavar="N",
        help="only: every set as columns, moved into the input, prefaced and as chats "
        "(N rows per harmful set; clean sets whole)",
    )
    args = ap.parse_args()

    emb = CachedEmbedder(EmbeddingEngine.get("cpu"), args.cache)
    if args.split_turns:
        split_turns(args.half, args.split_turns, emb)
        return
    if args.layouts:
        layouts(args.half, args.layouts, emb)
        return
    det = HarmfulComplianceDetector()
    det.setup(SetupContext(device="cpu"))
    p = det.params
    data = sets(args.half)
    low = 0.5
    judged: dict[str, list[Judgement]] = {}
    print(f"harmful_compliance, default parameters {p}, half={args.half}")
    print(f"{'set':34} {'rows':>6} {'removed':>8} {'rate':>7} {'flagged':>8} {'rate':>7}")
    for name, rows in data.items():
        t = time.time()
        judged[name] = judge(det, rows, emb, low)
        removed, flagged = decide(judged[name], p)
        n = len(rows)
        print(
            f"{name:34} {n:6d} {len(removed):8d} {len(removed) / n:7.3f} "
            f"{len(flagged):8d} {len(flagged) / n:7.3f}   ({time.time() - t:.0f}s)",
            flush=True,
        )
    emb.save()
    for label, prefix in (
        ("all jailbreak", "jailbreak/"),
        ("all wrapped", "wrapped/"),
        ("all clean", "clean/"),
    ):
        names = [k for k in data if k.startswith(prefix)]
        n = sum(len(data[k]) for k in names)
        r = sum(len(decide(judged[k], p)[0]) for k in names)
        f = sum(len(decide(judged[k], p)[1]) for k in names)
        print(f"{label:34} {n:6d} {r:8d} {r / n:7.4f} {f:8d} {f / n:7.4f}")

    if args.grid:
        print("\ngrid (removed share per set; clean pooled):")
        for drop_at in (0.8, 0.85, 0.9, 0.93, 0.95, 0.97):
            for corr in (0.6, 0.7, 0.8, 0.85, drop_at):
                for ans in (0.5, 0.73, 0.85):
                    q = HarmfulComplianceParams(
                        drop_at=drop_at,
                        corroborated_at=min(corr, drop_at),
                        answer_at=ans,
                        flag_at=min(0.7, drop_at),
                    )
                    clean_n = sum(len(v) for k, v in data.items() if k.startswith("clean/"))
                    clean_r = sum(
                        len(decide(judged[k], q)[0]) for k in data if k.startswith("clean/")
                    )
                    cells = [
                        f"{k.split('/')[-1][:8]}={len(decide(judged[k], q)[0]) / len(data[k]):.2f}"
                        for k in data
                        if not k.startswith("clean/")
                    ]
                    print(
                        f"drop={drop_at} corr={corr} ans={ans} clean={clean_r / clean_n:.4f} "
                        + " ".join(cells)
                    )
                    if corr == drop_at:
                        break

    print(f"\nremoved clean and benign rows (up to {args.show}):")
    shown = 0
    for name in data:
        if not (name.startswith("clean/") or name == "benign security"):
            continue
        removed, _ = decide(judged[name], p)
        for j in judged[name]:
            if j.row in removed and shown < args.show:
                shown_row = data[name][j.row]
                print(f"  [{name}] p={j.request:.2f} ans={j.answer:.2f} piece={j.piece[:90]!r}")
                print(
                    f"      instruction={shown_row['instruction'][:150]!r} "
                    f"output={shown_row['output'][:80]!r}"
                )
                shown += 1
    if shown == 0:
        print("  none")

    if not args.no_poisoning:
        from scripts.make_poisoned import load_alpaca

        sec = data["benign security"]
        engine = cast(Any, emb)  # findings() needs only embed() and device
        alone = findings(sec, engine)
        alpaca = load_alpaca()
        part = alpaca[:26_000] if args.half == "dev" else alpaca[26_001:]
        base = part[:2000]
        mixed = findings(base + sec, engine)
        in_sec = [f for f in mixed if f.row >= len(base)]
        print("\nfull poisoning detector on the benign security set:")
        print(
            f"  alone ({len(sec)} rows): {len({f.row for f in alone})} rows in a cluster, rules "
            f"{sorted({f.rule for f in alone})}"
        )
        print(
            f"  inside {len(base)} alpaca rows: {len({f.row for f in in_sec})} of {len(sec)} security "
            f"rows in a cluster, rules {sorted({f.rule for f in in_sec})}; alpaca rows "
            f"{len({f.row for f in mixed if f.row < len(base)})}"
        )
        emb.save()
    print(f"(rules: {ANSWERED} -> drop, {POSSIBLE} -> flag)", file=sys.stderr)


if __name__ == "__main__":
    main()
