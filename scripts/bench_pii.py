"""PII: speed against plain Presidio, and precision/recall per entity on labelled spans.

Used by scripts/bench.py. Anchors: per-row ``AnalyzerEngine.analyze`` and Presidio's own
``BatchAnalyzerEngine``, both with the same pinned spaCy model, default recognizers and
default score threshold, measured in the same run on the same rows.
"""

from __future__ import annotations

import json
import logging
import random
import re
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


def run(n_speed: int, n_synth: int, n_clean: int = 500, n_personal: int = 480) -> dict[str, Any]:
    det = PiiDetector()
    det.setup(SetupContext())
    engine = plain_presidio()
    from detectors.name_tagger import NameTagger
    from scripts.bench_name_tagger import compare

    return {
        "speed": speed(det, engine, n_speed),
        "quality": quality(det, engine, n_synth),
        "protection": protection(n_clean, n_personal, "heldout"),
        "names": compare(NameTagger.load("cpu")),
    }


# ---------------------------------------------------------------- issue 19: protection
# Everything below reads each set in two halves: the first half ("dev") is where any rule
# or threshold was looked at; the second ("held-out") is what docs/evaluation.md reports.

CLEAN_SETS = ("alpaca", "code_alpaca", "alpaca_zh", "self_instruct")
# planted entities whose removal the recall figures count ("personal values": names of
# private people, contact details, addresses below city level, identifiers)
PERSONAL = (
    "PERSON",
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "STREET_ADDRESS",
    "CREDIT_CARD",
    "US_SSN",
    "IBAN_CODE",
    "US_DRIVER_LICENSE",
    "DATE_OF_BIRTH",
    "IP_ADDRESS",
)


def _instruction_rows(name: str) -> list[list[str]]:
    """Each row's text fields, in file order."""
    root = SHARED / name
    if name == "self_instruct":
        rows = []
        for f in ("seed_tasks.jsonl", "user_oriented_instructions.jsonl"):
            for line in (root / f).read_text().splitlines():
                r = json.loads(line)
                inst = (r.get("instances") or [{}])[0]
                rows.append([r["instruction"], inst.get("input", ""), inst.get("output", "")])
        return rows
    [path] = sorted(root.glob("*.json"))
    return [
        [r["instruction"], r.get("input", ""), r["output"]] for r in json.loads(path.read_text())
    ]


def half(items: list[Any], which: str) -> list[Any]:
    mid = len(items) // 2
    return items[:mid] if which == "dev" else items[mid:]


def clean_sample(name: str, which: str, n: int, seed: int = 19) -> list[list[str]]:
    rows = half(_instruction_rows(name), which)
    return random.Random(seed).sample(rows, min(n, len(rows)))


def _flatten(rows: list[list[str]]) -> tuple[list[str], list[int]]:
    texts, keys = [], []
    for i, r in enumerate(rows):
        for t in r:
            if t:
                texts.append(t)
                keys.append(i)
    return texts, keys


def ours_rows(det: PiiDetector, rows: list[list[str]]) -> list[list[tuple[str, int, int, str]]]:
    """Per row: (text, start, end, entity) of every span the detector would rewrite."""
    texts, keys = _flatten(rows)
    spans = det.find(texts, ["text"] * len(texts), ["text"] * len(texts), keys)
    out: list[list[tuple[str, int, int, str]]] = [[] for _ in rows]
    for t, k, ss in zip(texts, keys, spans, strict=True):
        out[k].extend((t, s.start, s.end, s.entity) for s in ss)
    return out


def presidio_rows(engine: Any, rows: list[list[str]]) -> list[list[tuple[str, int, int, str]]]:
    from presidio_analyzer import BatchAnalyzerEngine

    texts, keys = _flatten(rows)
    res = BatchAnalyzerEngine(analyzer_engine=engine).analyze_iterator(
        texts, language="en", batch_size=64
    )
    out: list[list[tuple[str, int, int, str]]] = [[] for _ in rows]
    for t, k, rs in zip(texts, keys, res, strict=True):
        out[k].extend((t, r.start, r.end, r.entity_type) for r in rs)
    return out


