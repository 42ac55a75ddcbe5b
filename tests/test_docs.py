"""Every fenced block in README.md and docs/*.md is checked, as a reader would use it.

- ```toml blocks are policies: each one alone must pass ``parse_policy``.
- ```json blocks must parse; ```python blocks must compile (they are not run: they need
  a training setup); ```text blocks are left alone (output, or commands that need what
  CI lacks: a GPU, a Ray cluster, an object store).
- ```sh blocks run. The blocks of one page run in order, in one bash shell, in a fresh
  folder holding the files the examples name (``data.jsonl``, ``new.jsonl``), with the
  installed ``tunegate`` first on PATH, as a reader would run the page top to bottom:
  a later block may use what an earlier one made. A server started in the background
  (``> serve.log 2>&1 &``) is waited for until it listens, and stopped at the end. Only
  the README's set-up block is not run here: it installs from the package registry,
  and CI runs it (``scripts/test``) on every landing.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from gateway.core.policy import parse_policy
from tests.helpers import ROOT, alpaca, write_jsonl

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.S | re.M)
LANGS = {"sh", "toml", "json", "text", "python"}
SETUP = "./scripts/demo"
SERVE_LOG = "> serve.log 2>&1 &"
README_MAX_LINES = 200


@dataclass(frozen=True, slots=True)
class Block:
    page: Path
    line: int
    lang: str
    body: str

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def _blocks(page: Path) -> list[Block]:
    text = page.read_text("utf-8")
    return [
        Block(page, text.count("\n", 0, m.start()) + 1, m.group(1), m.group(2))
        for m in FENCE.finditer(text)
    ]


BLOCKS = [b for page in PAGES for b in _blocks(page)]


def _by_lang(lang: str) -> list[Block]:
    return [b for b in BLOCKS if b.lang == lang]


def test_every_fenced_block_says_what_it_is() -> None:
    assert all(b.lang in LANGS for b in BLOCKS), [(b.where, b.lang) for b in BLOCKS]


def test_no_fence_escapes_the_checks() -> None:
    """An indented fence (inside a list) is not found by the checks above: refuse it."""
    for page in PAGES:
        for n, line in enumerate(page.read_text("utf-8").splitlines(), 1):
            assert not re.match(r"\s+```", line), f"{page.relative_to(ROOT)}:{n}: indented fence"


@pytest.mark.parametrize("block", _by_lang("toml"), ids=lambda b: b.where)
def test_toml_snippets_are_valid_policies(block: Block) -> None:
    parse_policy(tomllib.loads(block.body))


def test_json_snippets_parse() -> None:
    for block in _by_lang("json"):
        try:
            json.loads(block.body)
        except ValueError as e:
            raise AssertionError(f"{block.where}: {e}") from e


@pytest.mark.parametrize("block", _by_lang("python"), ids=lambda b: b.where)
def test_python_snippets_compile(block: Block) -> None:
    compile(block.body, block.where, "exec")


def test_the_setup_block_names_the_two_commands() -> None:
    [setup] = [b for b in _by_lang("sh") if SETUP in b.body]
    assert setup.page.name == "README.md"
    lines = setup.body.splitlines()
    assert [line.split()[0] for line in lines] == ["./scripts/demo", "./scripts/test"]
    assert all((ROOT / cmd).exists() for cmd in ("scripts/demo", "scripts/test"))


def test_the_readme_is_a_short_guide() -> None:
    lines = (ROOT / "README.md").read_text("utf-8").count("\n")
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail under docs/"


def test_relative_links_lead_somewhere() -> None:
    for page in PAGES:
        text = FENCE.sub("", page.read_text("utf-8"))
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target) or target.startswith("#"):
                continue
            path = (page.parent / target.split("#", 1)[0]).resolve()
            assert path.exists(), f"{page.relative_to(ROOT)} links to missing {target}"


def _script(blocks: list[Block]) -> str:
    """The page's shell blocks as one bash script. After a server is started in the
    background, wait until it listens, as a person would before the next command; on a
    failure, say which block it was in."""
    out = [
        "set -euo pipefail",
        "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT",
        "trap 'echo \"failed in the block at $BLOCK (line $LINENO of the script)\" >&2' ERR",
    ]
    for b in blocks:
        out.append(f"BLOCK={shlex.quote(b.where)}")
        for line in b.body.splitlines():
            out.append(line)
            if SERVE_LOG in line:
                out.append(
                    "for _ in $(seq 1200); do grep -q 'serving on' serve.log && break; "
                    "sleep 0.25; done; grep -q 'serving on' serve.log || { cat serve.log; exit 1; }"
                )
    return "\n".join(out) + "\n"


def _workspace(tmp: Path) -> Path:
    shutil.copy(ROOT / "fixtures" / "demo.jsonl", tmp / "data.jsonl")
    write_jsonl(tmp / "new.jsonl", [alpaca(i) for i in range(12)])
    return tmp


SHELL_PAGES = {
    page: blocks
    for page in PAGES
    if (blocks := [b for b in _blocks(page) if b.lang == "sh" and SETUP not in b.body])
}


@pytest.mark.slow
@pytest.mark.parametrize("page", list(SHELL_PAGES), ids=lambda p: str(p.relative_to(ROOT)))
def test_shell_snippets_run(page: Path, tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
    }
    script = _script(SHELL_PAGES[page])
    proc = subprocess.run(
        ["bash", "-c", script],
        cwd=ws,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    tail = f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-4000:]}"
    assert proc.returncode == 0, tail
