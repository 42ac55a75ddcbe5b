"""docs/policy.md says what the detectors declare: it is generated, and stale is a failure.

The page comes from ``scripts/policy_docs.py``, which reads each detector's
``DetectorInfo``, its ``Params`` dataclass and the shipped policy, never a model. When a
detector gains a rule or a parameter, or a default changes, ``test_policy_md_is_current``
fails until ``python scripts/policy_docs.py`` is run.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

from detectors.registry import REGISTRY
from scripts import policy_docs
from tests.helpers import ROOT


def test_policy_md_is_current() -> None:
    assert policy_docs.DOC.read_text("utf-8") == policy_docs.render(), (
        "docs/policy.md is stale: run `python scripts/policy_docs.py`"
    )


def test_check_fails_on_a_stale_page_and_passes_on_a_fresh_one(tmp_path: Path) -> None:
    page = tmp_path / "policy.md"
    page.write_text(policy_docs.render().replace("| drop |", "| flag |", 1), "utf-8")
    assert policy_docs.main(["--check", "--out", str(page)]) == 1
    assert policy_docs.main(["--out", str(page)]) == 0
    assert policy_docs.main(["--check", "--out", str(page)]) == 0


def test_every_detector_rule_and_parameter_is_on_the_page() -> None:
    page = policy_docs.render()
    for name, cls in REGISTRY.items():
        assert f"### `{name}` (version {cls.info.version})" in page
        for rule in cls.info.rules:
            assert f"| `{rule}` |" in page, (name, rule)
        for f in policy_docs.params_of(cls):
            assert f"| `{f.name}` |" in page, (name, f.name)


def test_every_parameter_says_what_it_does() -> None:
    """From the comment beside its field in the detector, or a note in the script."""
    missing = [
        f"{name}.{f.name}"
        for name, cls in REGISTRY.items()
        for f in policy_docs.params_of(cls)
        if not policy_docs.param_effect(name, cls, f.name)
    ]
    assert not missing, (
        f"parameters with no effect described: {missing}; add a comment beside the field "
        "in the detector's Params (or a PARAM_NOTES entry in scripts/policy_docs.py)"
    )


def test_every_section_key_says_what_it_does() -> None:
    """[policy], [input] and [output]: from default.toml's comment or a note in the script."""
    from gateway.core.policy import InputPolicy, OutputPolicy

    sections = {"policy": policy_docs._PolicyMeta, "input": InputPolicy, "output": OutputPolicy}
    missing = [
        f"[{name}].{f.name}"
        for name, cls in sections.items()
        for f in dataclasses.fields(cls)
        if not policy_docs.section_effect(name, f.name)
    ]
    assert not missing, (
        f"policy keys with no effect described: {missing}; add a comment after the key in "
        "gateway/policies/default.toml (or a SECTION_NOTES entry in scripts/policy_docs.py)"
    )


def test_notes_name_only_what_exists() -> None:
    """Hand-written notes go stale when a rule, parameter or detector is renamed."""
    for name in (*policy_docs.RULE_NOTES, *policy_docs.PARAM_NOTES, *policy_docs.DETECTOR_NOTES):
        assert name in REGISTRY, name
    for name, notes in policy_docs.RULE_NOTES.items():
        assert set(notes) <= set(REGISTRY[name].info.rules), (name, set(notes))
    for name, notes in policy_docs.PARAM_NOTES.items():
        params = {f.name for f in policy_docs.params_of(REGISTRY[name])}
        assert set(notes) <= params, (name, set(notes) - params)
    from gateway.core.policy import InputPolicy, OutputPolicy

    sections = {
        "policy": {f.name for f in dataclasses.fields(policy_docs._PolicyMeta)},
        "input": {f.name for f in dataclasses.fields(InputPolicy)},
        "output": {f.name for f in dataclasses.fields(OutputPolicy)},
    }
    for section, notes in policy_docs.SECTION_NOTES.items():
        assert set(notes) <= sections[section], (section, set(notes))


def test_rendering_loads_no_model() -> None:
    """Declarations only: neither torch, spaCy nor sentence-transformers is imported."""
    code = (
        "import sys; from scripts import policy_docs; policy_docs.render(); "
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'spacy', 'sentence_transformers', 'transformers', 'presidio_analyzer')]; "
        "print(heavy); sys.exit(1 if heavy else 0)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