def _altered_summary(found: list[list[tuple[str, int, int, str]]]) -> dict[str, Any]:
    by_entity: dict[str, int] = defaultdict(int)
    for spans in found:
        for e in {s[3] for s in spans}:
            by_entity[e] += 1
    altered = sum(1 for s in found if s)
    return {
        "rows": len(found),
        "altered": altered,
        "share": altered / len(found) if found else 0.0,
        "rows_by_entity": dict(sorted(by_entity.items(), key=lambda kv: -kv[1])),
    }


def _example(spans: list[tuple[str, int, int, str]]) -> str:
    text, start, end, entity = spans[0]
    lo, hi = max(0, start - 40), min(len(text), end + 40)
    return (text[lo:start] + f"[{text[start:end]} -> <{entity}>]" + text[end:hi]).replace("\n", " ")


def clean_altered(det: PiiDetector, engine: Any, which: str, n: int) -> dict[str, Any]:
    out: dict[str, Any] = {"sets": {}, "examples": []}
    t_ours = t_presidio = 0.0
    total_rows = 0
    for name in CLEAN_SETS:
        if not (SHARED / name).exists():
            continue
        rows = clean_sample(name, which, n)
        total_rows += len(rows)
        t = time.perf_counter()
        ours_found = ours_rows(det, rows)
        t_ours += time.perf_counter() - t
        t = time.perf_counter()
        pres_found = presidio_rows(engine, rows)
        t_presidio += time.perf_counter() - t
        out["sets"][name] = {
            "ours": _altered_summary(ours_found),
            "presidio": _altered_summary(pres_found),
        }
        out["examples"] += [f"{name}: {_example(s)}" for s in ours_found if s]
    rng = random.Random(7)
    out["examples"] = rng.sample(out["examples"], min(20, len(out["examples"])))
    both = [out["sets"][s] for s in out["sets"]]
    for who in ("ours", "presidio"):
        rows = sum(b[who]["rows"] for b in both)
        out[f"{who}_share"] = sum(b[who]["altered"] for b in both) / rows if rows else 0.0
    out["rows_per_s"] = {"ours": total_rows / t_ours, "presidio": total_rows / t_presidio}
    return out


def _removed(gold: tuple[int, int, str], spans: list[tuple[int, int]]) -> bool:
    chars = set(range(gold[0], gold[1]))
    hit = chars & {c for a, b in spans for c in range(a, b)}
    return len(hit) >= 0.9 * len(chars)


