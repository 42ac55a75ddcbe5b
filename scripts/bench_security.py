"""Clean security-operations rows (``scripts/security_sets.py``: logs, alerts, phishing
e-mails and malicious command lines handed to the model to analyse) through the whole
default scan, as a security team would run it on its analyst-assistant data. Every row
should come out clean; prints each row a rule removed, flagged or altered, with the
evidence, and the counts.

    python -m scripts.bench_security --half dev
"""

from __future__ import annotations

import argparse

from scripts import security_sets
from scripts.bench_lists import clean_report, scan, summary


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--half", choices=("dev", "heldout"), default="dev")
    args = ap.parse_args(argv)
    rows = security_sets.DEV if args.half == "dev" else security_sets.HELDOUT
    print(summary(args.half, len(rows), clean_report(rows, scan(rows))))


if __name__ == "__main__":
    main()
