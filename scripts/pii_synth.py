"""A labelled PII set with character spans: varied templates, formats and languages.

Values are generated from the seed (never real people); every span is recorded as
(start, end, entity). Used by scripts/bench.py for precision/recall, by the PII tests
for planting, and written as JSONL with ``python scripts/pii_synth.py N > file``.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass

FIRST = [
    "Maria",
    "James",
    "Aisha",
    "Chen",
    "Olga",
    "Diego",
    "Priya",
    "Tomasz",
    "Fatima",
    "Liam",
    "Yuki",
    "Kwame",
    "Sofia",
    "Arjun",
    "Ingrid",
    "Mateo",
    "Zainab",
    "Noah",
    "Elif",
    "Hannah",
]
LAST = [
    "Garcia",
    "O'Neill",
    "Okafor",
    "Nakamura",
    "Kowalski",
    "Fernandes",
    "Schmidt",
    "Haddad",
    "Johansson",
    "Patel",
    "Dubois",
    "Novak",
    "Rossi",
    "Mensah",
    "Ivanova",
    "Levy",
    "Walsh",
]
CITIES = [
    "Lisbon",
    "Nairobi",
    "Toronto",
    "Osaka",
    "Melbourne",
    "Chicago",
    "Krakow",
    "Lyon",
    "Seattle",
    "Mumbai",
    "Dublin",
    "Rotterdam",
    "Denver",
    "Austin",
    "Manchester",
]
DOMAINS = ["example.com", "mail.example.org", "corp.example.net", "clinic.example.co.uk"]
IBANS = [
    "GB82WEST12345698765432",
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "ES9121000418450200051332",
    "IT60X0542811101000000123456",
]


def luhn_card(rng: random.Random, prefix: str, length: int) -> str:
    digits = [int(c) for c in prefix] + [rng.randrange(10) for _ in range(length - len(prefix) - 1)]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return "".join(map(str, digits)) + str((10 - total % 10) % 10)


def card(rng: random.Random) -> str:
    raw = luhn_card(rng, rng.choice(["4", "51", "37", "6011"]), 16)
    style = rng.randrange(3)
    if style == 0:
        return raw
    sep = " " if style == 1 else "-"
    return sep.join(raw[i : i + 4] for i in range(0, 16, 4))


def ssn(rng: random.Random) -> str:
    area = rng.choice([rng.randrange(1, 666), rng.randrange(667, 900)])
    return f"{area:03d}-{rng.randrange(1, 100):02d}-{rng.randrange(1, 10000):04d}"


def phone(rng: random.Random) -> str:
    n = lambda k: "".join(str(rng.randrange(10)) for _ in range(k))  # noqa: E731
    return rng.choice(
        [
            f"({rng.randrange(201, 990)}) {rng.randrange(201, 999)}-{n(4)}",
            f"{rng.randrange(201, 990)}-{rng.randrange(201, 999)}-{n(4)}",
            f"+1 {rng.randrange(201, 990)} {rng.randrange(201, 999)} {n(4)}",
            f"+44 20 7{n(3)} {n(4)}",
            f"+49 30 {n(8)}",
            f"+33 1 {n(2)} {n(2)} {n(2)} {n(2)}",
            f"+91 98{n(3)} {n(5)}",
            f"+61 2 {n(4)} {n(4)}",
        ]
    )


def email(rng: random.Random, first: str, last: str) -> str:
    user = rng.choice([f"{first}.{last}", f"{first[0]}{last}", f"{first}{rng.randrange(100)}"])
    user = "".join(c for c in user.lower() if c.isalnum() or c == ".")
    return f"{user}@{rng.choice(DOMAINS)}"


def ip(rng: random.Random) -> str:
    if rng.random() < 0.8:
        return ".".join(str(rng.randrange(1, 255)) for _ in range(4))
    return ":".join(f"{rng.randrange(65536):x}" for _ in range(8))


@dataclass
class Example:
    text: str
    spans: list[tuple[int, int, str]]


class _Builder:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.spans: list[tuple[int, int, str]] = []
        self.pos = 0

    def text(self, s: str) -> _Builder:
        self.parts.append(s)
        self.pos += len(s)
        return self

    def pii(self, s: str, entity: str) -> _Builder:
        self.spans.append((self.pos, self.pos + len(s), entity))
        return self.text(s)

    def build(self) -> Example:
        return Example("".join(self.parts), self.spans)


def _templates() -> list[Callable[[random.Random, _Builder, str, str], None]]:
    def t1(r: random.Random, b: _Builder, f: str, la: str) -> None:
        b.text("Please contact ").pii(f"{f} {la}", "PERSON").text(" at ").pii(
            email(r, f, la), "EMAIL_ADDRESS"
        )
        b.text(" or call ").pii(phone(r), "PHONE_NUMBER").text(" before Friday.")

    def t2(r: random.Random, b: _Builder, f: str, la: str) -> None:
        b.text("Customer paid with card ").pii(card(r), "CREDIT_CARD").text("; refund to IBAN ")
        b.pii(r.choice(IBANS), "IBAN_CODE").text(".")

    def t3(r: random.Random, b: _Builder, f: str, la: str) -> None:
        b.text("Patient ").pii(f"{f} {la}", "PERSON").text(", SSN ").pii(ssn(r), "US_SSN")
        b.text(", was admitted in ").pii(r.choice(CITIES), "LOCATION").text(" last week.")

    def t4(r: random.Random, b: _Builder, f: str, la: str) -> None:
        b.text("Login attempts from ").pii(ip(r), "IP_ADDRESS").text(" were blocked for user ")
        b.pii(email(r, f, la), "EMAIL_ADDRESS").text(".")

    def t5(r: random.Random, b: _Builder, f: str, la: str) -> None:
        b.text("Q: How do I reach support?\nA: Write to ").pii(email(r, f, la), "EMAIL_ADDRESS")
        b.text(" or phone ").pii(phone(r), "PHONE_NUMBER").text(".")

    def t6(r: random.Random, b: _Builder, f: str, la: str) -> None:
        b.text("Hola, soy ").pii(f"{f} {la}", "PERSON").text(" y mi teléfono es ").pii(
            phone(r), "PHONE_NUMBER"
        )
        b.text(" 😀")

    def t7(r: random.Random, b: _Builder, f: str, la: str) -> None:
        b.text("Wire the deposit (IBAN: ").pii(r.choice(IBANS), "IBAN_CODE").text(
            ") and email the receipt to "
        )
        b.pii(email(r, f, la), "EMAIL_ADDRESS").text(" — thanks!")

    def t8(r: random.Random, b: _Builder, f: str, la: str) -> None:
        b.text("Employee record: name=").pii(f"{f} {la}", "PERSON").text("; ssn=").pii(
            ssn(r), "US_SSN"
        )
        b.text("; card=").pii(card(r), "CREDIT_CARD").text("; office ip=").pii(ip(r), "IP_ADDRESS")

    def t9(r: random.Random, b: _Builder, f: str, la: str) -> None:
        b.text("Summarise this email:\n\nHi team, ").pii(f, "PERSON").text(" here. I moved to ")
        b.pii(r.choice(CITIES), "LOCATION").text("; my new number is ").pii(
            phone(r), "PHONE_NUMBER"
        ).text(".")

    def t10(r: random.Random, b: _Builder, f: str, la: str) -> None:
        b.text("The server (").pii(ip(r), "IP_ADDRESS").text(") logs every request; ask ")
        b.pii(f"{f} {la}", "PERSON").text(" for access.")

    return [t1, t2, t3, t4, t5, t6, t7, t8, t9, t10]


def generate(n: int, seed: int = 7) -> list[Example]:
    rng = random.Random(seed)
    templates = _templates()
    out = []
    for i in range(n):
        b = _Builder()
        templates[i % len(templates)](rng, b, rng.choice(FIRST), rng.choice(LAST))
        out.append(b.build())
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    for ex in generate(n):
        print(json.dumps({"text": ex.text, "spans": ex.spans}, ensure_ascii=False))


if __name__ == "__main__":
    main()
