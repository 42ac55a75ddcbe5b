"""Detectors by stable name, in the order the pipeline runs them.

Order matters: rewriting detectors (PII) run before those that should see the
anonymized text. Adding a detector is one module and one line here.
"""

from __future__ import annotations

from detectors.base import Detector
from detectors.drift import DriftDetector
from detectors.exact_duplicate import ExactDuplicateDetector
from detectors.injection import InjectionDetector
from detectors.near_duplicate import NearDuplicateDetector
from detectors.outliers import OutlierDetector
from detectors.pii import PiiDetector
from detectors.poisoning import PoisoningDetector
from detectors.secrets import SecretsDetector
from detectors.semantic_duplicate import SemanticDuplicateDetector
from detectors.validation import ValidationDetector

REGISTRY: dict[str, type[Detector]] = {
    cls.info.name: cls
    for cls in (
        ValidationDetector,
        SecretsDetector,  # before PII: a key must not be half-redacted as a phone number
        InjectionDetector,  # before PII rewrites anything it might read
        PiiDetector,
        ExactDuplicateDetector,
        NearDuplicateDetector,
        # after rewriting: embeddings are computed once, over anonymized text
        SemanticDuplicateDetector,
        OutlierDetector,
        PoisoningDetector,  # sees anonymized text, so a reported trigger is never PII
        DriftDetector,  # compares with a reference only when a scan names one
    )
}


def detector_class(name: str) -> type[Detector]:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown detector {name!r}; known: {sorted(REGISTRY)}") from None
