"""The human-readable end of a scan: counts, reasons, where the files are."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table


def print_summary(report: dict[str, Any], out: Path) -> None:
    console = Console()
    c = report["counts"]
    status = report["status"]
    title = "tunegate scan" + ("  [bold red]GATE FAILED[/]" if status == "gate_failed" else "")
    table = Table(title=title, show_header=False, box=None)
    table.add_row("rows in", f"{c['rows_in']:,}")
    clean = f"{c['rows_clean']:,}" + ("" if c["clean_published"] else " (withheld: gate failed)")
    table.add_row("clean", clean)
    table.add_row("quarantined", f"{c['rows_quarantined']:,}")
    table.add_row("flagged (kept)", f"{c['rows_flagged']:,}")
    table.add_row("redacted (kept)", f"{c['rows_redacted']:,}")
    console.print(table)
    if report["by_reason"]:
        reasons = Table("detector", "rule", "rows", title="findings by reason")
        for det, rules in sorted(report["by_reason"].items()):
            for rule, n in sorted(rules.items()):
                reasons.add_row(det, rule, f"{n:,}")
        console.print(reasons)
    for gate in report["gates"]:
        if gate["failed"]:
            console.print(
                f"[red]gate {gate['detector']}.{gate['rule']}: {gate['fraction']:.2%} of rows, "
                f"over the limit of {gate['max_fraction']:.2%}[/]"
            )
    for w in report["warnings"]:
        console.print(f"[yellow]warning:[/] {w}")
    console.print(f"output: {out}  (policy {report['policy']['digest'][:19]}…)")
