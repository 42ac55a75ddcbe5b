"""Personal messages with planted personal values, from fixed templates (seeded).

The templates below were written, and frozen, before the first measurement of the
personal-context rules (issue 19); changing one invalidates every figure measured with
it (docs/evaluation.md). They are the kinds of text a fine-tuning set really carries
(support tickets, patient notes, e-mails, chat turns, forms, social posts, payment
instructions), and some are hard on purpose: names in a post with no identifier beside
them, a name only in the body of a message, lower-case values.

Values are generated from the seed: names drawn from lists that share none with
``scripts/pii_synth.py``, national identifiers with valid check digits. Every planted
value is recorded as (start, end, entity).

    python scripts/pii_personal.py N [SEED] > personal.jsonl
"""

from __future__ import annotations

import json
import random
import string
import sys
from collections.abc import Callable
from dataclasses import dataclass

from detectors import national_ids as nid

FIRST = (
    "Anneliese Bartosz Caoimhe Dariusz Emeka Farida Giedre Hamid Ilse Joaquim Katarzyna "
    "Lorenzo Mirela Nnamdi Oksana Pavlo Quentin Rosalind Siddharth Thandiwe Ulrike Vikram "
    "Wojciech Ximena Yusuf Zofia Agnieszka Benedikt Chiara Deepa"
).split()
LAST = (
    "Abernathy Brzezinski Castellanos Dlamini Eriksen Fitzgerald Grabowski Hakimi Iwasaki "
    "Jankowska Kowalczyk Lindqvist Moreau Nwachukwu Oyelaran Pellegrini Quintero Rahimi "
    "Szymanska Tremblay Uchenna Vasquez Wisniewski Yilmaz Zielinski Bianchi Van Der Berg "
    "Mukherjee Delacroix Haraldsen"
).split()
STREETS = (
    "Maple Avenue|Harbour Road|Chestnut Street|Willow Lane|Kingsley Drive|Orchard Way|"
    "Juniper Court|Station Road|Linden Boulevard|Beacon Street"
).split("|")
CITIES = ("Leeds", "Gdansk", "Porto", "Bologna", "Tilburg", "Lyon", "Valencia", "Pune", "Tulsa")
DOMAINS = ("mailbox.example", "post.example.net", "inbox.example.org")


@dataclass
class Message:
    text: str
    spans: list[tuple[int, int, str]]  # planted personal values
    template: str


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def _email(rng: random.Random, name: str) -> str:
    first, *rest = name.lower().split()
    return f"{first}.{rest[-1]}{rng.randint(1, 99)}@{rng.choice(DOMAINS)}"


def _phone(rng: random.Random) -> str:
    return rng.choice(
        [
            f"+44 7{_digits(rng, 3)} {_digits(rng, 6)}",
            f"({rng.randint(201, 989)}) {_digits(rng, 3)}-{_digits(rng, 4)}",
            f"+48 {_digits(rng, 3)} {_digits(rng, 3)} {_digits(rng, 3)}",
            f"+49 30 {_digits(rng, 8)}",
        ]
    )


def _address(rng: random.Random) -> str:
    return f"{rng.randint(2, 990)} {rng.choice(STREETS)}"


def _card(rng: random.Random) -> str:
    from detectors.pii import luhn_ok

    while True:
        d = "4" + _digits(rng, 15)
        if luhn_ok(d):
            return " ".join(d[i : i + 4] for i in range(0, 16, 4))


def _ssn(rng: random.Random) -> str:
    return f"{rng.randint(101, 665)}-{rng.randint(10, 99)}-{rng.randint(1000, 9999)}"


def _dob(rng: random.Random) -> str:
    return f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1940, 2004)}"


def pesel(rng: random.Random) -> str:
    while True:
        body = f"{rng.randint(0, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        body += _digits(rng, 4)
        if nid.pesel_date(body + "0"):
            return body + str(nid.pesel_check(body))


def nip(rng: random.Random) -> str:
    while True:
        body = str(rng.randint(1, 9)) + _digits(rng, 8)
        if nid.nip_check(body) < 10:
            d = body + str(nid.nip_check(body))
            return f"{d[:3]}-{d[3:6]}-{d[6:8]}-{d[8:]}"


def regon(rng: random.Random) -> str:
    body = _digits(rng, 8)
    return body + str(nid.regon_check(body))


def dni(rng: random.Random) -> str:
    n = f"{rng.randint(10_000_000, 99_999_999)}"
    return n + nid.dni_letter(n)


def codice_fiscale(rng: random.Random) -> str:
    letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(6))
    body = (
        f"{letters}{rng.randint(40, 99)}{rng.choice('ABCDEHLMPRST')}{rng.randint(1, 28):02d}"
        f"{rng.choice(string.ascii_uppercase)}{_digits(rng, 3)}"
    )
    return body + nid.cf_check(body)


def bsn(rng: random.Random) -> str:
    while True:
        d = str(rng.randint(1, 9)) + _digits(rng, 8)
        if nid.bsn_ok(d):
            return d


def nino(rng: random.Random) -> str:
    prefix = rng.choice("ACEHJKLMPRSWY") + rng.choice("ABCEHJKLMPRSTWY")
    return f"{prefix}{_digits(rng, 6)}{rng.choice('ABCD')}"


