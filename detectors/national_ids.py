"""National identifiers with their check digits: found only when the check holds.

Each kind is a regular expression for the shapes people write the number in, a
validator (check digit, and where the number encodes one, a valid date), and cue words.
Where the shape alone is ambiguous (a bare run of 9–12 digits is as often an amount, an
order number or a phone number; US driver's licences have no check digit and fifty
formats), the kind is found only with one of its cue words in the ``CUE_WINDOW``
characters before it. A look-alike whose check fails is left alone.

| entity | check | cue needed |
| --- | --- | --- |
| PL_PESEL | weights 1,3,7,9 mod 10, and a valid birth date | yes |
| PL_NIP | weights 6,5,7,2,3,4,5,6,7 mod 11 | unless written 123-456-78-90 / 123-45-67-890 |
| PL_REGON | 9 digits: weights 8,9,2,3,4,5,6,7 mod 11; 14 digits: mod 11 over 13 | yes |
| DE_TAX_ID | ISO 7064 MOD 11,10; one digit 2–3 times in the first ten | unless 12 345 678 901 |
| FR_NIR | 97 − (number mod 97), Corsica 2A/2B as 19/18 | no |
| ES_NIF | DNI: letter = TRWAGMYFPDXBNJZSQVHLCKE[n mod 23]; NIE: X/Y/Z read as 0/1/2 | no |
| IT_FISCAL_CODE | odd/even position tables mod 26 | no |
| NL_BSN | 11-proof (weights 9..2, −1) | unless written 1234.56.782 |
| PT_NIF | weights 9..2 mod 11, 11 − r (0 when 10 or 11) | yes |
| UK_NINO | no check digit: the allocated prefixes and suffix A–D | no |
| IN_AADHAAR | Verhoeff, first digit 2–9 | unless written 1234 5678 9012 |
| IN_PAN | no check digit: 5 letters (4th the holder type), 4 digits, a letter | no |
| US_DRIVER_LICENSE | no check digit: the state formats below | yes |
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

# characters before a match searched for a cue word: 48 at first, 64 after a "Steuer-ID
# of the co-applicant NAME:" miss in the dev half of scripts/pii_personal.py
CUE_WINDOW = 64


# ---------------------------------------------------------------- check digits


def pesel_check(body: str) -> int:
    w = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    return (10 - sum(int(d) * k for d, k in zip(body, w, strict=True)) % 10) % 10


def pesel_date(digits: str) -> date | None:
    yy, mm, dd = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    century = {0: 1900, 20: 2000, 40: 2100, 60: 2200, 80: 1800}.get((mm - 1) // 20 * 20)
    if century is None:
        return None
    try:
        return date(century + yy, mm - (mm - 1) // 20 * 20, dd)
    except ValueError:
        return None


def pesel_ok(digits: str) -> bool:
    return (
        len(digits) == 11
        and pesel_date(digits) is not None
        and pesel_check(digits[:10]) == int(digits[10])
    )


def nip_check(body: str) -> int:
    """10 (which no valid NIP has) when the nine digits admit no check digit."""
    w = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    return sum(int(d) * k for d, k in zip(body, w, strict=True)) % 11


def nip_ok(digits: str) -> bool:
    return len(digits) == 10 and nip_check(digits[:9]) == int(digits[9])


def regon_check(body: str) -> int:
    w = (8, 9, 2, 3, 4, 5, 6, 7) if len(body) == 8 else (2, 4, 8, 5, 0, 9, 7, 3, 6, 1, 2, 4, 8)
    return sum(int(d) * k for d, k in zip(body, w, strict=True)) % 11 % 10


def regon_ok(digits: str) -> bool:
    return len(digits) in (9, 14) and regon_check(digits[:-1]) == int(digits[-1])


def steuer_check(body: str) -> int:
    product = 10
    for d in body:
        s = (int(d) + product) % 10 or 10
        product = s * 2 % 11
    check = 11 - product
    return 0 if check == 10 else check


def steuer_ok(digits: str) -> bool:
    if len(digits) != 11 or digits[0] == "0":
        return False
    counts = [digits[:10].count(c) for c in set(digits[:10])]
    repeated = [c for c in counts if c > 1]
    return (
        len(repeated) == 1
        and repeated[0] in (2, 3)
        and steuer_check(digits[:10]) == int(digits[10])
    )


def _nir_number(body13: str) -> int:
    return int(body13.upper().replace("2A", "19").replace("2B", "18"))


def nir_key(body13: str) -> int:
    return 97 - _nir_number(body13) % 97


def nir_ok(value: str) -> bool:
    v = value.upper()
    if len(v) != 15 or v[0] not in "12" or not v[13:].isdigit():
        return False
    month = int(v[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99):
        return False
    try:
        return nir_key(v[:13]) == int(v[13:])
    except ValueError:
        return False


DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"


def dni_letter(number: str) -> str:
    return DNI_LETTERS[int(number) % 23]


def es_nif_ok(value: str) -> bool:
    v = value.upper()
    if len(v) != 9:
        return False
    head = v[:8]
    if head[0] in "XYZ":
        head = str("XYZ".index(head[0])) + head[1:]
    return head.isdigit() and dni_letter(head) == v[8]


_ODD_DIGITS = (1, 0, 5, 7, 9, 13, 15, 17, 19, 21)
_CF_ODD = dict(
    zip(
        "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        (*_ODD_DIGITS, *_ODD_DIGITS, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23),
        strict=True,
    )
)
_CF_EVEN = {**{str(i): i for i in range(10)}, **{chr(65 + i): i for i in range(26)}}
_OMOCODE = "LMNPQRSTUV"  # letters that stand for digits 0-9 when codes collide


def cf_check(body15: str) -> str:
    b = body15.upper()
    total = sum(_CF_ODD[c] if i % 2 == 0 else _CF_EVEN[c] for i, c in enumerate(b))
    return chr(65 + total % 26)


def cf_ok(value: str) -> bool:
    v = value.upper()
    if len(v) != 16:
        return False
    day = "".join(str(_OMOCODE.index(c)) if c in _OMOCODE else c for c in v[9:11])
    if not day.isdigit() or not (1 <= int(day) <= 31 or 41 <= int(day) <= 71):
        return False
    return cf_check(v[:15]) == v[15]


def pt_nif_check(body: str) -> int:
    check = 11 - sum(int(d) * w for d, w in zip(body, range(9, 1, -1), strict=True)) % 11
    return 0 if check >= 10 else check


def pt_nif_ok(digits: str) -> bool:
    """Portugal's NIF (número de contribuinte): eight digits and a check digit."""
    return (
        len(digits) == 9
        and digits.isdigit()
        and digits[0] != "0"
        and pt_nif_check(digits[:8]) == int(digits[8])
    )


