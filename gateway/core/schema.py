"""Which columns of a dataset are training text, and with which role.

Instruction data is not one ``text`` column: the prompt, the context and the response
carry different risks (DESIGN.md, "Fields have roles"). A :class:`TextSchema` maps the
columns of a file to *segments*: one ``(field, role, text)`` triple per piece of training
text in a row, which is what every detector sees. Every string a trainer could train on
is a segment: a chat message's ``content`` and ``value`` both, its tool calls, function
arguments and any other key. Other columns are published as they came, so every string
in them is scanned too, as ``metadata`` segments that only the secrets and PII detectors
read (:func:`passthrough_segments`).

A segment's ``field`` is a path into the row (``messages[2].tool_calls[0].function.name``,
``meta["odd key"]``) that :func:`parse_path` reads back when a rewrite is written.

Extraction is also where structural problems are found (a required field missing, a
number where text belongs, lone surrogates that Arrow cannot store), because those must
be caught before a row is converted to Arrow.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from gateway.errors import InputError


class Role(StrEnum):
    """What a piece of text is for in a training example."""

    PROMPT = "prompt"
    CONTEXT = "context"
    RESPONSE = "response"
    SYSTEM = "system"
    TEXT = "text"
    # a string of a column that is not training text: published as uploaded, so it is
    # scanned for secrets and PII, but no other detector reads it
    METADATA = "metadata"


class ColumnKind(StrEnum):
    FLAT = "flat"  # a string column
    CHAT = "chat"  # list<struct<role|from, content|value>>
    INSTANCES = "instances"  # self-instruct: list<struct<input, output>>
    TURNS = "turns"  # list<string> of user turns (MT-bench)


@dataclass(frozen=True, slots=True)
class TextColumn:
    name: str
    kind: ColumnKind
    role: Role = Role.TEXT
    required: bool = True


@dataclass(frozen=True, slots=True)
class TextSchema:
    """The training-text columns of a dataset, recognised or given explicitly."""

    kind: str
    columns: tuple[TextColumn, ...]

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def describe(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "columns": [
                {"name": c.name, "kind": c.kind.value, "role": c.role.value, "required": c.required}
                for c in self.columns
            ],
        }


@dataclass(frozen=True, slots=True)
class Segment:
    field: str
    role: Role
    text: str


@dataclass(frozen=True, slots=True)
class Problem:
    """A structural problem with one row; it becomes a ``validation`` finding."""

    rule: str
    field: str
    evidence: str


@dataclass(slots=True)
class Extraction:
    segments: list[Segment] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# Role values seen in chat datasets (OpenAI, ShareGPT/Vicuna, Llama, Gemini styles).
CHAT_ROLES: dict[str, Role] = {
    "user": Role.PROMPT,
    "human": Role.PROMPT,
    "assistant": Role.RESPONSE,
    "gpt": Role.RESPONSE,
    "model": Role.RESPONSE,
    "bot": Role.RESPONSE,
    "chatgpt": Role.RESPONSE,
    "bing": Role.RESPONSE,
    "bard": Role.RESPONSE,
    "system": Role.SYSTEM,
    "tool": Role.CONTEXT,
    "function": Role.CONTEXT,
    "ipython": Role.CONTEXT,
    "observation": Role.CONTEXT,
}

# Column names whose role is obvious, for explicit --fields mappings.
NAME_ROLES: dict[str, Role] = {
    "instruction": Role.PROMPT,
    "prompt": Role.PROMPT,
    "question": Role.PROMPT,
    "query": Role.PROMPT,
    "input": Role.CONTEXT,
    "context": Role.CONTEXT,
    "output": Role.RESPONSE,
    "response": Role.RESPONSE,
    "answer": Role.RESPONSE,
    "completion": Role.RESPONSE,
    "system": Role.SYSTEM,
    "text": Role.TEXT,
    "content": Role.TEXT,
}

CHAT_COLUMNS = ("messages", "conversations")
TOOL_CALL_KEYS = ("tool_calls", "function_call")

_F = ColumnKind.FLAT
KNOWN_SCHEMAS: tuple[TextSchema, ...] = (
    TextSchema(
        "alpaca",
        (
            TextColumn("instruction", _F, Role.PROMPT),
            TextColumn("input", _F, Role.CONTEXT, required=False),
            TextColumn("output", _F, Role.RESPONSE),
        ),
    ),
    TextSchema(
        "dolly",
        (
            TextColumn("instruction", _F, Role.PROMPT),
            TextColumn("context", _F, Role.CONTEXT, required=False),
            TextColumn("response", _F, Role.RESPONSE),
        ),
    ),
    TextSchema(
        "self_instruct",
        (
            TextColumn("instruction", _F, Role.PROMPT),
            TextColumn("instances", ColumnKind.INSTANCES),
        ),
    ),
    TextSchema(
        "prompt_completion",
        (TextColumn("prompt", _F, Role.PROMPT), TextColumn("completion", _F, Role.RESPONSE)),
    ),
    TextSchema("turns", (TextColumn("turns", ColumnKind.TURNS, Role.PROMPT),)),
    TextSchema("text", (TextColumn("text", _F, Role.TEXT),)),
)

# Columns that look like training text; if one passes through unscanned, the report says so.
TEXT_LIKE = frozenset(NAME_ROLES) | frozenset(CHAT_COLUMNS) | {"instances", "turns"}


def parse_field(spec: str) -> tuple[str, Role | None]:
    """``column`` or ``column=role`` (``--fields``, the policy, gRPC's field_mapping); an
    unknown role is an error naming it, never a silent fall back to plain text."""
    name, sep, role = spec.partition("=")
    name, role = name.strip(), role.strip()
    if not name:
        raise InputError(f"field {spec!r} names no column; write COLUMN or COLUMN=ROLE")
    if not sep:
        return name, None
    try:
        return name, Role(role)
    except ValueError:
        raise InputError(
            f"field {name!r}: unknown role {role!r}; use one of {[r.value for r in Role]}"
        ) from None


def detect_schema(columns: Collection[str], fields: Sequence[str] | None = None) -> TextSchema:
    """Recognise the text schema of a dataset from its column names.

    ``fields`` (from ``--fields`` or the policy) overrides recognition; every named
    column must exist. Each is ``column`` (its role recognised from its name, plain text
    otherwise) or ``column=role``.
    """
    present = set(columns)
    if fields:
        parsed = [parse_field(f) for f in fields]
        missing = [name for name, _ in parsed if name not in present]
        if missing:
            raise InputError(
                f"--fields names column(s) {missing} that the input does not have; "
                f"its columns are {sorted(present)}"
            )
        cols: list[TextColumn] = []
        for name, given in parsed:
            if name in CHAT_COLUMNS and given is None:
                cols.append(TextColumn(name, ColumnKind.CHAT))
            else:
                role = given or NAME_ROLES.get(name, Role.TEXT)
                cols.append(TextColumn(name, _F, role, required=role is not Role.CONTEXT))
        return TextSchema("explicit", tuple(cols))
    for name in CHAT_COLUMNS:
        if name in present:
            return TextSchema("chat", (TextColumn(name, ColumnKind.CHAT),))
    for schema in KNOWN_SCHEMAS:
        if all(c.name in present for c in schema.columns if c.required):
            found = tuple(c for c in schema.columns if c.required or c.name in present)
            return TextSchema(schema.kind, found)
    raise InputError(
        f"unknown dataset schema: columns {sorted(present)} match none of alpaca "
        "(instruction/input/output), dolly (instruction/context/response), chat "
        "(messages or conversations), self-instruct (instruction/instances), "
        "prompt/completion, turns, or text; name the training-text columns with --fields"
    )


def unscanned_text_like(columns: Iterable[str], schema: TextSchema) -> list[str]:
    """Columns that look like training text but are not part of the schema."""
    used = set(schema.column_names)
    return sorted(c for c in columns if c in TEXT_LIKE and c not in used)


def _is_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_text(
    out: Extraction, value: Any, path: str, role: Role, required: bool, present: bool
) -> None:
    if not present:
        if required:
            out.problems.append(
                Problem("missing_field", path, f"required field {path!r} is missing")
            )
        return
    if value is None:
        if required:
            out.problems.append(Problem("null_field", path, f"required field {path!r} is null"))
        return
    if not isinstance(value, str):
        out.problems.append(
            Problem("not_a_string", path, f"field {path!r} is {type(value).__name__}, not text")
        )
        return
    if not _is_encodable(value):
        out.problems.append(
            Problem(
                "invalid_utf8",
                path,
                f"field {path!r} has invalid UTF-8 or a lone surrogate",
            )
        )
        return
    if required and not value.strip():
        out.problems.append(Problem("empty_text", path, f"required field {path!r} is empty"))
        return
    out.segments.append(Segment(path, role, value))


def _chat(out: Extraction, col: TextColumn, value: Any) -> None:
    if not isinstance(value, list):
        kind = "null" if value is None else type(value).__name__
        rule = "null_field" if value is None else "not_a_string"
        out.problems.append(Problem(rule, col.name, f"{col.name!r} is {kind}, not a list of turns"))
        return
    if not value:
        out.problems.append(Problem("empty_text", col.name, f"{col.name!r} has no turns"))
        return
    for i, msg in enumerate(value):
        path = f"{col.name}[{i}]"
        if not isinstance(msg, Mapping):
            out.problems.append(
                Problem("not_a_string", path, f"{path} is {type(msg).__name__}, not a message")
            )
            continue
        role_key = "role" if "role" in msg else "from"
        content_key = "content" if "content" in msg else "value"
        raw_role = msg.get(role_key)
        role = CHAT_ROLES.get(raw_role.lower()) if isinstance(raw_role, str) else None
        if role is None:
            shown = raw_role if isinstance(raw_role, str) and len(raw_role) < 40 else "?"
            out.problems.append(
                Problem("unknown_role", path, f"{path} has no known role (got {shown!r})")
            )
            continue
        # an assistant turn that only calls tools has no content (OpenAI's format)
        calls = any(msg.get(k) for k in TOOL_CALL_KEYS)
        _check_text(
            out, msg.get(content_key), f"{path}.{content_key}", role, not calls, content_key in msg
        )
        # everything else a trainer may train on: the other of content/value, tool calls,
        # function arguments, names; only the role itself is not text
        for key, v in msg.items():
            if key not in (role_key, content_key):
                _strings(out, v, join_path(path, key), role)


def _instances(out: Extraction, col: TextColumn, value: Any) -> None:
    if not isinstance(value, list) or not value:
        rule = "null_field" if value is None else "not_a_string"
        if isinstance(value, list):
            rule = "empty_text"
        out.problems.append(Problem(rule, col.name, f"{col.name!r} must be a non-empty list"))
        return
    for i, inst in enumerate(value):
        path = f"{col.name}[{i}]"
        if not isinstance(inst, Mapping):
            out.problems.append(Problem("not_a_string", path, f"{path} is not an object"))
            continue
        _check_text(out, inst.get("input"), f"{path}.input", Role.CONTEXT, False, "input" in inst)
        _check_text(
            out, inst.get("output"), f"{path}.output", Role.RESPONSE, True, "output" in inst
        )
        for key, v in inst.items():
            if key not in ("input", "output"):
                _strings(out, v, join_path(path, key), Role.CONTEXT)


def _turns(out: Extraction, col: TextColumn, value: Any) -> None:
    if not isinstance(value, list) or not value:
        rule = "empty_text" if isinstance(value, list) else "not_a_string"
        if value is None:
            rule = "null_field"
        out.problems.append(Problem(rule, col.name, f"{col.name!r} must be a non-empty list"))
        return
    for i, turn in enumerate(value):
        _check_text(out, turn, f"{col.name}[{i}]", col.role, True, True)


def _strings(out: Extraction, value: Any, path: str, role: Role) -> None:
    """Every string inside ``value`` as a segment of ``role`` (nothing is required here)."""
    for sub, text in walk_strings(value, path):
        if text and _is_encodable(text):
            out.segments.append(Segment(sub, role, text))
        elif text:
            out.problems.append(
                Problem("invalid_utf8", sub, f"field {sub!r} has invalid UTF-8 or a lone surrogate")
            )


def walk_strings(value: Any, path: str) -> Iterable[tuple[str, str]]:
    """(path, string) for every string inside a JSON-like value, depth first, in order."""
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:  # iterative: a 100k-deep value must not exhaust the interpreter's stack
        where, v = stack.pop()
        if isinstance(v, str):
            yield where, v
        elif isinstance(v, Mapping):
            stack.extend((join_path(where, k), x) for k, x in reversed(list(v.items())))
        elif isinstance(v, list | tuple):
            stack.extend((f"{where}[{i}]", x) for i, x in reversed(list(enumerate(v))))


_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def join_path(path: str, key: object) -> str:
    """``path.key``, or ``path["key"]`` (JSON-quoted) when the key is not a plain name."""
    k = str(key)
    return f"{path}.{k}" if _KEY.fullmatch(k) else f"{path}[{json.dumps(k)}]"


_STEP = re.compile(r'\[(\d+)\]|\.([A-Za-z_][A-Za-z0-9_]*)|\[("(?:[^"\\]|\\.)*")\]')


def parse_path(path: str, columns: Collection[str]) -> tuple[str, list[int | str]]:
    """The column and the steps (list index or key) of a segment's field path."""
    if path in columns:
        return path, []
    for col in sorted(columns, key=len, reverse=True):
        if path.startswith(col) and path[len(col)] in ".[":
            rest, steps = path[len(col) :], []
            pos = 0
            while pos < len(rest):
                m = _STEP.match(rest, pos)
                if m is None:
                    break
                index, name, quoted = m.groups()
                steps.append(int(index) if index else name if name else json.loads(quoted))
                pos = m.end()
            if pos == len(rest):
                return col, steps
    raise ValueError(f"field path {path!r} names no column of {sorted(columns)}")


def passthrough_segments(
    row: Mapping[str, Any], columns: Sequence[str], json_encoded: Collection[str]
) -> list[Segment]:
    """Every string in the columns that are not training text, as ``metadata`` segments.

    A column written as JSON text (mixed types) is one segment, its JSON text; the others
    are walked to every string inside them."""
    out: list[Segment] = []
    for col in columns:
        value = row.get(col)
        if value is None:
            continue
        if col in json_encoded:
            text = json.dumps(value, ensure_ascii=False, sort_keys=True)
            out.append(Segment(col, Role.METADATA, text))
            continue
        for path, text in walk_strings(value, col):
            if text and _is_encodable(text):
                out.append(Segment(path, Role.METADATA, text))
    return out


def extract(schema: TextSchema, row: Mapping[str, Any]) -> Extraction:
    """Split one row into training-text segments, or say why it cannot be."""
    out = Extraction()
    for col in schema.columns:
        present = col.name in row
        value = row.get(col.name)
        if col.kind is ColumnKind.FLAT:
            _check_text(out, value, col.name, col.role, col.required, present)
        elif not present:
            out.problems.append(
                Problem("missing_field", col.name, f"required field {col.name!r} is missing")
            )
        elif col.kind is ColumnKind.CHAT:
            _chat(out, col, value)
        elif col.kind is ColumnKind.INSTANCES:
            _instances(out, col, value)
        else:
            _turns(out, col, value)
    if not out.problems and not any(s.text.strip() for s in out.segments):
        out.problems.append(Problem("empty_text", "*", "the row has no training text"))
    return out
