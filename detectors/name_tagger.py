"""Person names from a tagger fine-tuned on top of the pinned MiniLM (issue 19, point 2).

spaCy ``en_core_web_sm`` misses many names of private people (PER recall 0.61 on
Universal NER English web text). This tagger keeps the embedding model's embeddings and
lower three layers as they are (read-only, shared with the scan's embedding engine) and
adds its own copy of the top three layers and a three-way head (outside, begins a name,
inside a name) over their states and four casing bits per word piece: MiniLM's tokenizer
lower-cases, and casing is the strongest cue for a name. The top layers and head were
fine-tuned on the Broad Twitter Corpus train split (CC BY 4.0) and on 5,000 sentences of
personal text in seven other European languages written for it
(``scripts/name_tagger_synth.py``: English tweets alone taught it nothing of "Danke
Jonas und Mia" or "z Krzysztofem Zielińskim") by ``scripts/bench_name_tagger.py``. The
epoch (``REBUILD`` below) was chosen on the dev halves of ``scripts/bench_pii``: the most
names removed with no more clean rows altered, since BTC's dev F1 did not follow that.
The figures against spaCy sm, and how the epoch was chosen, are in docs/evaluation.md.

The file is safetensors in float16 (tensors and a JSON header, never a pickle), pinned by
sha256 in this module like every shipped model.
"""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Any

import numpy as np

from detectors.base import ModelDigest
from detectors.models import read_pinned

NAME = "name-tagger"
ARTIFACT = Path(__file__).resolve().parent / "assets" / "name_tagger.safetensors"
ARTIFACT_SHA256 = "e91f952aa6deedce5238c8791571c3d2db8b0548a27e407d71567ebd0174e575"
REBUILD = "python -m scripts.bench_name_tagger --epoch 2 --save"
O, B, I = 0, 1, 2  # noqa: E741 - the usual names of the three tags
CASING = 4
WINDOW = 256  # word pieces per model window (the embedding model's)
STRIDE = 32  # word pieces shared by two windows of a long text
CHUNK_CHARS = 200_000  # characters tokenised at once (about 0.1 GB of windows at most)
Span = tuple[int, int]


def casing_bits(text: str, spans: list[Span]) -> np.ndarray:
    """Per word piece: first letter upper at a word start, all upper, starts a word,
    starts the text."""
    out = np.zeros((len(spans), CASING), dtype=np.float32)
    for j, (a, b) in enumerate(spans):
        piece = text[a:b]
        word_start = a == 0 or not text[a - 1].isalnum()
        out[j] = [
            float(piece[:1].isupper() and word_start),
            float(piece.isupper() and len(piece) > 1),
            float(word_start),
            float(a == 0),
        ]
    return out


def decode(spans: list[Span], labels: np.ndarray, text: str) -> set[Span]:
    """Name spans from piece tags: a name begins at B (or a stray I) and goes on over the
    next pieces of its word (B or I) and I pieces of the next word; an I after anything
    else (a zero-width space the tokenizer dropped) begins a name of its own."""
    out: set[Span] = set()
    cur: list[int] | None = None
    for (a, b), t in zip(spans, labels, strict=True):
        if t == O:
            if cur is not None:
                out.add((cur[0], cur[1]))
            cur = None
            continue
        if cur is not None and (a == cur[1] or (t == I and text[cur[1] : a].isspace())):
            cur[1] = b
            continue
        if cur is not None:
            out.add((cur[0], cur[1]))
        cur = [a, b]
    if cur is not None:
        out.add((cur[0], cur[1]))
    return out


def hidden(x: Any) -> Any:
    """A layer's hidden states (transformers 5 returns them; 4 returned a tuple)."""
    return x[0] if isinstance(x, tuple) else x


def attention_mask(auto: Any, h: Any, mask: Any) -> Any:
    from transformers.masking_utils import create_bidirectional_mask

    return create_bidirectional_mask(config=auto.config, inputs_embeds=h, attention_mask=mask)


def lower_states(auto: Any, split: int, ids: Any, mask: Any) -> Any:
    """The shared, frozen part: embeddings and the layers below ``split``."""
    import torch

    h = auto.embeddings(input_ids=ids, token_type_ids=torch.zeros_like(ids))
    ext = attention_mask(auto, h, mask)
    for layer in auto.encoder.layer[:split]:
        h = hidden(layer(h, attention_mask=ext))
    return h


def tag_logits(auto: Any, top: Any, head: Any, h: Any, mask: Any, bits: Any) -> Any:
    """The tagger's own layers over ``h``, then the head over their states and casing."""
    import torch

    ext = attention_mask(auto, h, mask)
    for layer in top:
        h = hidden(layer(h, attention_mask=ext))
    return head(torch.cat([h, bits], dim=-1))


_LOADED: dict[tuple[str, str, str], NameTagger] = {}
_LOADED_LOCK = threading.Lock()


