from __future__ import annotations

import pytest

from gateway.core.schema import Role, detect_schema, extract
from gateway.errors import InputError


@pytest.mark.parametrize(
    ("columns", "kind"),
    [
        (["instruction", "input", "output"], "alpaca"),
        (["instruction", "output"], "alpaca"),
        (["instruction", "context", "response", "category"], "dolly"),
        (["messages"], "chat"),
        (["id", "conversations"], "chat"),
        (["id", "instruction", "instances", "is_classification"], "self_instruct"),
        (["prompt", "completion"], "prompt_completion"),
        (["question_id", "turns"], "turns"),
        (["text", "url"], "text"),
    ],
)
def test_recognises_schema(columns: list[str], kind: str) -> None:
    assert detect_schema(columns).kind == kind


def test_unknown_schema_says_what_to_do() -> None:
    with pytest.raises(InputError, match="--fields"):
        detect_schema(["a", "b"])


def test_explicit_fields_override_and_must_exist() -> None:
    s = detect_schema(["question", "answer", "text"], ["question", "answer"])
    assert s.kind == "explicit"
    assert [(c.name, c.role) for c in s.columns] == [
        ("question", Role.PROMPT),
        ("answer", Role.RESPONSE),
    ]
    with pytest.raises(InputError, match="nope"):
        detect_schema(["question"], ["nope"])


def test_alpaca_roles_and_optional_input() -> None:
    s = detect_schema(["instruction", "input", "output"])
    ex = extract(s, {"instruction": "Do it", "input": "", "output": "Done"})
    assert not ex.problems
    assert [(g.field, g.role) for g in ex.segments] == [
        ("instruction", Role.PROMPT),
        ("input", Role.CONTEXT),
        ("output", Role.RESPONSE),
    ]


@pytest.mark.parametrize(
    ("msgs", "roles"),
    [
        (
            [
                {"role": "system", "content": "S"},
                {"role": "user", "content": "U"},
                {"role": "assistant", "content": "A"},
            ],
            [Role.SYSTEM, Role.PROMPT, Role.RESPONSE],
        ),
        (
            [{"from": "human", "value": "U"}, {"from": "gpt", "value": "A"}],
            [Role.PROMPT, Role.RESPONSE],
        ),
    ],
)
def test_chat_styles(msgs: list[dict[str, str]], roles: list[Role]) -> None:
    s = detect_schema(["messages"])
    ex = extract(s, {"messages": msgs})
    assert not ex.problems
    assert [g.role for g in ex.segments] == roles
    assert ex.segments[0].field.startswith("messages[0].")


@pytest.mark.parametrize(
    ("row", "rule"),
    [
        ({"instruction": "x"}, "missing_field"),
        ({"instruction": "x", "output": None}, "null_field"),
        ({"instruction": 3, "output": "y"}, "not_a_string"),
        ({"instruction": "x", "output": "  \n"}, "empty_text"),
        ({"instruction": "x\ud800", "output": "y"}, "invalid_utf8"),
    ],
)
def test_structural_problems(row: dict[str, object], rule: str) -> None:
    ex = extract(detect_schema(["instruction", "input", "output"]), row)
    assert [p.rule for p in ex.problems] == [rule]


def test_chat_problems() -> None:
    s = detect_schema(["messages"])
    assert extract(s, {"messages": []}).problems[0].rule == "empty_text"
    assert extract(s, {"messages": "hi"}).problems[0].rule == "not_a_string"
    bad_role = extract(s, {"messages": [{"role": "narrator", "content": "x"}]})
    assert bad_role.problems[0].rule == "unknown_role"
