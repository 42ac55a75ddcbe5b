from __future__ import annotations

from pathlib import Path

import pytest

from gateway.core.policy import Action, load_policy, parse_policy
from gateway.errors import PolicyError
from tests.helpers import ROOT

POLICIES = ROOT / "fixtures" / "policies"


def test_default_policy_loads_and_has_stable_digest() -> None:
    a, b = load_policy(), load_policy()
    assert a.digest == b.digest
    assert a.digest.startswith("sha256:")
    assert a.detector("exact_duplicate").action_for("duplicate").action is Action.DROP


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("invalid_unknown_key.toml", "actoins"),
        ("invalid_unknown_rule.toml", "empty_txt"),
        ("invalid_action.toml", "delete"),
        ("invalid_gate_without_threshold.toml", "threshold"),
        ("invalid_param_type.toml", "max_row_bytes"),
        ("invalid_toml.toml", "not valid TOML"),
    ],
)
def test_invalid_policies_fail_closed(name: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        load_policy(POLICIES / name)


def test_unknown_detector_and_top_level_key() -> None:
    with pytest.raises(PolicyError, match="unknown detector"):
        parse_policy({"detectors": {"nope": {}}})
    with pytest.raises(PolicyError, match="unknown key"):
        parse_policy({"detector": {}})


def test_overlay_changes_digest_and_keeps_defaults() -> None:
    p = load_policy(POLICIES / "flag_duplicates.toml")
    assert p.id == "test/flag-duplicates"
    assert p.digest != load_policy().digest
    assert p.detector("exact_duplicate").action_for("duplicate").action is Action.FLAG
    assert p.detector("validation").action_for("empty_text").action is Action.DROP


def test_gate_threshold_is_parsed() -> None:
    p = load_policy(POLICIES / "gate_duplicates.toml")
    ra = p.detector("exact_duplicate").action_for("duplicate")
    assert ra.action is Action.GATE and ra.max_fraction == 0.05


def test_gate_fraction_out_of_range() -> None:
    with pytest.raises(PolicyError, match="max_fraction"):
        parse_policy(
            {
                "detectors": {
                    "exact_duplicate": {
                        "actions": {"duplicate": {"action": "gate", "max_fraction": 2}}
                    }
                }
            }
        )


def test_missing_policy_file(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "none.toml")


# ---------------------------------------------------------------- the policy decides


def test_an_action_a_detector_cannot_carry_out_is_refused() -> None:
    """Fail-open bypass: injection given "redact" published what it found, unchanged."""
    with pytest.raises(PolicyError, match="injection cannot redact"):
        parse_policy({"detectors": {"injection": {"actions": {"*": "redact"}}}})
    with pytest.raises(PolicyError, match="exact_duplicate cannot redact"):
        parse_policy({"detectors": {"exact_duplicate": {"actions": {"duplicate": "redact"}}}})
    # the rewriters may redact
    p = parse_policy({"detectors": {"secrets": {"actions": {"*": "redact"}}}})
    assert p.detector("secrets").action_for("SECRET_AWS_ACCESS_KEY").action is Action.REDACT


def test_a_rule_override_merges_with_the_detector_defaults() -> None:
    """The README's recipe: naming one rule changes that rule and keeps the others."""
    p = parse_policy({"detectors": {"injection": {"actions": {"classifier": "drop"}}}})
    inj = p.detector("injection")
    assert inj.action_for("classifier").action is Action.DROP
    assert inj.action_for("invisible.zero_width").action is Action.FLAG  # kept
    assert inj.action_for("override.ignore_previous").action is Action.DROP


def test_default_toml_repeats_exactly_what_detectors_declare() -> None:
    """default.toml documents the defaults; the declarations are the source of truth."""
    import tomllib
    from importlib import resources

    from detectors.registry import REGISTRY

    doc = tomllib.loads(
        resources.files("gateway.policies").joinpath("default.toml").read_text("utf-8")
    )
    sections = doc["detectors"]
    for name, cls in REGISTRY.items():
        declared = {rule: d.as_toml() for rule, d in cls.info.defaults.items()}
        assert sections[name].get("actions", declared) == declared, name
        assert sections[name].get("enabled", True) is cls.enabled_by_default, name


def test_a_new_detector_needs_its_module_and_one_registry_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow as pa

    from detectors.base import (
        FLAG,
        NO_SCAN,
        DetectionResult,
        DetectorInfo,
        FindingBuffer,
        RowDetector,
        ScanContext,
    )
    from detectors.registry import REGISTRY
    from gateway.core.pipeline import Pipeline
    from gateway.core.scan_types import ScanRequest
    from tests.helpers import NO_MODELS, alpaca, report, write_jsonl

    class ShoutingDetector(RowDetector):
        info = DetectorInfo(
            name="shouting", version="0.1.0", rules=("all_caps",), defaults={"all_caps": FLAG}
        )

        def detect(self, segments: pa.RecordBatch, scan: ScanContext = NO_SCAN) -> DetectionResult:
            out = FindingBuffer()
            for row, text in zip(
                segments.column("row").to_pylist(), segments.column("text").to_pylist(), strict=True
            ):
                if text.isupper():
                    out.add(row, "all_caps", 1.0, "every letter is a capital")
            return DetectionResult(out.items)

    monkeypatch.setitem(REGISTRY, "shouting", ShoutingDetector)  # the one registry line
    policy = load_policy(NO_MODELS)
    assert policy.detector("shouting").action_for("all_caps").action is Action.FLAG
    src = write_jsonl(tmp_path / "in.jsonl", [alpaca(0), alpaca(1, output="STOP NOW")])
    Pipeline(policy).scan(ScanRequest(inputs=[src], out=tmp_path / "out", device="cpu"))
    rep = report(tmp_path / "out")
    assert rep["by_reason"]["shouting"] == {"all_caps": 1}
    assert rep["counts"]["rows_flagged"] == 1 and rep["counts"]["rows_clean"] == 2


def test_a_broken_allow_regex_is_a_policy_error_not_a_crash() -> None:
    with pytest.raises(PolicyError, match="allow_regex"):
        parse_policy({"detectors": {"pii": {"params": {"allow_regex": ["(unclosed"]}}}})
