"""The whole firewall against the one model pass nothing can avoid (issue 21).

In one process, on each input: the full default scan (every detector on, default policy,
no embedding cache) and plain ``SentenceTransformer.encode`` (fp32, best of batch sizes
32/64/128) of exactly the distinct segment texts that scan embeds, with their ratio,
where the scan's time went, and the agreement of its verdicts with the straightforward
path: the same scan over an encoder that does what the engine used to do (tokenise to
count truncation, then ``SentenceTransformer.encode`` call by call).

Inputs, read in place from ``../shared/data``: alpaca rows, and rows of long prompts
(jailbreak_classification train split as instructions, alpaca outputs as responses).
"""

from __future__ import annotations

import csv
import json
import re
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"
JAILBREAK = SHARED / "jailbreak_classification" / "jailbreak_dataset_train_balanced.csv"
BATCH_SIZES = (32, 64, 128)

from scripts.bench import ALPACA, alpaca_rows  # noqa: E402 - after the path above


def jailbreak_rows(n: int) -> list[dict[str, str]]:
    """Long prompts as instructions, each with an alpaca output as its response."""
    with JAILBREAK.open(newline="", encoding="utf-8") as f:
        prompts = [r["prompt"] for r in csv.DictReader(f)]
    outputs = [r["output"] for r in json.loads(ALPACA.read_text())]
    rows = []
    for i in range(n):
        k, j = divmod(i, len(prompts))
        prompt = prompts[j] if k == 0 else f"{prompts[j]} [{k}]"
        rows.append({"instruction": prompt, "input": "", "output": outputs[i % len(outputs)]})
    return rows


class Metered:
    """An encoder as the scan sees it, timed and counted: how many texts reached the
    model, in how many calls, and the seconds spent there."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.digest = inner.digest
        self.max_tokens = inner.max_tokens
        self.device = inner.device
        self.texts = 0
        self.calls = 0
        self.seconds = 0.0
        self.seen: list[str] = []  # every text sent, for counting word pieces after the scan
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> tuple[np.ndarray, int]:
        t = time.perf_counter()
        out = self.inner.encode(texts)
        with self._lock:
            self.seconds += time.perf_counter() - t
            self.texts += len(texts)
            self.calls += 1
            self.seen += texts
        return out  # type: ignore[no-any-return]


class PlainEncoder:
    """What the engine did before issue 21: tokenise every text in full to count those
    cut to the window, then ``SentenceTransformer.encode`` tokenises them again and
    sorts only within the call. The straightforward path the bench checks against."""

    def __init__(self, engine: Any) -> None:
        self.model = engine.model
        self.digest = engine.digest
        self.max_tokens = engine.max_tokens
        self.device = engine.device

    def encode(self, texts: list[str]) -> tuple[np.ndarray, int]:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32), 0
        lengths = self.model.tokenizer(
            texts, add_special_tokens=True, truncation=False, verbose=False
        )["input_ids"]
        vecs = self.model.encode(
            texts,
            batch_size=64,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        cut = sum(len(ids) > self.max_tokens for ids in lengths)
        return np.asarray(vecs, dtype=np.float32), cut


@contextmanager
def segment_texts() -> Iterator[dict[str, None]]:
    """Records, in first-seen order, the distinct text of every segment a scan gives
    vectors to (the redacted text it publishes and, where a rewrite changed it, the raw
    text): the rows' own texts, which is what plain encode is timed on. Pieces that
    detectors embed besides (windows, sentences, answer openings) are the scan's own
    cost and are not counted."""
    from gateway.core import row_stage

    seen: dict[str, None] = {}
    original = row_stage._with_vectors

    def with_vectors(segments: pa.RecordBatch, vectors: np.ndarray) -> pa.RecordBatch:
        seen.update(dict.fromkeys(t for t in segments.column("text").to_pylist() if t))
        return original(segments, vectors)

    with mock.patch.object(row_stage, "_with_vectors", with_vectors):
        yield seen


def verdicts(out: Path) -> dict[str, tuple[str, tuple[tuple[object, ...], ...]]]:
    """Row id -> (split, its findings as written), from a scan's output folder."""
    got: dict[str, tuple[str, tuple[tuple[object, ...], ...]]] = {}
    for split in ("clean", "quarantine"):
        for path in sorted((out / split).glob("*.parquet")):
            table = pq.read_table(path)
            cols = [
                c
                for c in table.column_names
                if c.startswith("tunegate_") and c != "tunegate_row_id"
            ]
            ids = table.column("tunegate_row_id").to_pylist()
            data = {c: table.column(c).to_pylist() for c in cols}
            for i, rid in enumerate(ids):
                items: list[tuple[object, ...]] = []
                for c in cols:
                    v = data[c][i]
                    if isinstance(v, list):
                        items += [
                            (c, *sorted(x.items())) if isinstance(x, dict) else (c, x) for x in v
                        ]
                    elif v is not None:
                        items.append((c, repr(v)))
                got[rid] = (split, tuple(sorted(items, key=repr)))
    return got


_NUMBER = re.compile(r"-?\d+\.\d+")


