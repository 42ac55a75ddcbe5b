"""Every TOML and shell snippet of the README runs, as a reader would run it.

Each ```sh block runs in a fresh folder holding the files the README's examples name
(``data.jsonl``, ``new.jsonl``, ``trusted_keys.json`` from the README's own JSON block),
with the installed ``tunegate`` first on PATH. Only the set-up block is not run here: it
installs from the package registry, and CI runs it (``scripts/test``) on every landing.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from gateway.core.policy import parse_policy
from tests.helpers import ROOT, alpaca, write_jsonl

README = (ROOT / "README.md").read_text("utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)
BLOCKS = [(lang, body) for lang, body in FENCE.findall(README)]
SETUP = "./scripts/demo"
SERVE_LOG = "> serve.log 2>&1 &"


def test_every_fenced_block_says_what_it_is() -> None:
    assert all(lang in {"sh", "toml", "json", "text"} for lang, _ in BLOCKS), [
        lang for lang, _ in BLOCKS
    ]


def test_toml_snippets_are_valid_policies() -> None:
    blocks = [body for lang, body in BLOCKS if lang == "toml"]
    assert blocks
    for body in blocks:
        parse_policy(tomllib.loads(body))


def _workspace(tmp: Path) -> Path:
    shutil.copy(ROOT / "fixtures" / "demo.jsonl", tmp / "data.jsonl")
    write_jsonl(tmp / "new.jsonl", [alpaca(i) for i in range(12)])
    [trusted] = [body for lang, body in BLOCKS if lang == "json" and '"keys"' in body]
    (tmp / "trusted_keys.json").write_text(trusted)
    json.loads(trusted)
    return tmp


def _script(body: str) -> str:
    """The block as one bash script; after a server is started in the background, wait
    until it listens, as a person would before the next command."""
    out = ["set -euo pipefail", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT"]
    for line in body.splitlines():
        out.append(line)
        if SERVE_LOG in line:
            out.append(
                "for _ in $(seq 1200); do grep -q 'serving on' serve.log && break; sleep 0.25; "
                "done; grep -q 'serving on' serve.log || { cat serve.log; exit 1; }"
            )
    return "\n".join(out) + "\n"


SHELL = [body for lang, body in BLOCKS if lang == "sh" and SETUP not in body]


@pytest.mark.slow
@pytest.mark.parametrize("body", SHELL, ids=[b.split()[1] for b in SHELL])
def test_shell_snippet_runs(body: str, tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.run(
        ["bash", "-c", _script(body)],
        cwd=ws,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    tail = f"--- stdout\n{proc.stdout[-3000:]}\n--- stderr\n{proc.stderr[-3000:]}"
    assert proc.returncode == 0, f"{body}\n{tail}"


def test_the_setup_block_names_the_two_commands() -> None:
    [setup] = [body for lang, body in BLOCKS if lang == "sh" and SETUP in body]
    assert [line.split()[0] for line in setup.splitlines()] == ["./scripts/demo", "./scripts/test"]
    assert all((ROOT / cmd).exists() for cmd in ("scripts/demo", "scripts/test"))
