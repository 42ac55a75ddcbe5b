"""Small helpers shared by the tests: writing inputs, running the real CLI, reading output."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
NO_MODELS = ROOT / "fixtures" / "policies" / "no_models.toml"


def write_jsonl(path: Path, rows: Iterable[Any]) -> Path:
    with path.open("w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    return path


WORDS = (
    "river lantern copper violin glacier orchard mosaic pepper harbor falcon tundra quartz "
    "saddle meadow comet walnut beacon canyon ember fossil garnet hammock igloo jasmine kettle "
    "lagoon marble nectar oyster parsley quiver raven sapphire thimble umbrella velvet willow "
    "yarrow zephyr anchor bramble cinder dune estuary fjord gravel heron ivory juniper kelp "
    "lichen mantis nutmeg obsidian pumice quarry rhubarb saffron tamarind urchin vortex wasabi"
).split()


def alpaca(i: int, **over: Any) -> dict[str, Any]:
    """A distinct instruction row for index ``i``: different words, not just numbers, so
    near- and semantic-duplicate detection rightly treats rows as different."""
    w = random.Random(i).sample(WORDS, 6)
    row: dict[str, Any] = {
        "instruction": f"Compare the {w[0]} with the {w[1]} and mention a {w[2]}.",
        "input": "",
        "output": f"A {w[3]} beside the {w[4]} outlasts any {w[5]}; note {i}.",
    }
    row.update(over)
    return row


def run_cli(
    *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "gateway", *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=ROOT,
        timeout=600,
    )


def read_split(out: Path, split: str) -> pa.Table | None:
    files = sorted((out / split).glob("*.parquet")) if (out / split).exists() else []
    if not files:
        return None
    return pa.concat_tables([pq.read_table(f) for f in files])


def report(out: Path) -> dict[str, Any]:
    return json.loads((out / "report.json").read_text())


def reasons_by_row(out: Path) -> dict[str, list[str]]:
    q = read_split(out, "quarantine")
    if q is None:
        return {}
    return {
        r["tunegate_row_id"]: [f"{x['detector']}/{x['rule']}" for x in r["tunegate_reasons"]]
        for r in q.select(["tunegate_row_id", "tunegate_reasons"]).to_pylist()
    }


def assert_conserved(rep: dict[str, Any]) -> None:
    c = rep["counts"]
    assert c["rows_in"] == c["rows_clean"] + c["rows_quarantined"], c


def files_under(path: Path) -> Sequence[Path]:
    return sorted(p for p in path.rglob("*") if p.is_file()) if path.exists() else []
