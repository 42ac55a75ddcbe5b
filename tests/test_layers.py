"""The layers of DESIGN.md, held by a test: arrows point down and nothing imports in a circle.

cli → service → core → detectors; trust is used by core, service and the trainer and
uses nothing above it. Imports inside functions count (they are still a dependency);
imports only for type checking do not.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import ROOT

PACKAGES = ("gateway", "detectors")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    out = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            if "pb" not in path.relative_to(ROOT).parts:  # generated stubs
                out[_module(path)] = path
    return out


def _type_checking_only(node: ast.If) -> bool:
    t = node.test
    return (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or (
        isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING"
    )


def imports(path: Path, known: set[str]) -> set[str]:
    """The project modules ``path`` imports, at any depth, outside TYPE_CHECKING blocks."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text("utf-8")))
    out = set()
    for name in found:
        while name and name not in known:
            name = name.rpartition(".")[0]
        if name and name.split(".")[0] in PACKAGES:
            out.add(name)
    return out


def graph() -> dict[str, set[str]]:
    mods = _modules()
    known = set(mods)
    return {m: imports(p, known) - {m} for m, p in mods.items()}


def _under(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def upward(layer: str, above: tuple[str, ...]) -> dict[str, list[str]]:
    """Each module of ``layer`` that imports something of ``above``, with what it imports."""
    found = {
        m: sorted(d for d in deps if _under(d, above))
        for m, deps in graph().items()
        if _under(m, (layer,))
    }
    return {m: d for m, d in found.items() if d}


def test_detectors_know_nothing_of_the_gateway() -> None:
    assert upward("detectors", ("gateway",)) == {}


def test_the_core_imports_nothing_above_it() -> None:
    above = (
        "gateway.engines",
        "gateway.service",
        "gateway.cli",
        "gateway.service_cli",
        "gateway.commands",
        "gateway.report_html",
        "gateway.summary",
        "gateway.progress",
    )
    assert upward("gateway.core", above) == {}


def test_trust_uses_nothing_above_it() -> None:
    above = ("gateway.core", "gateway.service", "gateway.engines", "gateway.cli")
    assert upward("gateway.trust", above) == {}


def test_no_module_is_in_an_import_cycle() -> None:
    g = graph()
    # Tarjan's strongly connected components; any with two or more modules is a cycle
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def strongconnect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(g.get(v, ())):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            strongconnect(v)
    assert cycles == []
