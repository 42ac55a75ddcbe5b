"""Clean security-operations rows (``scripts/security_sets.py``: logs, alerts, phishing
e-mails and malicious command lines handed to the model to analyse) through the whole
default scan, as a security team would run it on its analyst-assistant data, beside
injections disguised as such records (``--half dev`` only: they are tuning data). Every
clean row should come out clean and every injection removed; prints each that does not,
with the evidence, and the counts.

    python -m scripts.bench_security --half dev
"""

from __future__ import annotations

import argparse

from scripts import security_sets
from scripts.bench_lists import attack_report, attack_summary, clean_report, scan_sets, summary


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--half", choices=("dev", "heldout"), default="dev")
    args = ap.parse_args(argv)
    rows = security_sets.DEV if args.half == "dev" else security_sets.HELDOUT
    hostile = security_sets.injected() if args.half == "dev" else []
    got = scan_sets([rows, hostile] if hostile else [rows])
    count = clean_report(rows, got[0])
    caught = attack_report(hostile, got[1], 0) if hostile else None
    print(summary(args.half, len(rows), count))
    if caught is not None:
        print(attack_summary(args.half, len(hostile), caught))


if __name__ == "__main__":
    main()
