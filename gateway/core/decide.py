"""Decide: the policy turns every finding into drop, flag, redact or gate, row by row.

Detectors only score; here each finding meets the action its detector's policy gives its
rule. A row with any quarantining finding is quarantined; a row with only flags is kept
and carries its flags; gates count rows per budget and fail the scan past it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

from detectors.base import Finding
from gateway.core.policy import Action, Policy
from gateway.core.scan_types import Decisions, Findings

EXAMPLES_PER_RULE = 10


def render_evidence(f: Finding, row_ids: Callable[[int], str]) -> str:
    parts = [f.evidence] if f.evidence else []
    parts += [f"{name}={row_ids(row)}" for name, row in f.refs]
    return "; ".join(parts)


def decide(
    policy: Policy, findings: Findings, rows_in: int, row_ids: Callable[[int], str]
) -> Decisions:
    quarantine = np.zeros(rows_in, dtype=bool)
    flagged = np.zeros(rows_in, dtype=bool)
    reasons: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rule_rows: dict[tuple[str, str], set[int]] = defaultdict(set)
    gate_limits: dict[tuple[str, str], float] = {}
    gate_rows: dict[tuple[str, str], set[int]] = defaultdict(set)
    for det_name, f in findings.items:
        dp = policy.detector(det_name)
        ra = dp.action_for(f.rule)
        key = (det_name, f.rule)
        rule_rows[key].add(f.row)
        if ra.action.quarantines:
            quarantine[f.row] = True
        elif ra.action is Action.FLAG:
            flagged[f.row] = True
        if ra.action is Action.GATE and ra.max_fraction is not None:
            # a gate set on "*" is a budget for the detector as a whole: a row suspect
            # for two reasons counts once, and the budget cannot be split across rules
            gkey = (det_name, "*") if f.rule not in dp.actions else key
            gate_limits[gkey] = ra.max_fraction
            gate_rows[gkey].add(f.row)
        reasons[f.row].append(
            {
                "detector": det_name,
                "rule": f.rule,
                "action": ra.action.value,
                "score": float(f.score),
                "evidence": render_evidence(f, row_ids),
                "field": f.field,
            }
        )
    flagged &= ~quarantine
    by_reason: dict[str, dict[str, int]] = defaultdict(dict)
    examples: dict[str, list[int]] = {}
    for (det_name, rule), rows in sorted(rule_rows.items()):
        by_reason[det_name][rule] = len(rows)
        examples[f"{det_name}/{rule}"] = sorted(rows)[:EXAMPLES_PER_RULE]
    flags_by_reason: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in np.flatnonzero(flagged).tolist():
        rules = {(x["detector"], x["rule"]) for x in reasons[row] if x["action"] == "flag"}
        for det_name, rule in rules:
            flags_by_reason[det_name][rule] += 1
    gates = []
    for (det_name, rule), limit in sorted(gate_limits.items()):
        n = len(gate_rows[(det_name, rule)])
        frac = n / rows_in if rows_in else 0.0
        gates.append(
            {
                "detector": det_name,
                "rule": rule,
                "rows": n,
                "fraction": round(frac, 6),
                "max_fraction": limit,
                "failed": frac > limit,
            }
        )
    return Decisions(
        quarantine,
        flagged,
        dict(reasons),
        dict(by_reason),
        examples,
        gates,
        {d: dict(sorted(r.items())) for d, r in sorted(flags_by_reason.items())},
    )
