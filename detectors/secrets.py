"""Credentials pasted into training text: cloud keys, tokens, private keys, passwords.

A row with a secret is dropped by default: redacting the value would keep the context
that whoever planted it wanted trained. The value is rewritten all the same (to
``<SECRET_KIND>``), so neither quarantine nor logs ever hold it; evidence names the kind,
field and span only.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

import pyarrow as pa

from detectors.base import (
    DROP,
    NO_SCAN,
    DetectionResult,
    DetectorInfo,
    Reads,
    RowDetector,
    ScanContext,
)
from detectors.spans import Span, merge_spans, rewrite_result


@dataclass(frozen=True, slots=True)
class SecretPattern:
    rule: str
    regex: re.Pattern[str]
    group: int = 0  # which group holds the secret itself
    min_entropy: float = 0.0  # bits per character, for generic assignments


_ASSIGN_NAMES = (
    r"api[_-]?key|apikey|secret(?:[_-]?key)?|client[_-]?secret|access[_-]?key|"
    r"auth[_-]?token|access[_-]?token|token|passwd|password|pwd|private[_-]?key"
)

PATTERNS: tuple[SecretPattern, ...] = (
    SecretPattern("SECRET_AWS_ACCESS_KEY", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")),
    SecretPattern(
        "SECRET_AWS_SECRET_KEY",
        re.compile(
            r"(?i)aws.{0,20}?(?:secret|access).{0,20}?['\"=:\s]\s*['\"]?([A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"
        ),
        group=1,
    ),
    SecretPattern(
        "SECRET_GITHUB_TOKEN",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b"),
    ),
    SecretPattern("SECRET_GITLAB_TOKEN", re.compile(r"\bgl(?:pat|dt|rt|ptt)-[A-Za-z0-9_\-]{20,}")),
    SecretPattern(
        "SECRET_SLACK_TOKEN",
        re.compile(
            r"\bxox[abposr]-[A-Za-z0-9-]{10,250}|https://hooks\.slack\.com/services/[A-Za-z0-9/_-]{20,}"
        ),
    ),
    SecretPattern(
        "SECRET_STRIPE_KEY", re.compile(r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,247}\b")
    ),
    SecretPattern("SECRET_GOOGLE_API_KEY", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
    SecretPattern("SECRET_OPENAI_KEY", re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_\-]{32,}\b")),
    SecretPattern(
        "SECRET_PRIVATE_KEY",
        re.compile(
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
            r"(?:[\s\S]{0,20000}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
            r"|[\s\S]{0,4000})"
        ),
    ),
    SecretPattern(
        "SECRET_JWT",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    ),
    SecretPattern(
        "SECRET_CONNECTION_PASSWORD",
        re.compile(
            r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:/@'\"]{1,64}:([^\s@/'\"]{3,128})@[\w.-]+"
        ),
        group=1,
    ),
    SecretPattern(
        "SECRET_CONNECTION_PASSWORD",
        re.compile(r"(?i)(?:^|[;\s'\"])(?:password|pwd)\s*=\s*([^;\s'\"]{4,128})"),
        group=1,
    ),
    SecretPattern(
        "SECRET_ASSIGNED_VALUE",
        re.compile(
            rf"(?i)\b(?:{_ASSIGN_NAMES})\b['\"]?\s*(?::|=|:=|=>)\s*['\"]?([A-Za-z0-9_\-+/=.~]{{16,256}})"
        ),
        group=1,
        min_entropy=3.5,
    ),
)

RULES = tuple(sorted({p.rule for p in PATTERNS}))

# Cheap gates: a pattern family is only run when its marker can be present at all.
_MARKERS = re.compile(
    r"AKIA|ASIA|ABIA|ACCA|aws|AWS|gh[pousr]_|github_pat_|gl(?:pat|dt|rt|ptt)-|xox|hooks\.slack|"
    r"_live_|_test_|AIza|sk-|PRIVATE KEY|eyJ|://|(?i:password|pwd|secret|token|api[_-]?key|apikey|"
    r"access[_-]?key|passwd|private[_-]?key)"
)


def shannon_entropy(value: str) -> float:
    counts = Counter(value)
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


def find_secrets(text: str) -> list[Span]:
    if not _MARKERS.search(text):
        return []
    found = []
    for p in PATTERNS:
        for m in p.regex.finditer(text):
            start, end = m.span(p.group)
            value = m.group(p.group)
            if p.min_entropy and shannon_entropy(value) < p.min_entropy:
                continue
            found.append(Span(start, end, p.rule, 1.0))
    return found


class SecretsDetector(RowDetector):
    info = DetectorInfo(
        name="secrets",
        version="1.1.0",
        rules=RULES,
        description="cloud keys, API tokens, private keys, JWTs, passwords in connection strings",
        # redacting a planted key would keep the context around it
        defaults={"*": DROP},
    )
    reads = Reads.RAW
    rewrites_text = True
    reads_metadata = True  # a key in a passthrough column is published like any other

    def detect(self, segments: pa.RecordBatch, scan: ScanContext = NO_SCAN) -> DetectionResult:
        texts = segments.column("text").to_pylist()
        return rewrite_result(
            segments,
            [merge_spans(find_secrets(t)) for t in texts],
            lambda s, _value: f"<{s.entity}>",
        )