def same_finding(a: tuple[object, ...], b: tuple[object, ...]) -> bool:
    """Equal, but for float noise: a batch of other lengths moves a vector by ~1e-7, so
    scores may differ by that much, and numbers printed in evidence by one last digit."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        if isinstance(x, tuple) and isinstance(y, tuple):
            if not same_finding(x, y):
                return False
        elif isinstance(x, float) and isinstance(y, float):
            if abs(x - y) > 1e-5:
                return False
        elif isinstance(x, str) and isinstance(y, str):
            if _NUMBER.split(x) != _NUMBER.split(y):
                return False
            nx, ny = _NUMBER.findall(x), _NUMBER.findall(y)
            if any(abs(float(p) - float(q)) > 0.0015 for p, q in zip(nx, ny, strict=True)):
                return False
        elif x != y:
            return False
    return True


def same_row(
    a: tuple[str, tuple[tuple[object, ...], ...]] | None,
    b: tuple[str, tuple[tuple[object, ...], ...]] | None,
) -> bool:
    if a is None or b is None or a[0] != b[0] or len(a[1]) != len(b[1]):
        return a == b
    return same_finding(a[1], b[1])


def agreement(
    ours: dict[str, tuple[str, tuple[tuple[object, ...], ...]]],
    ref: dict[str, tuple[str, tuple[tuple[object, ...], ...]]],
) -> dict[str, Any]:
    """Row by row: the same split; every finding the same (rule, field, action, evidence,
    score to 1e-5); and bit for bit, float noise included."""
    rows = sorted(set(ours) | set(ref))
    same_split = sum(ours.get(r, ("?",))[0] == ref.get(r, ("!",))[0] for r in rows)
    same_all = [same_row(ours.get(r), ref.get(r)) for r in rows]
    exact = sum(ours.get(r) == ref.get(r) for r in rows)
    differ = [r for r, ok in zip(rows, same_all, strict=True) if not ok]
    return {
        "rows": len(rows),
        "split_agreement": same_split / max(1, len(rows)),
        "finding_agreement": sum(same_all) / max(1, len(rows)),
        "bitwise_agreement": exact / max(1, len(rows)),
        "differing_rows": differ[:10],
        "first_difference": [ours.get(differ[0]), ref.get(differ[0])] if differ else None,
        "quarantined": sum(v[0] == "quarantine" for v in ours.values()),
        "rows_with_findings": sum(bool(v[1]) for v in ours.values()),
    }


def scan_once(rows_path: Path, out: Path, encoder: Any, device: str) -> dict[str, Any]:
    from gateway.core.pipeline import Pipeline
    from gateway.core.policy import parse_policy
    from gateway.core.scan_types import ScanRequest

    metered = Metered(encoder)
    pipe = Pipeline(parse_policy({}), encoder=metered)
    pipe.setup(device)  # the detectors' own models (classifiers, spaCy) load here
    with segment_texts() as seen:
        t = time.perf_counter()
        res = pipe.scan(ScanRequest(inputs=[rows_path], out=out, device=device))
        wall = time.perf_counter() - t
    timings = {k: round(v, 3) for k, v in res.report["timings_s"].items() if v > 0}
    return {
        "wall_s": wall,
        "stage_seconds": timings,
        "model_s": metered.seconds,
        "model_texts": metered.texts,
        "model_calls": metered.calls,
        "model_text_list": metered.seen,
        "segments": list(seen),
        "verdicts": verdicts(out),
    }


def plain_encode(model: Any, texts: list[str]) -> dict[str, float]:
    """Seconds of plain ``SentenceTransformer.encode`` at each batch size (one pass each,
    after one warm-up call)."""
    model.encode(texts[:64], batch_size=32, show_progress_bar=False)
    out = {}
    for b in BATCH_SIZES:
        t = time.perf_counter()
        model.encode(
            texts,
            batch_size=b,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        out[str(b)] = time.perf_counter() - t
    return out


def word_pieces(engine: Any, texts: list[str]) -> dict[str, int]:
    """Word pieces of ``texts``, counted after the timed runs: each cut to the model's
    window (what plain encode reads of a segment, or the scan's model of its texts), and
    whole. Model time grows with pieces, so plain encode's pieces over all of the
    segments' pieces bounds the ratio of any scan that reads every piece once."""
    lengths = [
        len(x)
        for x in engine.model.tokenizer(
            texts, add_special_tokens=True, truncation=False, verbose=False
        )["input_ids"]
    ]
    return {
        "window": sum(min(n, engine.max_tokens) for n in lengths),
        "whole": sum(lengths),
    }


def run_input(
    tmp: Path, name: str, rows: list[dict[str, str]], device: str, reference: bool
) -> dict[str, Any]:
    from detectors.embeddings import EmbeddingEngine

    engine = EmbeddingEngine.get(device)
    path = tmp / f"{name}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    # a first small scan pays for what loads lazily (detectors' models, first calls)
    # before anything is timed, as in a gateway that has run a scan before
    warm = tmp / f"{name}-warm.jsonl"
    warm.write_text("".join(json.dumps(r) + "\n" for r in rows[:20]))
    scan_once(warm, tmp / f"{name}-warm", engine, device)
    ours = scan_once(path, tmp / f"{name}-out", engine, device)
    plain = plain_encode(engine.model, ours["segments"])
    best = min(plain.values())
    result: dict[str, Any] = {
        "rows": len(rows),
        "segments_embedded": len(ours["segments"]),
        "scan_s": round(ours["wall_s"], 2),
        "scan_rows_per_s": len(rows) / ours["wall_s"],
        "plain_encode_s": {k: round(v, 2) for k, v in plain.items()},
        "plain_encode_rows_per_s": len(rows) / best,
        "ratio_scan_to_plain": best / ours["wall_s"],
        "model_s": round(ours["model_s"], 2),
        "model_texts": ours["model_texts"],
        "model_calls": ours["model_calls"],
        "stage_seconds": ours["stage_seconds"],
    }
    pieces = word_pieces(engine, ours["segments"])
    result["pieces_plain"] = pieces["window"]
    result["pieces_segments_whole"] = pieces["whole"]
    result["pieces_scan_model"] = word_pieces(engine, ours["model_text_list"])["window"]
    if reference:
        ref = scan_once(path, tmp / f"{name}-ref", PlainEncoder(engine), device)
        result["reference"] = {
            "scan_s": round(ref["wall_s"], 2),
            "scan_rows_per_s": len(rows) / ref["wall_s"],
            "ratio_scan_to_plain": best / ref["wall_s"],
            "model_s": round(ref["model_s"], 2),
            "model_texts": ref["model_texts"],
            "stage_seconds": ref["stage_seconds"],
        }
        result["agreement"] = agreement(ours["verdicts"], ref["verdicts"])
    return result


def run(
    alpaca_n: int = 2000, jailbreak_n: int = 1000, device: str = "cpu", reference: bool = True
) -> dict[str, Any]:
    import tempfile

    from detectors.embeddings import EmbeddingEngine

    t = time.perf_counter()
    EmbeddingEngine.get(device)
    load_s = time.perf_counter() - t
    out: dict[str, Any] = {"device": device, "model_load_s": round(load_s, 2)}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        if alpaca_n:
            out["alpaca"] = run_input(tmp, "alpaca", alpaca_rows(alpaca_n), device, reference)
        if jailbreak_n:
            out["jailbreak"] = run_input(
                tmp, "jailbreak", jailbreak_rows(jailbreak_n), device, reference
            )
    return out


def report(r: dict[str, Any]) -> None:
    print(
        f"full default scan vs plain SentenceTransformer.encode, device {r['device']} "
        f"(model load {r['model_load_s']:.1f} s, once per process)"
    )
    for name in ("alpaca", "jailbreak"):
        if name not in r:
            continue
        x = r[name]
        plain = ", ".join(f"batch {k} {v:.1f} s" for k, v in x["plain_encode_s"].items())
        print(
            f"  {name}: {x['rows']:,} rows, {x['segments_embedded']:,} segments embedded; scan "
            f"{x['scan_s']:.1f} s = {x['scan_rows_per_s']:,.1f} rows/s; plain encode {plain} "
            f"(best {x['plain_encode_rows_per_s']:,.1f} rows/s); ratio {x['ratio_scan_to_plain']:.2f} (goal >= 1.0)"
        )
        print(
            f"    model: {x['model_texts']:,} texts in {x['model_calls']} calls, {x['model_s']:.1f} s"
        )
        if "pieces_plain" in x:
            print(
                f"    word pieces: plain encode {x['pieces_plain']:,} (each segment cut to the "
                f"window); every piece of the segments {x['pieces_segments_whole']:,} (a scan "
                f"that reads each once can reach at most ratio "
                f"{x['pieces_plain'] / max(1, x['pieces_segments_whole']):.2f}); the scan's "
                f"model {x['pieces_scan_model']:,}"
            )
        top = sorted(x["stage_seconds"].items(), key=lambda kv: -kv[1])[:10]
        print("    stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in top))
        if "reference" in x:
            ref, agr = x["reference"], x["agreement"]
            print(
                f"    straightforward path: scan {ref['scan_s']:.1f} s ({ref['scan_rows_per_s']:,.1f} rows/s, "
                f"ratio {ref['ratio_scan_to_plain']:.2f}); model {ref['model_texts']:,} texts, {ref['model_s']:.1f} s"
            )
            top = sorted(ref["stage_seconds"].items(), key=lambda kv: -kv[1])[:10]
            print("      stages: " + ", ".join(f"{k} {v:.1f}s" for k, v in top))
            print(
                f"    agreement with it on {agr['rows']:,} rows: split {agr['split_agreement']:.4f}, "
                f"every finding {agr['finding_agreement']:.4f}, bit for bit {agr['bitwise_agreement']:.4f} "
                f"({agr['quarantined']} quarantined, "
                f"{agr['rows_with_findings']} with findings)"
                + (f"; differing rows {agr['differing_rows']}" if agr["differing_rows"] else "")
            )
