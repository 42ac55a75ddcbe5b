"""Injected instructions in training text: rules by tactic, over every decoded view.

An attacker who can add rows to an adaptation set teaches the model to obey instructions
hidden in data. Each rule has an id, a tactic and a severity; every field is matched in
all its views (see :mod:`detectors.decoders`), so a payload in base64, tag characters or
an HTML comment is found as readily as plain text, and evidence names the rule, the
field, how it was hidden and the original span. Rules that only make sense inside
content (an instruction addressed to "the AI") fire only in context and input fields.

On top of the rules sits a trained classifier (:mod:`detectors.injection_classifier`)
that scores each field, and each window of content fields, from its embedding. Rules and
classifier give one score per field, ``1 - (1 - rule) * (1 - classifier)``; the policy's
``threshold`` decides what becomes a finding. Evidence names the rule id or the
classifier score and the span it came from, never the payload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from detectors.base import (
    DetectionResult,
    Detector,
    DetectorInfo,
    FindingBuffer,
    ModelDigest,
    SetupContext,
)
from detectors.decoders import invisible, views
from detectors.embeddings import MINILM_DIGEST, TextEmbedder, require_engine
from detectors.errors import DetectorConfigError
from detectors.injection_classifier import HEADS, InjectionClassifier, head_for, windows
from detectors.row_vectors import EMBEDDING, segment_vectors


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    tactic: str
    severity: float
    pattern: re.Pattern[str]
    roles: frozenset[str] | None = None  # None: every role


def _r(p: str) -> re.Pattern[str]:
    return re.compile(p, re.I | re.S)


_TARGET = r"(?:instructions?|prompts?|rules|directions|guidelines|guidance|context|messages?|commands?|constraints|policies|restrictions)"
_PRIOR = r"(?:all|any|every|the|your|my|these|those|previous|prior|above|earlier|preceding|foregoing|initial|original|system|developer|old)"
CONTENT_ROLES = frozenset({"context", "text", "system"})

RULES: tuple[Rule, ...] = (
    # instruction override
    Rule(
        "override.ignore_previous",
        "instruction_override",
        0.95,
        _r(
            rf"\b(?:ignore|disregard|forget|skip|override|bypass|neglect|abandon|drop)\b(?:\s+\w+){{0,3}}?\s+{_PRIOR}\b(?:\s+\w+){{0,3}}?\s+{_TARGET}"
        ),
    ),
    Rule(
        "override.forget_everything",
        "instruction_override",
        0.9,
        _r(
            r"\b(?:forget|ignore|disregard)\s+(?:everything|all\s+(?:of\s+)?(?:that|this|the\s+above)|what\s+(?:you\s+were|i)\s+(?:told|said))"
        ),
    ),
    Rule(
        "override.new_instructions",
        "instruction_override",
        0.8,
        _r(
            r"\b(?:new|updated|real|actual|true)\s+(?:instructions?|system\s+prompt|task)\s*[:\-]|\bfrom\s+now\s+on,?\s+you\s+(?:will|must|are|shall)\b"
        ),
    ),
    Rule(
        "override.instead",
        "instruction_override",
        0.75,
        _r(
            rf"\b(?:instead\s+of|rather\s+than)\s+(?:following|obeying|doing)\s+(?:the\s+|your\s+)?{_TARGET}"
        ),
    ),
    # persona and jailbreak
    Rule(
        "persona.dan",
        "role_hijack",
        0.95,
        _r(
            r"\bDAN\b.{0,40}\b(?:do\s+anything\s+now|jailbr\w*)|\bdo\s+anything\s+now\b|\bjailbr(?:eak|oken)\s+mode\b"
        ),
    ),
    Rule(
        "persona.developer_mode",
        "role_hijack",
        0.9,
        _r(
            r"\b(?:developer|god|sudo|admin|debug|unrestricted)\s+mode\s+(?:enabled|activated|on|engaged)\b|\benable\s+(?:developer|god|sudo|jailbreak)\s+mode\b"
        ),
    ),
    Rule(
        "persona.no_restrictions",
        "role_hijack",
        0.85,
        _r(
            r"\b(?:you\s+are\s+(?:now\s+)?|act\s+as\s+(?:an?\s+)?|pretend\s+(?:to\s+be|you\s+are)\s+(?:an?\s+)?)\w*\s*(?:\w+\s+){0,3}(?:without|free\s+(?:of|from)|no\s+longer\s+bound\s+by|not\s+bound\s+by)\s+(?:any\s+)?(?:restrictions|limits|limitations|filters|rules|guidelines|ethics|censorship)"
        ),
    ),
    Rule(
        "persona.unfiltered_ai",
        "role_hijack",
        0.8,
        _r(
            r"\b(?:unfiltered|uncensored|unrestricted|amoral|unaligned)\s+(?:ai|assistant|model|chatbot|version|persona|character)\b"
        ),
    ),
    # fake turns and chat-template tokens inside data
    Rule(
        "template.special_tokens",
        "fake_turn",
        0.95,
        _r(
            r"<\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|begin_of_text)\|>|\[/?INST\]|<</?SYS>>|<start_of_turn>|<end_of_turn>"
        ),
    ),
    Rule(
        "template.role_header",
        "fake_turn",
        0.7,
        re.compile(
            r"(?:^|\n)\s*#{2,4}\s*(?:System|Instruction|Assistant|Human|User|Response)\s*:|(?:^|\n)\s*(?:SYSTEM|System)\s*:\s*(?:you|ignore|new)",
            re.S,
        ),
    ),
    # exfiltration
    Rule(
        "exfil.reveal_prompt",
        "exfiltration",
        0.9,
        _r(
            r"\b(?:reveal|print|show|repeat|output|leak|disclose|display|tell\s+me|give\s+me|share)\s+(?:me\s+)?(?:your|the|all)\s+(?:\w+\s+){0,2}(?:system\s+prompt|initial\s+prompt|hidden\s+(?:prompt|instructions)|original\s+instructions|instructions\s+(?:above|you\s+were\s+given)|pre-?prompt|secret\s+key|api\s+keys?|passwords?)"
        ),
    ),
    Rule(
        "exfil.send_to_url",
        "exfiltration",
        0.85,
        _r(
            r"\b(?:send|post|upload|forward|transmit|exfiltrate|leak)\b.{0,60}\bto\s+(?:https?://|\S+@\S+\.\w+|(?:this|the|my|our)\s+(?:url|endpoint|server|webhook|email\s+address))"
        ),
    ),
    Rule(
        "exfil.markdown_image",
        "exfiltration",
        0.9,
        _r(r"!\[[^\]]*\]\(\s*https?://[^)\s]*\?[^)\s]*(?:\{|\$|%7B|<)[^)]*\)"),
    ),
    # tool and code execution coercion
    Rule(
        "exec.run_this",
        "code_execution",
        0.8,
        _r(
            r"\b(?:run|execute|eval(?:uate)?)\s+(?:this|the\s+following|these)\s+(?:code|command|commands|script|shell|payload)\b.{0,40}\b(?:immediately|now|without|silently|on\s+(?:the|your)\s+(?:system|machine|server))"
        ),
    ),
    Rule(
        "exec.shell_pipe",
        "code_execution",
        0.9,
        _r(
            r"\b(?:curl|wget)\s+\S+\s*\|\s*(?:ba|z)?sh\b|\brm\s+-rf\s+/(?:\s|$)|powershell\s+-(?:enc|e)\s+[A-Za-z0-9+/=]{20,}|\bnc\s+-e\s+/bin/(?:ba)?sh\b"
        ),
    ),
    Rule(
        "exec.call_tool",
        "code_execution",
        0.7,
        _r(
            r"\b(?:call|invoke|use)\s+the\s+(?:\w+\s+)?(?:tool|function|plugin|api)\s+.{0,40}\b(?:without\s+(?:asking|telling|confirmation)|silently|secretly)"
        ),
    ),
    # instructions addressed to the model inside content
    Rule(
        "addressed.to_model",
        "addressed_to_model",
        0.75,
        _r(
            r"\b(?:dear\s+|attention\s+|note\s+(?:to|for)\s+(?:the\s+)?|hey\s+|hi\s+)?(?:AI|assistant|chatbot|language\s+model|LLM|GPT|ChatGPT|Claude|Bing|model)\b[,:!]?\s+(?:you\s+(?:must|should|will|are\s+(?:now|required))|please\s+(?:ignore|disregard|instead|do\s+not\s+(?:tell|mention|reveal))|ignore|disregard|stop\s+(?:following|summari))"
        ),
        roles=CONTENT_ROLES,
    ),
    Rule(
        "addressed.when_summarizing",
        "addressed_to_model",
        0.8,
        _r(
            r"\bwhen\s+(?:you\s+)?(?:summari[sz]\w*|translat\w*|read\w*|process\w*|answer\w*)\s+this\b.{0,60}\b(?:you\s+(?:must|should)|instead|ignore|also\s+(?:include|add|say|tell))"
        ),
        roles=CONTENT_ROLES,
    ),
)

RULE_IDS = (
    *tuple(r.id for r in RULES),
    "invisible.zero_width",
    "invisible.bidi",
    "invisible.tag",
    "classifier",
    "combined",
)
INVISIBLE_SEVERITY = {"zero_width": 0.4, "bidi": 0.6, "tag": 0.9}


@dataclass(frozen=True, slots=True)
class InjectionParams:
    threshold: float = 0.5  # combined score at which a field is reported
    classifier: bool = True  # False: rules and decoders only, no embedding model needed
    min_severity: float = 0.0  # rules below this are not reported
    max_chars: int = 200_000  # longer fields are scanned in overlapping windows
    max_windows: int = 12  # content windows scored by the classifier per field

    def __post_init__(self) -> None:
        if self.max_chars < 1000:
            raise ValueError("max_chars must be at least 1000")
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if self.max_windows < 0:
            raise ValueError("max_windows must be >= 0")


def _windows(text: str, size: int) -> list[tuple[int, str]]:
    if len(text) <= size:
        return [(0, text)]
    step = size - 500  # overlap, so an instruction on a boundary is seen whole once
    return [(s, text[s : s + size]) for s in range(0, len(text), step)]


def scan_field(text: str, role: str, params: InjectionParams) -> list[tuple[str, float, str]]:
    """(rule id, severity, evidence) for one field; evidence never repeats the payload."""
    hits: dict[str, tuple[float, str]] = {}
    for kind, count, first in invisible(text):
        hits[f"invisible.{kind}"] = (
            INVISIBLE_SEVERITY[kind],
            f"{count} {kind.replace('_', '-')} character(s), first at offset {first}",
        )
    for base, window in _windows(text, params.max_chars):
        for view in views(window):
            for rule in RULES:
                if rule.severity < params.min_severity or rule.id in hits:
                    continue
                if rule.roles is not None and role not in rule.roles:
                    continue
                m = rule.pattern.search(view.text)
                if m is None:
                    continue
                if view.how == "plain":
                    where = f"at [{base + m.start()}:{base + m.end()}]"
                else:
                    where = f"in {view.how} text at [{base + view.start}:{base + view.end}]"
                hits[rule.id] = (rule.severity, f"{rule.tactic} rule {rule.id} {where}")
    return [(rid, sev, ev) for rid, (sev, ev) in hits.items()]


# presence findings: reported whatever the threshold, the policy decides (flag by default)
_PRESENCE = ("invisible.zero_width", "invisible.bidi")


@dataclass(frozen=True, slots=True)
class FieldVerdict:
    """Everything the scanner concluded about one field."""

    score: float  # combined rules and classifier
    rules: list[tuple[str, float, str]]
    classifier: float  # 0.0 when the classifier is off
    classifier_span: tuple[int, int] | None  # the window that scored highest, None: whole field

    def findings(self, threshold: float) -> list[tuple[str, float, str]]:
        """(rule, score, evidence) to report for this field at this threshold."""
        out = [h for h in self.rules if h[0] in _PRESENCE]
        if self.score < threshold:
            return out
        strong = [h for h in self.rules if h[0] not in _PRESENCE and h[1] >= threshold]
        out += strong
        where = (
            f"window [{self.classifier_span[0]}:{self.classifier_span[1]}]"
            if self.classifier_span
            else "whole field"
        )
        if self.classifier >= threshold:
            out.append(
                (
                    "classifier",
                    self.classifier,
                    f"classifier score {self.classifier:.3f} on {where}",
                )
            )
        elif not strong:
            parts = ", ".join(f"{r} {s:.2f}" for r, s, _ in self.rules if r not in _PRESENCE)
            out.append(
                (
                    "combined",
                    self.score,
                    f"combined score {self.score:.3f}: rules {parts}; classifier {self.classifier:.3f} on {where}",
                )
            )
        return out


class InjectionScorer:
    """Rules over every decoded view, plus the classifier over embeddings, per field."""

    def __init__(
        self,
        params: InjectionParams,
        classifier: InjectionClassifier | None,
        engine: TextEmbedder | None,
    ) -> None:
        if (classifier is None) != (engine is None):
            raise DetectorConfigError(
                "the injection classifier needs the embedding engine and vice versa"
            )
        self.params = params
        self.classifier = classifier
        self.engine = engine

    def score(
        self, texts: list[str], roles: list[str], vectors: np.ndarray | None = None
    ) -> list[FieldVerdict]:
        rules = [
            scan_field(t, r, self.params) if t else [] for t, r in zip(texts, roles, strict=True)
        ]
        probs = np.zeros(len(texts), dtype=np.float32)
        spans: list[tuple[int, int] | None] = [None] * len(texts)
        if self.classifier is not None and self.engine is not None:
            if vectors is None:
                vectors = self.engine.embed(texts)
            heads = [head_for(r) for r in roles]
            for head in HEADS:
                idx = [i for i, h in enumerate(heads) if h == head and texts[i]]
                if idx:
                    probs[idx] = self.classifier.score(vectors[idx], head)
            owners: list[int] = []
            win_spans: list[tuple[int, int]] = []
            for i, h in enumerate(heads):
                if h == "content" and texts[i] and self.params.max_windows:
                    for span in windows(texts[i], self.params.max_windows):
                        owners.append(i)
                        win_spans.append(span)
            if owners:
                win_vecs = self.engine.embed(
                    [texts[i][a:b] for i, (a, b) in zip(owners, win_spans, strict=True)]
                )
                win_probs = self.classifier.score(win_vecs, "content")
                for i, win, wp in zip(owners, win_spans, win_probs, strict=True):
                    if wp > probs[i]:
                        probs[i] = wp
                        spans[i] = win
        out = []
        for hits, p, where in zip(rules, probs, spans, strict=True):
            r = max((sev for rid, sev, _ in hits if rid not in _PRESENCE), default=0.0)
            combined = 1.0 - (1.0 - r) * (1.0 - float(p))
            out.append(FieldVerdict(combined, hits, float(p), where))
        return out


class InjectionDetector(Detector):
    info = DetectorInfo(
        name="injection",
        version="0.2.0",
        rules=RULE_IDS,
        description="injected instructions: rules by tactic over decoded views, and a trained classifier",
    )
    Params = InjectionParams
    params: InjectionParams

    def __init__(self, params: InjectionParams | None = None) -> None:
        super().__init__(params)
        self.needs_embeddings = self.params.classifier
        self._scorer: InjectionScorer | None = (
            None if self.params.classifier else InjectionScorer(self.params, None, None)
        )

    def setup(self, ctx: SetupContext) -> None:
        if self.params.classifier and self._scorer is None:
            self._scorer = InjectionScorer(
                self.params, InjectionClassifier.load(), require_engine(ctx.device)
            )

    def models(self) -> tuple[ModelDigest, ...]:
        if self._scorer is None or self._scorer.classifier is None:
            return ()
        return (MINILM_DIGEST, self._scorer.classifier.digest())

    def detect(self, segments: pa.RecordBatch) -> DetectionResult:
        if self._scorer is None:
            raise DetectorConfigError("injection classifier needs setup() before use")
        out = FindingBuffer()
        rows = segments.column("row").to_pylist()
        fields = segments.column("field").to_pylist()
        texts = [t or "" for t in segments.column("text").to_pylist()]
        roles = segments.column("role").to_pylist()
        vectors = None
        if self.params.classifier and EMBEDDING in segments.schema.names:
            vectors = segment_vectors(segments)
        verdicts = self._scorer.score(texts, roles, vectors)
        for row, fld, verdict in zip(rows, fields, verdicts, strict=True):
            for rule_id, score, evidence in verdict.findings(self.params.threshold):
                out.add(row, rule_id, score, f"{evidence} of {fld!r}", fld)
        return DetectionResult(out.items)
