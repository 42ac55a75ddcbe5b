"""The classifier's two cut points: flagged between ``threshold`` and ``confident``, dropped above.

An attacker's row the classifier is sure of must not pass the default policy merely
because no rule matched it (a flagged row is published); a benign row the classifier is
unsure of is kept and listed. A fake classifier and embedder set each field's score
exactly, so these tests need no model.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pyarrow as pa
import pytest

from detectors.base import SEGMENT_SCHEMA, ScanContext, SetupContext
from detectors.injection import (
    CONFIDENT,
    FieldVerdict,
    InjectionDetector,
    InjectionParams,
)
from detectors.injection_classifier import InjectionClassifier, LinearHead
from gateway.core.policy import Action, declared_defaults, load_policy

_SCORE = re.compile(r"score=([0-9.]+)")


class ScoreEmbedder:
    """One-dimensional 'embeddings': the logit of the score written in the text."""

    def embed(self, texts: list[str]) -> np.ndarray:
        out = []
        for t in texts:
            m = _SCORE.search(t)
            p = float(m.group(1)) if m else 0.01
            out.append([math.log(p / (1 - p))])
        return np.asarray(out, dtype=np.float32)


def fake_classifier() -> InjectionClassifier:
    head = LinearHead(np.ones(1, dtype=np.float32), 0.0)
    return InjectionClassifier({"prompt": head, "content": head}, "0" * 64, {}, {})


def detect(texts: list[str], params: InjectionParams | None = None) -> dict[int, list[str]]:
    det = InjectionDetector(params or InjectionParams())
    det._classifier = fake_classifier()  # the model, replaced by a fake
    det.setup(SetupContext())
    batch = pa.RecordBatch.from_pylist(
        [
            {"row": i, "row_id": str(i), "field": "instruction", "role": "prompt", "text": t}
            for i, t in enumerate(texts)
        ],
        schema=SEGMENT_SCHEMA,
    )
    found: dict[int, list[str]] = {i: [] for i in range(len(texts))}
    for f in det.detect(batch, ScanContext(embedder=ScoreEmbedder())).findings:
        found[f.row].append(f.rule)
    return found


def removed(rules: list[str]) -> bool:
    policy = load_policy().detector("injection")
    return any(policy.action_for(r).action.quarantines for r in rules)


def test_a_row_over_the_confident_cut_is_dropped_and_one_between_is_flagged() -> None:
    cut = InjectionParams().confident
    assert 0.5 < cut < 1.0
    over, between, under = min(0.999, cut + 0.005), (0.5 + cut) / 2, 0.3
    found = detect([f"score={over} tell me", f"score={between} tell me", f"score={under} hi"])
    assert found[0] == [CONFIDENT] and removed(found[0])
    assert found[1] == ["classifier"] and not removed(found[1])
    assert load_policy().detector("injection").action_for("classifier").action is Action.FLAG
    assert found[2] == []


def test_the_confident_cut_is_a_policy_parameter() -> None:
    found = detect(["score=0.97 x", "score=0.7 x"], InjectionParams(confident=0.6))
    assert found == {0: [CONFIDENT], 1: [CONFIDENT]}
    # confident = 1 leaves every classifier finding flagged, as before the second cut
    found = detect(["score=0.97 x"], InjectionParams(confident=1.0))
    assert found == {0: ["classifier"]}


def test_field_verdict_names_the_cut_it_passed() -> None:
    v = FieldVerdict(0.95, [], 0.95, None)
    assert [f[0] for f in v.findings(0.5)] == ["classifier"]  # no second cut given
    (rule, score, evidence) = v.findings(0.5, 0.9)[0]
    assert (rule, score) == (CONFIDENT, 0.95) and "confident cut 0.900" in evidence
    assert [f[0] for f in FieldVerdict(0.8, [], 0.8, None).findings(0.5, 0.9)] == ["classifier"]
    # a rule that reaches the threshold is reported beside the classifier either way
    rule_hit = ("override.ignore_previous", 0.95, "instruction_override rule at [0:9]")
    assert [f[0] for f in FieldVerdict(0.99, [rule_hit], 0.96, None).findings(0.5, 0.9)] == [
        "override.ignore_previous",
        CONFIDENT,
    ]


@pytest.mark.parametrize("confident", [0.0, 1.01])
def test_the_confident_cut_is_a_probability(confident: float) -> None:
    with pytest.raises(ValueError, match="confident"):
        InjectionParams(confident=confident)


def test_a_policy_that_raises_threshold_past_the_cut_drops_what_it_reports() -> None:
    """threshold = 0.95 with the default cut is a valid policy: every classifier finding
    reaches the cut, so all are dropped; nothing below the threshold is reported."""
    found = detect(["score=0.97 x", "score=0.9 x"], InjectionParams(threshold=0.95, confident=0.9))
    assert found == {0: [CONFIDENT], 1: []}


def test_default_policy_drops_confident_and_flags_the_rest() -> None:
    declared = declared_defaults()["detectors"]["injection"]["actions"]
    assert declared[CONFIDENT] == "drop" and declared["classifier"] == "flag"
    actions = load_policy().detector("injection")
    assert actions.action_for(CONFIDENT).action is Action.DROP
    assert actions.action_for("classifier").action is Action.FLAG
    assert actions.action_for("combined").action is Action.DROP
    # default.toml states the cut, and it is the one the code declares
    assert actions.params.confident == InjectionParams().confident


def test_more_of_an_attack_never_earns_a_milder_action() -> None:
    """A weak persona rule with a classifier score under the low cut combines into a drop;
    the same rule with a higher classifier score between the cuts must drop too, not fall
    back to the flagged ``classifier`` finding (adding jailbreak text to a row once turned
    its drop into a flag)."""
    weak = [("persona.never_refuse", 0.45, "never refuses")]
    low = FieldVerdict(1 - 0.55 * 0.8, weak, 0.2, None)
    high = FieldVerdict(1 - 0.55 * 0.4, weak, 0.6, None)
    low_rules = [r for r, _, _ in low.findings(0.5, 0.695)]
    high_rules = [r for r, _, _ in high.findings(0.5, 0.695)]
    assert low_rules == ["combined"] and removed(low_rules)
    assert high_rules == ["classifier", "combined"] and removed(high_rules)
    alone = FieldVerdict(0.6, [], 0.6, None)  # no rule: the classifier alone, flagged
    assert [r for r, _, _ in alone.findings(0.5, 0.695)] == ["classifier"]
