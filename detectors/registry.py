"""Detectors by stable name.

Adding a detector is one module and one line here. The order of this table is only the
order reports list detectors in: the pipeline plans when each runs from what it declares
(``reads``, ``rewrites_text``, ``rewrites_after``, ``needs_embeddings``), and the policy
takes each one's rules and default actions from its :class:`~detectors.base.DetectorInfo`.
"""

from __future__ import annotations

from detectors.abusive_answer import AbusiveAnswerDetector
from detectors.base import Detector
from detectors.chat_template import ChatTemplateDetector
from detectors.drift import DriftDetector
from detectors.exact_duplicate import ExactDuplicateDetector
from detectors.harmful_compliance import HarmfulComplianceDetector
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
        SecretsDetector,
        InjectionDetector,
        PiiDetector,
        ChatTemplateDetector,
        HarmfulComplianceDetector,
        AbusiveAnswerDetector,
        ExactDuplicateDetector,
        NearDuplicateDetector,
        SemanticDuplicateDetector,
        OutlierDetector,
        PoisoningDetector,
        DriftDetector,  # compares with a reference only when a scan names one
    )
}


def detector_class(name: str) -> type[Detector]:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown detector {name!r}; known: {sorted(REGISTRY)}") from None
