"""PII: speed against plain Presidio, and precision/recall per entity on labelled spans.

Used by scripts/bench.py. Anchors: per-row ``AnalyzerEngine.analyze`` and Presidio's own
``BatchAnalyzerEngine``, both with the same pinned spaCy model, default recognizers and
default score threshold, measured in the same run on the same rows.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pyarrow as pa

from detectors.base import SEGMENT_SCHEMA, SetupContext
from detectors.models import SPACY_EN_CORE_WEB_SM
from detectors.pii import PiiDetector, PiiParams
from scripts.pii_synth import Example, generate

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
PATTERN = ("EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "US_SSN", "IBAN_CODE", "IP_ADDRESS")
EVAL = ("PERSON", "LOCATION", *PATTERN)
PRESIDIO_LABELS = {"GPE": "LOCATION", "LOCATION": "LOCATION", "PERSON": "PERSON"} | {
    e: e for e in PATTERN
}


def plain_presidio() -> Any:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    from detectors.pii import _offline_tldextract

    _offline_tldextract()
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    root, _ = SPACY_EN_CORE_WEB_SM.verify()
    conf = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": str(root)}]}
    nlp = NlpEngineProvider(nlp_configuration=conf).create_engine()
    return AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])


def segments(texts: list[str]) -> pa.RecordBatch:
    n = len(texts)
    return pa.RecordBatch.from_arrays(
        [
            pa.array(range(n), pa.int64()),
            pa.array([str(i) for i in range(n)]),
            pa.array(["text"] * n),
            pa.array(["text"] * n),
            pa.array(texts),
        ],
        schema=SEGMENT_SCHEMA,
    )


def ours(det: PiiDetector, texts: list[str]) -> list[list[tuple[int, int, str]]]:
    spans = det.find(texts, ["text"] * len(texts), ["text"] * len(texts))
    return [[(s.start, s.end, s.entity) for s in ss] for ss in spans]


def presidio_spans(engine: Any, texts: list[str]) -> list[list[tuple[int, int, str]]]:
    from presidio_analyzer import BatchAnalyzerEngine

    out = BatchAnalyzerEngine(analyzer_engine=engine).analyze_iterator(
        texts, language="en", batch_size=64
    )
    return [[(r.start, r.end, r.entity_type) for r in rs] for rs in out]


def score(
    gold: list[list[tuple[int, int, str]]], pred: list[list[tuple[int, int, str]]]
) -> dict[str, Any]:
    """Typed span P/R/F1 per entity (overlap match), and redaction recall (gold chars covered)."""
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    covered = total = 0
    pcov = ptot = 0
    for g_spans, p_spans in zip(gold, pred, strict=True):
        g_spans = [g for g in g_spans if g[2] in EVAL]
        p_spans = [p for p in p_spans if p[2] in EVAL]
        for p in p_spans:
            if any(g[2] == p[2] and g[0] < p[1] and p[0] < g[1] for g in g_spans):
                tp[p[2]] += 1
            else:
                fp[p[2]] += 1
        for g in g_spans:
            if not any(g[2] == p[2] and g[0] < p[1] and p[0] < g[1] for p in p_spans):
                fn[g[2]] += 1
            chars = set(range(g[0], g[1]))
            hit = chars & {c for p in p_spans for c in range(p[0], p[1])}
            total += 1
            covered += len(hit) >= 0.9 * len(chars)
            if g[2] in PATTERN:
                ptot += 1
                pcov += len(hit) >= 0.9 * len(chars)
    per = {}
    for e in EVAL:
        p = tp[e] / (tp[e] + fp[e]) if tp[e] + fp[e] else 0.0
        r = tp[e] / (tp[e] + fn[e]) if tp[e] + fn[e] else 0.0
        per[e] = {
            "precision": p,
            "recall": r,
            "f1": 2 * p * r / (p + r) if p + r else 0.0,
            "support": tp[e] + fn[e],
        }
    pattern_tp = sum(tp[e] for e in PATTERN)
    pattern_fn = sum(fn[e] for e in PATTERN)
    all_tp, all_fp, all_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    p = all_tp / (all_tp + all_fp) if all_tp + all_fp else 0.0
    r = all_tp / (all_tp + all_fn) if all_tp + all_fn else 0.0
    return {
        "per_entity": per,
        "overall": {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0},
        "pattern_recall_typed": pattern_tp / (pattern_tp + pattern_fn)
        if pattern_tp + pattern_fn
        else 0.0,
        "pattern_recall_redacted": pcov / ptot if ptot else 0.0,
        "redaction_recall": covered / total if total else 0.0,
    }


def presidio_research_set() -> tuple[list[str], list[list[tuple[int, int, str]]]]:
    path = SHARED / "presidio_pii" / "synth_dataset_v2.json"
    rows = json.loads(path.read_text())
    texts = [r["full_text"] for r in rows]
    gold = [
        [
            (s["start_position"], s["end_position"], PRESIDIO_LABELS[s["entity_type"]])
            for s in r["spans"]
            if s["entity_type"] in PRESIDIO_LABELS
        ]
        for r in rows
    ]
    return texts, gold


def quality(det: PiiDetector, engine: Any, n_synth: int) -> dict[str, Any]:
    out = {}
    synth: list[Example] = generate(n_synth, seed=11)
    sets = {"tunegate_synth": ([e.text for e in synth], [e.spans for e in synth])}
    if (SHARED / "presidio_pii").exists():
        sets["presidio_research_synth_v2"] = presidio_research_set()
    for name, (texts, gold) in sets.items():
        out[name] = {
            "ours": score(gold, ours(det, texts)),
            "presidio": score(gold, presidio_spans(engine, texts)),
        }
    return out


def planted_alpaca(
    n: int, seed: int = 3
) -> tuple[list[dict[str, str]], list[list[tuple[int, int, str]]]]:
    """Alpaca rows with a generated PII passage as the input of every third row."""
    rows = json.loads((SHARED / "alpaca" / "alpaca_data.json").read_text())
    rng = random.Random(seed)
    picked = rng.sample(rows, n)
    synth = generate(n, seed=seed)
    gold: list[list[tuple[int, int, str]]] = []
    for i, r in enumerate(picked):
        if i % 3 == 0:
            r = {**r, "input": synth[i].text}
            gold.append(synth[i].spans)
        else:
            gold.append([])
        picked[i] = r
    return picked, gold


def speed(det: PiiDetector, engine: Any, n: int) -> dict[str, Any]:
    from presidio_analyzer import BatchAnalyzerEngine

    rows, gold = planted_alpaca(n)
    fields = ("instruction", "input", "output")
    t = time.perf_counter()
    per_row_pred: list[list[tuple[int, int, str]]] = []
    for r in rows:
        res = engine.analyze(r["input"], language="en") if r["input"] else []
        for f in ("instruction", "output"):
            if r[f]:
                engine.analyze(r[f], language="en")
        per_row_pred.append([(x.start, x.end, x.entity_type) for x in res])
    t_row = time.perf_counter() - t

    batch = BatchAnalyzerEngine(analyzer_engine=engine)
    t = time.perf_counter()
    batch_pred = []
    for f in fields:
        res = list(batch.analyze_iterator([r[f] for r in rows], language="en", batch_size=64))
        if f == "input":
            batch_pred = [[(x.start, x.end, x.entity_type) for x in rs] for rs in res]
    t_batch = time.perf_counter() - t

    texts = [r[f] for r in rows for f in fields if r[f]]
    t = time.perf_counter()
    for i in range(0, len(texts), 2048):
        det.detect(segments(texts[i : i + 2048]))  # find + anonymize, as in a scan
    t_ours = time.perf_counter() - t
    # the same detector with NER in two worker processes (policy: ner_workers = 2); the
    # pool starts and loads its models before the clock runs, as a scan's setup does
    workers = 2
    det2 = PiiDetector(PiiParams(ner_workers=workers))
    det2.setup(SetupContext())
    det2.detect(segments(texts[:256]))
    t = time.perf_counter()
    for i in range(0, len(texts), 2048):
        det2.detect(segments(texts[i : i + 2048]))
    t_workers = time.perf_counter() - t
    our_pred = ours(det, [r["input"] for r in rows])
    rec = {
        "ours": score(gold, our_pred)["redaction_recall"],
        "presidio_per_row": score(gold, per_row_pred)["redaction_recall"],
        "presidio_batch": score(gold, batch_pred)["redaction_recall"],
    }
    return {
        "rows": n,
        "rows_per_s": {
            "ours": n / t_ours,
            f"ours_{workers}_ner_workers": n / t_workers,
            "presidio_per_row": n / t_row,
            "presidio_batch": n / t_batch,
        },
        "ratio_vs_per_row": t_row / t_ours,
        "ratio_vs_batch": t_batch / t_ours,
        "ner_workers": workers,
        "ratio_vs_per_row_with_workers": t_row / t_workers,
        "ratio_vs_batch_with_workers": t_batch / t_workers,
        "redaction_recall_on_planted": rec,
    }


def run(n_speed: int, n_synth: int) -> dict[str, Any]:
    det = PiiDetector()
    det.setup(SetupContext())
    engine = plain_presidio()
    return {"speed": speed(det, engine, n_speed), "quality": quality(det, engine, n_synth)}
