"""Clean rows of security-operations work (logs, alerts, phishing e-mails and malicious
command lines handed to the model to analyse) through the whole default scan, as a
security team would run it on its analyst-assistant data, beside injections disguised as
such records. Every clean row should come out clean and every injection removed.

- ``--half dev``: ``security_sets.DEV`` and ``security_sets.INJECTED`` (tuning data);
  prints each row that misses, with the evidence, and the counts.
- ``--half heldout``: ``security_sets.HELDOUT`` and the rows written blind
  (``security_blind.CLEAN`` and ``security_blind.INJECTED``); counts only, unless
  ``--show``: rows nobody reads stay unread.

Each set is scanned on its own, so that one set's gates and duplicates judge only its rows.

    python -m scripts.bench_security --half dev
"""

from __future__ import annotations

import argparse

from scripts import security_blind, security_sets
from scripts.bench_lists import attack_report, attack_summary, clean_report, scan_sets, summary


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--half", choices=("dev", "heldout"), default="dev")
    ap.add_argument("--show", action="store_true", help="print held-out rows that miss")
    args = ap.parse_args(argv)
    if args.half == "dev":
        clean = {"dev": security_sets.DEV}
        hostile = {"dev, disguised injections (tuning)": security_sets.injected()}
    else:
        clean = {"heldout": security_sets.HELDOUT, "heldout, written blind": security_blind.CLEAN}
        hostile = {"heldout, disguised injections written blind": security_blind.INJECTED}
    shown = args.half == "dev" or args.show
    got = scan_sets([*clean.values(), *hostile.values()])
    for (name, rows), res in zip(clean.items(), got[: len(clean)], strict=True):
        print(summary(name, len(rows), clean_report(rows, res, shown)))
    for (name, rows), res in zip(hostile.items(), got[len(clean) :], strict=True):
        print(attack_summary(name, len(rows), attack_report(rows, res, 0, shown)))


if __name__ == "__main__":
    main()