def bsn_ok(digits: str) -> bool:
    if len(digits) != 9 or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    return (total - int(digits[8])) % 11 == 0


_VD = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_VP = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_VINV = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)


def verhoeff_check(body: str) -> int:
    c = 0
    for i, d in enumerate(reversed(body)):
        c = _VD[c][_VP[(i + 1) % 8][int(d)]]
    return _VINV[c]


def verhoeff_ok(digits: str) -> bool:
    c = 0
    for i, d in enumerate(reversed(digits)):
        c = _VD[c][_VP[i % 8][int(d)]]
    return c == 0


def aadhaar_ok(digits: str) -> bool:
    return len(digits) == 12 and digits[0] not in "01" and verhoeff_ok(digits)


_NINO_BAD_PREFIX = {"BG", "GB", "NK", "KN", "TN", "NT", "ZZ"}


def nino_ok(value: str) -> bool:
    v = value.upper()
    return v[:2] not in _NINO_BAD_PREFIX


def _always(_: str) -> bool:
    return True


# ---------------------------------------------------------------- kinds


@dataclass(frozen=True, slots=True)
class IdKind:
    entity: str
    pattern: re.Pattern[str]
    valid: Callable[[str], bool]  # called with the match, separators removed
    cue: re.Pattern[str] | None  # searched (case-insensitively) before the match
    cue_unless: re.Pattern[str] | None = None  # a written shape that needs no cue


def _rx(body: str, flags: int = 0) -> re.Pattern[str]:
    return re.compile(r"(?<![\w./-])" + body + r"(?![\w/]|[.-]\w)", flags)


_LICENSE_CUE = re.compile(
    r"(?i)\b(?:driver'?s?|driving|drivers)[\s-]*licen[cs]e|\bd\.?l\.?\s*(?:#|no\b|num|number|:)"
    r"|\blicen[cs]e\s*(?:#|no\b|num|number|id)|\blic\.?\s*(?:#|no\b)"
)
# State formats (AAMVA), letters upper case. Together they cover every state's current
# shapes; a licence cue must precede them.
_LICENSE_FORMATS = "|".join(
    (
        r"[A-Z]\d{3}-\d{3}-\d{2}-\d{3}-\d",  # FL written out
        r"[A-Z]\d{3}-\d{4}-\d{4}",  # IL, MD, MI, MN written out
        r"[A-Z]{1,2}\d{3,14}",  # CA A1234567, FL/IL A123456789012, WA-style prefixes
        r"[A-Z]{3}\d{2}[A-Z0-9]{2,9}",  # WA WDL, others
        r"\d{2}[A-Z]{3}\d{5}",  # CO, others
        r"\d{3}[A-Z]{2}\d{4}",  # KS-style
        r"\d{1,3}[- ]?\d{3}[- ]?\d{3,4}",  # NY 123 456 789, TX 12345678, PA 12 345 678
        r"\d{5,13}",
    )
)

