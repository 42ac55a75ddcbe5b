"""The name tagger: train it, score it against spaCy sm, and write what ships (issue 19).

    python -m scripts.bench_name_tagger [--layers K] [--epochs N] [--save]
    python -m scripts.bench_name_tagger --shipped     # score the pinned file only

``scripts/bench_ner_head`` found that a linear head over MiniLM's frozen token states is
far worse than spaCy ``en_core_web_sm`` at person names. Here the top ``K`` transformer
layers of the pinned MiniLM are fine-tuned with the head (the lower layers stay frozen
and shared with the embedding engine, so the tagger ships as K layers and a head). MiniLM's
tokenizer lower-cases, so the head also gets four casing bits per word piece.

Trained on the Broad Twitter Corpus train split (``../shared/data/ner_btc``, CC BY 4.0,
may train what ships) and ``--synthetic`` sentences in seven other languages from
``scripts/name_tagger_synth`` (written for this; 5,000 by default), the epoch chosen on
BTC's dev split unless ``--epoch`` names one (``--snapshots DIR`` writes every epoch's
file, for ``bench_pii --tagger FILE`` to compare on the dev halves); scored on the BTC
test split
and on Universal NER English (EWT web text and PUD, ``../shared/data/ner_uner_en``,
share-alike: measured on, never trained on), beside spaCy sm's PERSON and the union of
both, on the same texts, in the same run. The measure is exact PER span match, through
``detectors.name_tagger`` on the float16 file as it ships. ``--save`` writes that file
and prints its sha256, to pin as ``ARTIFACT_SHA256`` in ``detectors/name_tagger.py``
(until then the detector refuses the new file). Seeded: the losses and figures repeat
on the same machine; the bits of the file may differ on another (thread count, CPU).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from detectors.name_tagger import ARTIFACT, casing_bits, lower_states, tag_logits
from scripts.bench_ner_head import SHARED, Span, load, score, spacy_names, tags


def encode(model: Any, texts: list[str]) -> list[dict[str, Any]]:
    """Per text: word-piece ids, character spans and casing bits of its pieces."""
    tok = model.tokenizer
    out = []
    for text in texts:
        enc = tok(text, truncation=True, max_length=128, return_offsets_mapping=True)
        offs = enc["offset_mapping"]
        keep = [j for j, (a, b) in enumerate(offs) if b > a]
        spans = [(offs[j][0], offs[j][1]) for j in keep]
        bits = np.zeros((len(enc["input_ids"]), 4), dtype=np.float32)
        bits[keep] = casing_bits(text, spans)
        out.append({"ids": enc["input_ids"], "keep": keep, "spans": spans, "bits": bits})
    return out


class Tagger:
    """The pinned MiniLM with its top ``layers`` layers and a head trainable."""

    def __init__(self, model: Any, layers: int, seed: int) -> None:
        import copy

        import torch

        torch.manual_seed(seed)
        auto = model[0].auto_model
        self.auto = auto
        n = len(auto.encoder.layer)
        self.split = n - layers
        self.top = torch.nn.ModuleList(copy.deepcopy(auto.encoder.layer[self.split :]))
        self.head = torch.nn.Linear(auto.config.hidden_size + 4, 3)
        self.params = list(self.top.parameters()) + list(self.head.parameters())

    def lower(self, ids: Any, mask: Any) -> Any:
        """Frozen: embeddings and the shared lower layers."""
        import torch

        with torch.no_grad():
            return lower_states(self.auto, self.split, ids, mask)

    def logits(self, h: Any, mask: Any, bits: Any) -> Any:
        return tag_logits(self.auto, self.top, self.head, h, mask, bits)

    def artifact(self) -> bytes:
        """The top layers and head as shipped: float16 safetensors."""
        import torch
        from safetensors.torch import save

        tensors = {f"top.{k}": v.half().contiguous() for k, v in self.top.state_dict().items()}
        tensors |= {f"head.{k}": v.half().contiguous() for k, v in self.head.state_dict().items()}
        tensors["meta.top_layers"] = torch.tensor(len(self.top))
        return save(tensors)


def batches(docs: list[dict[str, Any]], order: list[int], size: int) -> Any:
    import torch

    for k in range(0, len(order), size):
        idx = order[k : k + size]
        width = max(len(docs[i]["ids"]) for i in idx)
        ids = torch.zeros((len(idx), width), dtype=torch.long)
        mask = torch.zeros((len(idx), width), dtype=torch.long)
        bits = torch.zeros((len(idx), width, 4))
        for r, i in enumerate(idx):
            n = len(docs[i]["ids"])
            ids[r, :n] = torch.tensor(docs[i]["ids"])
            mask[r, :n] = 1
            bits[r, :n] = torch.from_numpy(docs[i]["bits"])
        yield idx, ids, mask, bits


def predict(tagger: Tagger, docs: list[dict[str, Any]], texts: list[str]) -> list[set[Span]]:
    import torch

    from detectors.name_tagger import decode

    order = sorted(range(len(docs)), key=lambda i: len(docs[i]["ids"]))
    out: dict[int, set[Span]] = {}
    with torch.inference_mode():
        for idx, ids, mask, bits in batches(docs, order, 64):
            lab = tagger.logits(tagger.lower(ids, mask), mask, bits).argmax(-1).numpy()
            for r, i in enumerate(idx):
                d = docs[i]
                out[i] = decode(d["spans"], lab[r, d["keep"]], texts[i])
    return [out[i] for i in range(len(docs))]


def main() -> None:
    import torch

    from detectors.embeddings import EmbeddingEngine

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--layers", type=int, default=3, help="top layers fine-tuned")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--max-train", type=int, default=0, help="train on the first N texts only")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--synthetic",
        type=int,
        default=5000,
        help="add N sentences of scripts/name_tagger_synth (seven languages) to the training set",
    )
    ap.add_argument("--save", action="store_true", help=f"write {ARTIFACT} and print its sha256")
    ap.add_argument("--shipped", action="store_true", help="score the pinned artifact, no training")
    ap.add_argument("--epoch", type=int, default=0, help="keep this epoch (default: best BTC dev)")
    ap.add_argument("--snapshots", default="", help="write each epoch's file here, to compare")
    a = ap.parse_args()
    if a.shipped:
        from detectors.name_tagger import NameTagger

        return evaluate(NameTagger.load("cpu"), "shipped tagger")
    rng = np.random.default_rng(a.seed)
    model = EmbeddingEngine.get("cpu").model
    train = load(SHARED / "ner_btc" / "train.jsonl")
    if a.max_train:
        train = train[: a.max_train]
    if a.synthetic:
        from scripts.name_tagger_synth import generate

        train = train + generate(a.synthetic, a.seed)
    dev = load(SHARED / "ner_btc" / "dev.jsonl")
    tdocs = encode(model, [t for t, _ in train])
    ddocs = encode(model, [t for t, _ in dev])
    labels = []
    for d, (_, gold) in zip(tdocs, train, strict=True):
        y = np.full(len(d["ids"]), -100, dtype=np.int64)
        y[d["keep"]] = tags(d["spans"], gold)
        labels.append(torch.from_numpy(y))
    tagger = Tagger(model, a.layers, a.seed)
    # the lower layers' states are computed once: they never change
    t0 = time.perf_counter()
    states: dict[int, Any] = {}
    order = sorted(range(len(tdocs)), key=lambda i: len(tdocs[i]["ids"]))
    for idx, ids, mask, _ in batches(tdocs, order, 64):
        h = tagger.lower(ids, mask)
        for r, i in enumerate(idx):
            states[i] = h[r, : len(tdocs[i]["ids"])].clone()
    print(f"lower layers over {len(tdocs):,} texts in {time.perf_counter() - t0:.0f} s")
    opt = torch.optim.AdamW(tagger.params, lr=1e-4, weight_decay=0.01)
    best: tuple[float, int, Any] = (-1.0, -1, None)
    for epoch in range(a.epochs):
        t = time.perf_counter()
        tagger.top.train()
        perm = [int(i) for i in rng.permutation(len(tdocs))]
        # length-bucketed batches in a random order of buckets
        chunks = [perm[k : k + 512] for k in range(0, len(perm), 512)]
        total = 0.0
        for chunk in chunks:
            chunk.sort(key=lambda i: len(tdocs[i]["ids"]))
            for idx, _, mask, bits in batches(tdocs, chunk, 16):
                width = mask.shape[1]
                h = torch.zeros((len(idx), width, states[idx[0]].shape[-1]))
                y = torch.full((len(idx), width), -100, dtype=torch.long)
                for r, i in enumerate(idx):
                    n = len(tdocs[i]["ids"])
                    h[r, :n] = states[i]
                    y[r, :n] = labels[i]
                loss = torch.nn.functional.cross_entropy(
                    tagger.logits(h, mask, bits).reshape(-1, 3), y.reshape(-1), ignore_index=-100
                )
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss.detach())
        tagger.top.eval()
        d = score(predict(tagger, ddocs, [t for t, _ in dev]), [g for _, g in dev])
        print(f"epoch {epoch + 1}: loss {total:.1f}, BTC dev {d}, {time.perf_counter() - t:.0f} s")
        if a.snapshots:
            Path(a.snapshots).mkdir(parents=True, exist_ok=True)
            (Path(a.snapshots) / f"epoch{epoch + 1}.safetensors").write_bytes(tagger.artifact())
        if (d["f1"] > best[0] and not a.epoch) or epoch + 1 == a.epoch:
            snap = {k: v.clone() for k, v in tagger.top.state_dict().items()}
            head = {k: v.clone() for k, v in tagger.head.state_dict().items()}
            best = (d["f1"], epoch + 1, (snap, head))
    tagger.top.load_state_dict(best[2][0])
    tagger.head.load_state_dict(best[2][1])
    print(f"kept epoch {best[1]} (BTC dev F1 {best[0]}{', as asked' if a.epoch else ''})")
    # what is scored is what ships: the float16 artifact through detectors.name_tagger
    import hashlib

    from safetensors.torch import load as load_tensors

    from detectors.name_tagger import NameTagger

    raw = tagger.artifact()
    sha = hashlib.sha256(raw).hexdigest()
    shipped = NameTagger(model, load_tensors(raw), sha)
    if a.save:
        ARTIFACT.write_bytes(raw)
        print(f"wrote {ARTIFACT} ({len(raw):,} bytes), sha256 {sha}")
        print("pin it: ARTIFACT_SHA256 in detectors/name_tagger.py, or every scan refuses it")
    evaluate(shipped, f"tagger ({a.layers} layers)")


def compare(shipped: Any, label: str = "tagger") -> dict[str, Any]:
    """Exact PER spans on the test sets: the tagger, spaCy sm and their union."""
    out: dict[str, Any] = {}
    for name, path in (
        ("btc test", SHARED / "ner_btc" / "test.jsonl"),
        ("uner en_ewt test", SHARED / "ner_uner_en" / "en_ewt_test.jsonl"),
        ("uner en_pud test", SHARED / "ner_uner_en" / "en_pud_test.jsonl"),
    ):
        if not path.exists():
            continue
        docs = load(path)
        texts, gold = [t for t, _ in docs], [g for _, g in docs]
        t = time.perf_counter()
        pred = shipped.names(texts)
        tag_s = time.perf_counter() - t
        sp, sp_s = spacy_names(texts)
        both = [p | s for p, s in zip(pred, sp, strict=True)]
        out[name] = {
            label: {**score(pred, gold), "seconds": round(tag_s, 1)},
            "spacy sm": {**score(sp, gold), "seconds": round(sp_s, 1)},
            "union": score(both, gold),
        }
    return out


def evaluate(shipped: Any, label: str) -> None:
    for name, r in compare(shipped, label).items():
        print(name, json.dumps(r))


if __name__ == "__main__":
    main()