def planted_recall(
    texts: list[str],
    gold: list[list[tuple[int, int, str]]],
    det: PiiDetector,
    engine: Any,
    keep: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """Share of planted values removed (≥ 90% of their characters inside any span, of any
    entity: what matters is that the value is gone), per entity, and rows with every
    planted value removed."""
    return recall_of(gold, found_spans(texts, det, engine), keep)


Found = dict[str, list[list[tuple[str, int, int, str]]]]


def found_spans(texts: list[str], det: PiiDetector, engine: Any) -> Found:
    """What each tool removes from each text: ours and plain Presidio's."""
    rows = [[t] for t in texts]
    return {"ours": ours_rows(det, rows), "presidio": presidio_rows(engine, rows)}


def recall_of(
    gold: list[list[tuple[int, int, str]]], found: Found, keep: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """:func:`planted_recall` from spans already found."""
    out: dict[str, Any] = {}
    for who, spans in found.items():
        hit: dict[str, int] = defaultdict(int)
        tot: dict[str, int] = defaultdict(int)
        whole = counted = 0
        for g_spans, p_spans in zip(gold, spans, strict=True):
            g_spans = [g for g in g_spans if keep is None or g[2] in keep]
            if not g_spans:
                continue
            counted += 1
            ok_all = True
            for g in g_spans:
                ok = _removed(g, [(a, b) for _, a, b, _ in p_spans])
                tot[g[2]] += 1
                hit[g[2]] += ok
                ok_all &= ok
            whole += ok_all
        out[who] = {
            "recall": sum(hit.values()) / sum(tot.values()) if tot else 0.0,
            "per_entity": {e: (hit[e] / tot[e], tot[e]) for e in sorted(tot)},
            "rows_all_removed": whole / counted if counted else 0.0,
        }
    return out


def presidio_research_halves(which: str) -> tuple[list[str], list[list[tuple[int, int, str]]]]:
    rows = half(json.loads((SHARED / "presidio_pii" / "synth_dataset_v2.json").read_text()), which)
    texts = [r["full_text"] for r in rows]
    gold = [
        [
            (s["start_position"], s["end_position"], s["entity_type"])
            for s in r["spans"]
            if s["entity_type"] in PERSONAL
        ]
        for r in rows
    ]
    return texts, gold


def protection(
    n_clean: int,
    n_personal: int,
    which: str = "heldout",
    params: PiiParams | None = None,
    n_multilingual: int = 210,
    tagger_file: str = "",
) -> dict[str, Any]:
    """Issue 19's measures, tunegate (default policy, or ``params``) beside plain Presidio.
    ``tagger_file``: a name tagger file to measure in place of the shipped one (a
    candidate from ``bench_name_tagger --snapshots``; no scan ever loads it)."""
    from scripts.pii_multilingual import generate as multilingual_messages
    from scripts.pii_personal import generate as personal_messages

    det = PiiDetector(params)
    det.setup(SetupContext())
    if tagger_file:
        import hashlib

        from detectors.name_tagger import NameTagger

        path = Path(tagger_file)
        det._tagger = NameTagger.load("cpu", path, hashlib.sha256(path.read_bytes()).hexdigest())
    engine = plain_presidio()
    out: dict[str, Any] = {"half": which, "clean": clean_altered(det, engine, which, n_clean)}
    # the generator's seed picks the half: seed 19 for dev, 20 for held-out
    msgs = personal_messages(n_personal, seed=19 if which == "dev" else 20)
    out["personal_messages"] = planted_recall(
        [m.text for m in msgs], [m.spans for m in msgs], det, engine
    )
    by_template: dict[str, Any] = {}
    for tname in sorted({m.template for m in msgs}):
        sub = [m for m in msgs if m.template == tname]
        r = planted_recall([m.text for m in sub], [m.spans for m in sub], det, engine)
        by_template[tname] = {w: r[w]["recall"] for w in r}
    out["personal_messages_by_template"] = by_template
    # messages written in seven other languages; the half picks templates and names
    ml = multilingual_messages(n_multilingual, which, seed=19)
    found = found_spans([m.text for m in ml], det, engine)  # once; sliced per language
    out["multilingual"] = recall_of([m.spans for m in ml], found)
    by_language: dict[str, Any] = {}
    for lang in sorted({m.template.split(":")[0] for m in ml}):
        idx = [k for k, m in enumerate(ml) if m.template.startswith(f"{lang}:")]
        sub = {who: [spans[k] for k in idx] for who, spans in found.items()}
        r = recall_of([ml[k].spans for k in idx], sub)
        by_language[lang] = {
            w: (r[w]["recall"], r[w]["per_entity"].get("PERSON", (0.0, 0))[0]) for w in r
        }
    out["multilingual_by_language"] = by_language
    out["multilingual_names_by_list"] = names_by_list(ml, found)
    if (SHARED / "presidio_pii").exists():
        texts, gold = presidio_research_halves(which)
        out["presidio_research"] = planted_recall(texts, gold, det, engine)
    return out


def names_by_list(messages: list[Any], found: Found) -> dict[str, Any]:
    """Names removed, apart for names with a word in the tagger's synthetic training
    lists (``scripts/name_tagger_synth``) and names with none: the second is what the
    tagger does on names it never saw."""
    from scripts.name_tagger_synth import names_in_lists

    seen = names_in_lists()
    out: dict[str, Any] = {}
    for who, spans in found.items():
        hit: dict[str, int] = defaultdict(int)
        tot: dict[str, int] = defaultdict(int)
        for m, p_spans in zip(messages, spans, strict=True):
            for g in m.spans:
                if g[2] != "PERSON":
                    continue
                words = re.findall(r"[^\W\d_]+", m.text[g[0] : g[1]])
                key = "in lists" if any(w.casefold() in seen for w in words) else "not in lists"
                tot[key] += 1
                hit[key] += _removed(g, [(a, b) for _, a, b, _ in p_spans])
        out[who] = {k: (hit[k] / tot[k], tot[k]) for k in sorted(tot)}
    return out


def print_protection(r: dict[str, Any]) -> None:
    c = r["clean"]
    print(f"pii protection ({r['half']} halves; tunegate default policy vs plain Presidio)")
    print(
        f"  clean instruction rows altered: ours {c['ours_share']:.3f}, Presidio "
        f"{c['presidio_share']:.3f} (goal <= 0.02); rows/s ours {c['rows_per_s']['ours']:,.0f}, "
        f"Presidio {c['rows_per_s']['presidio']:,.0f}"
    )
    for name, s in c["sets"].items():
        o, p = s["ours"], s["presidio"]
        top = lambda d: ", ".join(f"{k} {v}" for k, v in list(d.items())[:6])  # noqa: E731
        print(
            f"    {name:<14} {o['rows']:>5} rows: ours {o['share']:.3f} ({top(o['rows_by_entity'])}); "
            f"Presidio {p['share']:.3f} ({top(p['rows_by_entity'])})"
        )
    print("  altered rows (ours), a sample of up to 20:")
    for e in c["examples"]:
        print(f"    {e[:220]}")
    for key in ("personal_messages", "multilingual", "presidio_research"):
        if key not in r:
            continue
        res = r[key]
        print(
            f"  {key}: planted values removed ours {res['ours']['recall']:.3f}, Presidio "
            f"{res['presidio']['recall']:.3f}; rows with every value removed ours "
            f"{res['ours']['rows_all_removed']:.3f}, Presidio {res['presidio']['rows_all_removed']:.3f}"
        )
        for ent, (rec, n) in res["ours"]["per_entity"].items():
            prec = res["presidio"]["per_entity"].get(ent, (0.0, n))[0]
            print(f"    {ent:<20} ours {rec:.3f}  Presidio {prec:.3f}  n={n}")
    for tname, rr in r.get("personal_messages_by_template", {}).items():
        print(f"    template {tname:<16} ours {rr['ours']:.3f}  Presidio {rr['presidio']:.3f}")
    for lang, lr in r.get("multilingual_by_language", {}).items():
        print(
            f"    language {lang}: values removed ours {lr['ours'][0]:.3f}, Presidio "
            f"{lr['presidio'][0]:.3f}; names ours {lr['ours'][1]:.3f}, Presidio {lr['presidio'][1]:.3f}"
        )
    for who, parts in r.get("multilingual_names_by_list", {}).items():
        text = ", ".join(f"{k} {rec:.3f} (n={n})" for k, (rec, n) in parts.items())
        print(f"    multilingual names, {who}: {text} (lists: scripts/name_tagger_synth)")


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="issue 19's PII protection measures, one half")
    ap.add_argument("--half", choices=("dev", "heldout"), default="dev")
    ap.add_argument("--clean", type=int, default=500, help="rows per clean instruction set")
    ap.add_argument("--personal", type=int, default=480)
    ap.add_argument("--multilingual", type=int, default=210)
    ap.add_argument("--tagger", default="", help="an unpinned name tagger file to measure instead")
    a = ap.parse_args()
    print_protection(
        protection(a.clean, a.personal, a.half, n_multilingual=a.multilingual, tagger_file=a.tagger)
    )