def aadhaar(rng: random.Random) -> str:
    body = str(rng.randint(2, 9)) + _digits(rng, 10)
    d = body + str(nid.verhoeff_check(body))
    return f"{d[:4]} {d[4:8]} {d[8:]}"


def steuer_id(rng: random.Random) -> str:
    while True:
        body = str(rng.randint(1, 9)) + _digits(rng, 9)
        d = body + str(nid.steuer_check(body))
        if nid.steuer_ok(d):
            return d


def nir(rng: random.Random) -> str:
    body = (
        f"{rng.randint(1, 2)}{rng.randint(40, 99)}{rng.randint(1, 12):02d}{rng.randint(1, 95):02d}"
    )
    body += _digits(rng, 6)
    key = nid.nir_key(body)
    return f"{body[0]} {body[1:3]} {body[3:5]} {body[5:7]} {body[7:10]} {body[10:13]} {key:02d}"


def driver_licence(rng: random.Random) -> str:
    return rng.choice(
        [f"{rng.choice(string.ascii_uppercase)}{_digits(rng, 7)}", _digits(rng, 9), _digits(rng, 8)]
    )


# Each template: text with {slots}; a slot name maps to (entity, generator).
SLOTS: dict[str, tuple[str, Callable[[random.Random], str]]] = {
    "name": ("PERSON", _name),
    "name2": ("PERSON", _name),
    "first": ("PERSON", lambda r: r.choice(FIRST)),
    "phone": ("PHONE_NUMBER", _phone),
    "address": ("STREET_ADDRESS", _address),
    "card": ("CREDIT_CARD", _card),
    "ssn": ("US_SSN", _ssn),
    "dob": ("DATE_OF_BIRTH", _dob),
    "pesel": ("PL_PESEL", pesel),
    "nip": ("PL_NIP", nip),
    "regon": ("PL_REGON", regon),
    "dni": ("ES_NIF", dni),
    "cf": ("IT_FISCAL_CODE", codice_fiscale),
    "bsn": ("NL_BSN", bsn),
    "nino": ("UK_NINO", nino),
    "aadhaar": ("IN_AADHAAR", aadhaar),
    "steuer": ("DE_TAX_ID", steuer_id),
    "nir": ("FR_NIR", nir),
    "dl": ("US_DRIVER_LICENSE", driver_licence),
}
CITY = "{city}"  # a city is not a planted personal value

TEMPLATES: dict[str, str] = {
    "support_ticket": "Ticket from customer {name} ({email}): my order never arrived at "
    "{address}, {city}. Please call me back on {phone}.",
    "patient_note": "Patient: {name}, DOB: {dob}, SSN {ssn}. Seen today for a follow-up; "
    "referred to physiotherapy.",
    "email_signature": "Hi {first},\n\nThanks for sending the contract over, I've signed it."
    "\n\nBest regards,\n{name}\n{phone}",
    "payment": "Charge card {card} for {name} and send the receipt to {email}.",
    "intro_chat": "hey! my name is {name} and I just moved to {city}, anyone know a good dentist?",
    "social_post": "Great weekend hiking with {name} and {name2} near {city}! #outdoors",
    "narrative_body": "Dear {first},\nI met {name} at the conference and she asked about "
    "the grant. Could you forward her the form?\nCheers,\n{name2}",
    "hr_record": "Employee {name}, home address {address}, {city}. Emergency contact: "
    "{name2}, {phone}.",
    "polish_form": "Dane klienta: {name}, PESEL {pesel}, NIP {nip}, REGON {regon}, tel. {phone}.",
    "spanish_italian": "Datos del titular: {name}, DNI {dni}. Codice fiscale del "
    "cointestatario {name2}: {cf}.",
    "dutch_uk": "For the payroll: {name}, BSN {bsn}; {name2}, National Insurance number {nino}.",
    "india_germany": "KYC documents for {name}: Aadhaar {aadhaar}. Steuer-ID of the "
    "co-applicant {name2}: {steuer}.",
    "france": "Dossier de {name}, numéro de sécurité sociale {nir}, adresse {address}.",
    "driver": "Rental agreement: driver {name}, driver's license {dl}, phone {phone}.",
    "sms": "Running late, tell {first} to meet me at {address} instead. Text me at {phone}.",
    "complaint": "I am {name} and I was overcharged. Refund the card ending in my account "
    "to {email} please.",
}


def generate(n: int, seed: int = 19) -> list[Message]:
    rng = random.Random(seed)
    names = sorted(TEMPLATES)
    out = []
    for i in range(n):
        tname = names[i % len(names)]
        template = TEMPLATES[tname]
        text = ""
        spans: list[tuple[int, int, str]] = []
        values: dict[str, str] = {}
        pos = 0
        while (a := template.find("{", pos)) >= 0:
            b = template.index("}", a)
            text += template[pos:a]
            slot = template[a + 1 : b]
            if slot == "city":
                value = rng.choice(CITIES)
            elif slot == "email":
                value = _email(rng, values.get("name", _name(rng)))
                spans.append((len(text), len(text) + len(value), "EMAIL_ADDRESS"))
            else:
                entity, make = SLOTS[slot]
                value = make(rng)
                spans.append((len(text), len(text) + len(value), entity))
            values[slot] = value
            text += value
            pos = b + 1
        text += template[pos:]
        out.append(Message(text, spans, tname))
    return out


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 19
    for m in generate(n, seed):
        print(json.dumps({"text": m.text, "spans": m.spans, "template": m.template}))
