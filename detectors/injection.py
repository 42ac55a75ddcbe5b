"""Injected instructions in training text: rules by tactic, over every decoded view.

An attacker who can add rows to an adaptation set teaches the model to obey instructions
hidden in data. Each rule has an id, a tactic and a severity; every field is matched in
all its views (see :mod:`detectors.decoders`), so a payload in base64, tag characters or
an HTML comment is found as readily as plain text, and evidence names the rule, the
field, how it was hidden and the original span. Rules that only make sense inside
content (an instruction addressed to "the AI") fire only in context and input fields.

This is the rule layer of the scanner; the trained classifier that the issue also asks
for is not built yet, so there is no learned score to combine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

from detectors.base import DetectionResult, Detector, DetectorInfo, FindingBuffer
from detectors.decoders import invisible, views


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

RULE_IDS = (*tuple(r.id for r in RULES), "invisible.zero_width", "invisible.bidi", "invisible.tag")
INVISIBLE_SEVERITY = {"zero_width": 0.4, "bidi": 0.6, "tag": 0.9}


@dataclass(frozen=True, slots=True)
class InjectionParams:
    min_severity: float = 0.0  # rules below this are not reported
    max_chars: int = 200_000  # longer fields are scanned in overlapping windows

    def __post_init__(self) -> None:
        if self.max_chars < 1000:
            raise ValueError("max_chars must be at least 1000")


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


class InjectionDetector(Detector):
    info = DetectorInfo(
        name="injection",
        version="0.1.0",
        rules=RULE_IDS,
        description="injected instructions: overrides, personas, fake turns, exfiltration, code coercion",
    )
    Params = InjectionParams
    params: InjectionParams

    def detect(self, segments: pa.RecordBatch) -> DetectionResult:
        out = FindingBuffer()
        rows = segments.column("row").to_pylist()
        fields = segments.column("field").to_pylist()
        roles = segments.column("role").to_pylist()
        for row, fld, role, text in zip(
            rows, fields, roles, segments.column("text").to_pylist(), strict=True
        ):
            if not text:
                continue
            for rule_id, severity, evidence in scan_field(text, role, self.params):
                out.add(row, rule_id, severity, f"{evidence} of {fld!r}", fld)
        return DetectionResult(out.items)