class NameTagger:
    """Loaded once per process and device; read-only after, so scans may share it."""

    def __init__(self, model: Any, tensors: dict[str, Any], sha256: str) -> None:
        import torch

        self.model = model
        self.auto = model[0].auto_model
        layers = int(tensors.pop("meta.top_layers").item())
        self.split = len(self.auto.encoder.layer) - layers
        self.top = torch.nn.ModuleList(copy.deepcopy(self.auto.encoder.layer[self.split :]))
        self.head = torch.nn.Linear(self.auto.config.hidden_size + CASING, 3)
        top = {k[4:]: v.float() for k, v in tensors.items() if k.startswith("top.")}
        head = {k[5:]: v.float() for k, v in tensors.items() if k.startswith("head.")}
        self.top.load_state_dict(top, strict=True)
        self.head.load_state_dict(head, strict=True)
        # on a GPU the shared model runs in float16, and so must the layers on top of it
        self.dtype = next(self.auto.parameters()).dtype
        self.top.to(device=model.device, dtype=self.dtype).eval()
        self.head.to(device=model.device, dtype=self.dtype).eval()
        self.sha256 = sha256
        # its own tokenizer: a call sets truncation on the shared one, which the embedding
        # engine, in another scan's thread, would then use (and the reverse)
        self.tokenizer = copy.deepcopy(model.tokenizer)
        self._lock = threading.Lock()  # a fast tokenizer may not be called from two threads

    @classmethod
    def load(cls, device: str, path: Path = ARTIFACT, sha256: str = ARTIFACT_SHA256) -> NameTagger:
        """The tagger for ``device``, loaded once per process (every PII detector of every
        scan shares it, as they share the embedding model)."""
        from safetensors.torch import load
        from transformers.masking_utils import create_bidirectional_mask  # noqa: F401 - at setup

        from detectors.embeddings import EmbeddingEngine

        key = (device, str(path), sha256)
        with _LOADED_LOCK:
            if key not in _LOADED:
                raw = read_pinned(path, sha256, "name tagger", REBUILD)
                _LOADED[key] = cls(EmbeddingEngine.get(device).model, load(raw), sha256)
            return _LOADED[key]

    def digest(self) -> ModelDigest:
        return ModelDigest(NAME, f"detectors/assets/{ARTIFACT.name}", self.sha256)

    def lower(self, ids: Any, mask: Any) -> Any:
        return lower_states(self.auto, self.split, ids, mask)

    def logits(self, h: Any, mask: Any, bits: Any) -> Any:
        return tag_logits(self.auto, self.top, self.head, h, mask, bits)

    def names(self, texts: list[str], batch_tokens: int = 2048) -> list[set[Span]]:
        """Character spans of the person names in each text. A text longer than the
        model's window is read in overlapping windows; texts are taken a bounded number of
        characters at a time, so memory does not grow with the batch."""
        out: list[set[Span]] = []
        start = 0
        while start < len(texts):
            end, size = start, 0
            while end < len(texts) and (end == start or size + len(texts[end]) <= CHUNK_CHARS):
                size += len(texts[end])
                end += 1
            out += self._names(texts[start:end], batch_tokens)
            start = end
        return out

    def _names(self, texts: list[str], batch_tokens: int) -> list[set[Span]]:
        import torch

        if not texts:
            return []
        with self._lock:
            enc = self.tokenizer(
                texts,
                truncation=True,
                max_length=WINDOW,
                stride=STRIDE,
                return_overflowing_tokens=True,
                return_offsets_mapping=True,
            )
        owner = enc["overflow_to_sample_mapping"]
        windows = []
        for w, ids in enumerate(enc["input_ids"]):
            offs = enc["offset_mapping"][w]
            keep = [j for j, (a, b) in enumerate(offs) if b > a]
            spans = [(offs[j][0], offs[j][1]) for j in keep]
            windows.append((ids, keep, spans, casing_bits(texts[owner[w]], spans)))
        out: list[set[Span]] = [set() for _ in texts]
        order = sorted(range(len(windows)), key=lambda w: -len(windows[w][0]))
        dev = self.model.device
        with torch.inference_mode():
            start = 0
            while start < len(order):
                width = len(windows[order[start]][0])
                idx = order[start : start + max(1, batch_tokens // width)]
                start += len(idx)
                ids = torch.zeros((len(idx), width), dtype=torch.long)
                mask = torch.zeros((len(idx), width), dtype=torch.long)
                bits = torch.zeros((len(idx), width, CASING), dtype=self.dtype)
                for r, w in enumerate(idx):
                    tok, keep, _, cb = windows[w]
                    ids[r, : len(tok)] = torch.tensor(tok)
                    mask[r, : len(tok)] = 1
                    bits[r, keep] = torch.from_numpy(cb).to(self.dtype)
                ids, mask, bits = ids.to(dev), mask.to(dev), bits.to(dev)
                labels = self.logits(self.lower(ids, mask), mask, bits).argmax(-1).cpu().numpy()
                for r, w in enumerate(idx):
                    _, keep, spans, _ = windows[w]
                    text = texts[owner[w]]
                    out[owner[w]] |= {
                        _word(text, a, b) for a, b in decode(spans, labels[r, keep], text)
                    }
        return [_merged(s) for s in out]


def _word(text: str, a: int, b: int) -> Span:
    """A span widened to whole words: a name tagged from its second word piece on
    ('Anne|liese') is the whole word."""
    while a > 0 and text[a - 1].isalnum():
        a -= 1
    while b < len(text) and text[b].isalnum():
        b += 1
    return a, b


def _merged(spans: set[Span]) -> set[Span]:
    """Overlapping spans (two windows that read one name) as their union."""
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return {(a, b) for a, b in merged}
