"""The policy: which findings drop, flag, redact or gate, with which thresholds.

Detectors only score; this module decides. A policy is TOML, laid over the shipped
default, which is laid over what each detector declares (its rules' default actions);
tables merge key by key and an actions table rule by rule. It is validated against typed
models and fails closed: an unknown key, detector or rule, or an action the detector
cannot carry out (``redact`` where nothing is rewritten), is a :class:`PolicyError`,
because a typo that silently disables a check is worse than no check. The resolved
policy has a canonical digest that goes into the report and the manifest.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any, get_type_hints

from detectors.base import Detector
from detectors.registry import REGISTRY
from gateway.errors import PolicyError


class Action(StrEnum):
    DROP = "drop"
    FLAG = "flag"
    REDACT = "redact"
    GATE = "gate"

    @property
    def quarantines(self) -> bool:
        return self in (Action.DROP, Action.GATE)

    @property
    def applies_edits(self) -> bool:
        """Whether a rewriting detector's edit for a rule with this action is applied.

        ``redact`` publishes the row rewritten. ``drop`` and ``gate`` quarantine it, and
        the quarantined copy (and every vector taken of it) must not hold the value either.
        ``flag`` keeps the text exactly as it was uploaded: the policy asked to keep it.
        """
        return self is not Action.FLAG


@dataclass(frozen=True, slots=True)
class RuleAction:
    action: Action
    max_fraction: float | None = None  # for gates


@dataclass(frozen=True, slots=True)
class DetectorPolicy:
    name: str
    enabled: bool
    params: Any
    actions: Mapping[str, RuleAction]

    def action_for(self, rule: str) -> RuleAction:
        got = self.actions.get(rule) or self.actions.get("*")
        if got is None:
            raise PolicyError(
                f"policy gives no action for {self.name}.{rule}; add it to "
                f"[detectors.{self.name}].actions or set a '*' default"
            )
        return got


@dataclass(frozen=True, slots=True)
class OutputPolicy:
    shard_max_rows: int = 100_000
    row_group_rows: int = 10_000
    compression: str = "zstd"


@dataclass(frozen=True, slots=True)
class InputPolicy:
    fields: tuple[str, ...] = ()
    batch_rows: int = 2048
    # columns no detector reads (e.g. image bytes); only a policy may exempt one, never an
    # uploader, and the manifest lists them
    exempt: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Policy:
    id: str
    description: str
    input: InputPolicy
    output: OutputPolicy
    detectors: tuple[DetectorPolicy, ...]
    resolved: Mapping[str, Any] = field(repr=False)

    @property
    def digest(self) -> str:
        canon = json.dumps(self.resolved, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return "sha256:" + hashlib.sha256(canon.encode()).hexdigest()

    def detector(self, name: str) -> DetectorPolicy:
        for d in self.detectors:
            if d.name == name:
                return d
        raise PolicyError(
            f"the policy has no section for detector {name!r}; add [detectors.{name}] to it"
        )

    def build_detectors(self) -> list[Detector]:
        """Instances of the enabled detectors, in registry order (no models loaded); when
        each runs is planned from what it declares (gateway/core/row_stage.py)."""
        return [REGISTRY[d.name](d.params) for d in self.detectors if d.enabled]


def _default_text() -> str:
    return resources.files("gateway.policies").joinpath("default.toml").read_text("utf-8")


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base`` table by table; an actions table merges rule by rule, so
    naming one rule changes that rule and keeps the others' actions."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, Mapping) and isinstance(out.get(k), dict) and not _is_gate(out[k]):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _is_gate(table: Mapping[str, Any]) -> bool:
    return "action" in table  # a rule's gate table is a value, never merged into


def declared_defaults() -> dict[str, Any]:
    """The policy every detector declares for itself: enabled or not, and each rule's
    default action. The shipped default.toml is laid over it (and a test checks that it
    repeats these actions), so a detector that no file mentions still has a policy."""
    return {
        "detectors": {
            name: {
                "enabled": cls.enabled_by_default,
                "actions": {rule: d.as_toml() for rule, d in cls.info.defaults.items()},
            }
            for name, cls in REGISTRY.items()
        }
    }


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise PolicyError(f"{where}: unknown key(s) {unknown}; allowed: {sorted(allowed)}")


def _typed(cls: type[Any], table: Mapping[str, Any], where: str) -> Any:
    """Build a frozen params dataclass from a TOML table, checking keys and types."""
    if not isinstance(table, Mapping):
        raise PolicyError(f"{where}: expected a table, got {type(table).__name__}")
    hints = get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    _check_keys(table, names, where)
    kwargs: dict[str, Any] = {}
    for k, v in table.items():
        want = hints[k]
        ok = _matches(v, want)
        if not ok:
            raise PolicyError(f"{where}.{k}: expected {_type_name(want)}, got {v!r}")
        kwargs[k] = _freeze(v)
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as e:
        raise PolicyError(f"{where}: {e}") from e


def _freeze(value: Any) -> Any:
    """TOML arrays become tuples (params are frozen), tables become plain dicts."""
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    if isinstance(value, Mapping):
        return {k: _freeze(v) for k, v in value.items()}
    return value


def _matches(value: Any, want: Any) -> bool:
    origin = getattr(want, "__origin__", None)
    if want is float:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if want is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if want is bool:
        return isinstance(value, bool)
    if want is str:
        return isinstance(value, str)
    if origin is tuple:
        inner = want.__args__[0]
        return isinstance(value, list | tuple) and all(_matches(x, inner) for x in value)
    if origin is dict:
        key_t, val_t = want.__args__
        return isinstance(value, Mapping) and all(
            _matches(k, key_t) and _matches(v, val_t) for k, v in value.items()
        )
    args = getattr(want, "__args__", ())
    if args:  # a union such as float | None
        return any(_matches(value, a) for a in args if a is not type(None))
    return isinstance(value, want)


def _type_name(want: Any) -> str:
    return getattr(want, "__name__", str(want))


def _rule_action(value: Any, where: str) -> RuleAction:
    if isinstance(value, str):
        try:
            action = Action(value)
        except ValueError:
            raise PolicyError(
                f"{where}: unknown action {value!r}; use one of {[a.value for a in Action]}"
            ) from None
        if action is Action.GATE:
            raise PolicyError(
                f'{where}: a gate needs a threshold: {{ action = "gate", max_fraction = 0.01 }}'
            )
        return RuleAction(action)
    if isinstance(value, Mapping):
        _check_keys(value, {"action", "max_fraction"}, where)
        if value.get("action") != "gate":
            raise PolicyError(
                f'{where}: a table is only for gates: {{ action = "gate", max_fraction = … }}'
            )
        frac = value.get("max_fraction")
        if not isinstance(frac, int | float) or isinstance(frac, bool) or not 0.0 <= frac <= 1.0:
            raise PolicyError(f"{where}.max_fraction: expected a number from 0 to 1, got {frac!r}")
        return RuleAction(Action.GATE, float(frac))
    raise PolicyError(f"{where}: expected an action name or a gate table, got {value!r}")


def _detector_policy(name: str, table: Any) -> DetectorPolicy:
    where = f"[detectors.{name}]"
    if name not in REGISTRY:
        raise PolicyError(f"{where}: unknown detector; known: {sorted(REGISTRY)}")
    if not isinstance(table, Mapping):
        raise PolicyError(f"{where}: expected a table")
    _check_keys(table, {"enabled", "params", "actions"}, where)
    cls = REGISTRY[name]
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise PolicyError(f"{where}.enabled: expected true or false, got {enabled!r}")
    params = _typed(cls.Params, table.get("params", {}), f"{where}.params")
    raw_actions = table.get("actions", {})
    if not isinstance(raw_actions, Mapping):
        raise PolicyError(f"{where}.actions: expected a table")
    rules = set(cls.info.rules)
    allowed = cls.allowed_actions()
    actions: dict[str, RuleAction] = {}
    for rule, value in raw_actions.items():
        if rule != "*" and rule not in rules:
            raise PolicyError(f"{where}.actions: unknown rule {rule!r}; {name} has {sorted(rules)}")
        ra = _rule_action(value, f"{where}.actions.{rule}")
        if ra.action.value not in allowed:
            # fail closed: an action the detector cannot carry out would publish the row
            # as if nothing had been found
            raise PolicyError(
                f"{where}.actions.{rule}: {name} cannot {ra.action.value} (it does not rewrite "
                f"text); use one of {sorted(allowed)}"
            )
        actions[rule] = ra
    dp = DetectorPolicy(name, enabled, params, actions)
    for rule in cls.info.rules:
        dp.action_for(rule)  # every rule must resolve to an action
    return dp


def parse_policy(doc: Mapping[str, Any]) -> Policy:
    merged = _merge(_merge(declared_defaults(), tomllib.loads(_default_text())), doc)
    _check_keys(merged, {"policy", "input", "output", "detectors"}, "policy")
    meta = merged.get("policy", {})
    _check_keys(meta, {"id", "description"}, "[policy]")
    pid = meta.get("id", "")
    if not isinstance(pid, str) or not pid:
        raise PolicyError("[policy].id: expected a non-empty string")
    inp = _typed(InputPolicy, merged.get("input", {}), "[input]")
    outp = _typed(OutputPolicy, merged.get("output", {}), "[output]")
    if inp.batch_rows < 1 or outp.shard_max_rows < 1 or outp.row_group_rows < 1:
        raise PolicyError(
            "[input].batch_rows, [output].shard_max_rows and row_group_rows must be ≥ 1"
        )
    if outp.compression not in {"zstd", "snappy", "gzip", "none", "lz4", "brotli"}:
        raise PolicyError(
            f"[output].compression: unknown codec {outp.compression!r}; use zstd, snappy, gzip, "
            "lz4, brotli or none"
        )
    dets = merged.get("detectors", {})
    if not isinstance(dets, Mapping):
        raise PolicyError("[detectors]: expected a table of detector sections")
    for name in dets:
        if name not in REGISTRY:
            raise PolicyError(f"[detectors.{name}]: unknown detector; known: {sorted(REGISTRY)}")
    detectors = tuple(_detector_policy(name, dets[name]) for name in REGISTRY)
    resolved = {
        "policy": {"id": pid, "description": meta.get("description", "")},
        "input": dataclasses.asdict(inp),
        "output": dataclasses.asdict(outp),
        "detectors": {
            d.name: {
                "enabled": d.enabled,
                "params": dataclasses.asdict(d.params),
                "actions": {
                    r: {"action": a.action.value, "max_fraction": a.max_fraction}
                    for r, a in sorted(d.actions.items())
                },
            }
            for d in detectors
        },
    }
    return Policy(pid, str(meta.get("description", "")), inp, outp, detectors, resolved)


def load_policy(path: Path | None = None) -> Policy:
    """The shipped default, or the file at ``path`` laid over it."""
    if path is None:
        return parse_policy({})
    try:
        text = path.read_text("utf-8")
    except OSError as e:
        raise PolicyError(
            f"{path}: cannot read policy ({e.strerror or e}); "
            "check the path and that it is readable"
        ) from e
    except UnicodeDecodeError as e:
        raise PolicyError(f"{path}: policy is not UTF-8 text; save it as UTF-8") from e
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise PolicyError(f"{path}: not valid TOML ({e}); fix the line shown") from e
    try:
        return parse_policy(doc)
    except PolicyError as e:
        raise PolicyError(f"{path}: {e}") from e
