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