KINDS: tuple[IdKind, ...] = (
    IdKind("PL_PESEL", _rx(r"\d{11}"), pesel_ok, re.compile(r"(?i)pesel")),
    IdKind(
        "PL_NIP",
        _rx(r"(?:PL ?)?(?:\d{3}-\d{3}-\d{2}-\d{2}|\d{3}-\d{2}-\d{2}-\d{3}|\d{10})"),
        lambda v: nip_ok(v[-10:]),
        re.compile(r"(?i)\bnip\b|\bvat\b|tax id|numer identyfikacji"),
        re.compile(r"-"),
    ),
    IdKind("PL_REGON", _rx(r"\d{9}(?:\d{5})?"), regon_ok, re.compile(r"(?i)regon")),
    IdKind(
        "DE_TAX_ID",
        _rx(r"\d{2} ?\d{3} ?\d{3} ?\d{3}"),
        steuer_ok,
        re.compile(r"(?i)steuer|\bidnr\b|identifikationsnummer|\btax id|\btin\b"),
        re.compile(r" "),
    ),
    IdKind(
        "FR_NIR",
        _rx(r"[12] ?\d{2} ?\d{2} ?(?:\d{2}|2[AB]) ?\d{3} ?\d{3} ?\d{2}", re.IGNORECASE),
        nir_ok,
        None,
    ),
    IdKind("ES_NIF", _rx(r"(?:\d{8}|[XYZ]-?\d{7})-?[A-Z]", re.IGNORECASE), es_nif_ok, None),
    IdKind(
        "IT_FISCAL_CODE",
        _rx(
            r"[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]",
            re.IGNORECASE,
        ),
        cf_ok,
        None,
    ),
    IdKind(
        "NL_BSN",
        _rx(r"\d{4}\.\d{2}\.\d{3}|\d{9}"),
        bsn_ok,
        re.compile(r"(?i)\bbsn\b|burgerservicenummer|sofi|citizen service"),
        re.compile(r"\."),
    ),
    IdKind(
        "PT_NIF",
        _rx(r"\d{3} ?\d{3} ?\d{3}"),
        pt_nif_ok,
        re.compile(r"(?i)\bnif\b|contribuinte|\bn\.?\s?º?\s?fiscal"),
    ),
    IdKind(
        "UK_NINO",
        _rx(r"[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]"),
        nino_ok,
        None,
    ),
    IdKind(
        "IN_AADHAAR",
        _rx(r"[2-9]\d{3} \d{4} \d{4}|[2-9]\d{3}-\d{4}-\d{4}|[2-9]\d{11}"),
        aadhaar_ok,
        re.compile(r"(?i)aadha?ar|\buid\b|आधार"),
        re.compile(r"[ -]"),
    ),
    IdKind("IN_PAN", _rx(r"[A-Z]{3}[ABCFGHJLPT][A-Z]\d{4}[A-Z]"), _always, None),
    IdKind("US_DRIVER_LICENSE", _rx(f"(?:{_LICENSE_FORMATS})"), _always, _LICENSE_CUE),
)
ENTITIES: tuple[str, ...] = tuple(dict.fromkeys(k.entity for k in KINDS))
_SEPARATORS = re.compile(r"[\s.-]")
# a cheap gate: every kind holds three digits in a row, digits in groups, or (a
# codice fiscale) six letters and two digit places
GATE = re.compile(r"\d{3}|\d{2}[ .-]\d{2}|[A-Za-z]{6}[0-9LMNPQRSTUVlmnpqrstuv]{2}")


def find_national_ids(text: str, wanted: frozenset[str] | set[str]) -> list[tuple[int, int, str]]:
    """(start, end, entity) of every identifier whose check (and cue, where needed) holds."""
    if not GATE.search(text):
        return []
    out: list[tuple[int, int, str]] = []
    for kind in KINDS:
        if kind.entity not in wanted:
            continue
        for m in kind.pattern.finditer(text):
            value = m.group()
            if not kind.valid(_SEPARATORS.sub("", value)):
                continue
            needs_cue = kind.cue is not None and not (
                kind.cue_unless and kind.cue_unless.search(value)
            )
            if needs_cue and not kind.cue.search(text, max(0, m.start() - CUE_WINDOW), m.start()):  # type: ignore[union-attr]
                continue
            out.append((m.start(), m.end(), kind.entity))
    return out
