"""Personal data in training text, found with Presidio's recognizers and rewritten in place.

Why not call ``AnalyzerEngine.analyze`` per field: it runs the whole spaCy pipeline
(tagger, parser, lemmatizer, NER) and every recognizer on every text. Here, in one pass
over a batch:

- pattern recognizers (Presidio's own: e-mail, phone via ``phonenumbers``, Luhn-checked
  cards, IBAN checksums, SSN, IP, passport, bank, medical licence, ITIN, NHS, BTC; plus
  ours for ETH wallets, URLs carrying credentials or tokens, medical record numbers and
  dates of birth) run only where a cheap gate says their pattern can occur at all;
- names: spaCy NER (``en_core_web_sm``, only its NER component, loaded by path with every
  file pinned) and, for PERSON, the name tagger fine-tuned over the pinned MiniLM
  (``detectors.name_tagger``; ``person_ner`` picks either or, by default, their union:
  the tagger finds more of the names spaCy sm misses) run only over sentences that
  contain a capitalised word other than a common sentence opener, since English PERSON
  and LOCATION names are capitalised; text with no letters never reaches them;
- context words (Presidio's own lists) lift low-confidence patterns, as Presidio's
  context enhancer does, using a character window instead of lemmas.

Overlapping spans merge to their union, so no fragment of a value survives, and each span
is proposed as an edit rendered by the operator chosen for its entity: a typed
placeholder, a keyed pseudonym (HMAC-SHA256, stable across the dataset, irreversible
without the key) or a mask. The policy decides, entity by entity, whether an edit is
applied. Evidence names entity, field and span, never the value.
"""

from __future__ import annotations

import atexit
import fnmatch
import hashlib
import hmac
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from detectors import national_ids
from detectors import personal_context as pc
from detectors.base import (
    NO_SCAN,
    REDACT,
    DetectionResult,
    DetectorInfo,
    ModelDigest,
    Reads,
    RowDetector,
    ScanContext,
    SetupContext,
)
from detectors.embeddings import MINILM_DIGEST
from detectors.errors import DetectorConfigError, ModelError
from detectors.models import SPACY_EN_CORE_WEB_SM
from detectors.name_tagger import NameTagger
from detectors.spans import Span, merge_spans, rewrite_result

PATTERN_ENTITIES = (
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "CREDIT_CARD",
    "US_SSN",
    "IBAN_CODE",
    "IP_ADDRESS",
    "US_PASSPORT",
    "US_BANK_NUMBER",
    "MEDICAL_LICENSE",
    "URL_CREDENTIALS",
    "CRYPTO",
    "US_ITIN",
    "UK_NHS",
    "MEDICAL_RECORD_NUMBER",
    "DATE_OF_BIRTH",
    "STREET_ADDRESS",
    *national_ids.ENTITIES,
)
NER_ENTITIES = ("PERSON", "LOCATION")
ALL_ENTITIES = NER_ENTITIES + PATTERN_ENTITIES
OPERATORS = ("placeholder", "pseudonym", "mask")
# When an entity is personal data (the policy's ``when``):
#   always            wherever it is found
#   personal_context  only in a personal context (detectors/personal_context.py): after a
#                     cue such as "my name is", "Dear X,", "Patient:", beside an e-mail,
#                     phone, SSN or card, or anywhere in a row that holds one of those
#   never             not looked for
MODES = ("always", "personal_context", "never")
# Names are personal only as a person's (not "poems by Edgar Allan Poe", not NER noise
# such as "Boron, Carbon"); spaCy's places are cities and countries, above the level that
# identifies anyone (street addresses are STREET_ADDRESS, always).
DEFAULT_WHEN: dict[str, str] = {"PERSON": "personal_context", "LOCATION": "never"}
# What makes a row personal when found in it: contact details and identifiers, not
# machine values (an IP address, a wallet, a URL's token).
IDENTIFYING = frozenset(PATTERN_ENTITIES) - {"IP_ADDRESS", "URL_CREDENTIALS", "CRYPTO"}
CUE_NAME_SCORE = 0.85

# spaCy labels to Presidio entity names.
NER_LABELS = {"PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION"}
NER_SCORE = 0.85
PERSON_NER = ("both", "tagger", "spacy")
CONTEXT_BOOST = 0.35  # Presidio's default context similarity factor
MIN_SCORE_WITH_CONTEXT = 0.4  # and its floor for a match with context
# Context words where Presidio's are too generic: "number" next to a passport or account
# number would otherwise promote a phone-number reading of the same digits.
CONTEXT_WORDS: dict[str, tuple[str, ...]] = {
    "PHONE_NUMBER": (
        "phone",
        "telephone",
        "tel",
        "cell",
        "mobile",
        "call",
        "fax",
        "whatsapp",
        "dial",
        "office",
        "sms",
        "text me",
        "reach me",
        "answering",
        "contact",
    ),
}
CONTEXT_WINDOW = (60, 30)  # characters before and after a match

# Capitalised words that open ordinary sentences; a sentence whose only capitalised word
# is one of these at its start cannot hold an English name for NER to find.
COMMON_OPENERS = frozenset(
    """the a an this that these those it i we you they he she in on at for to of and but or
    if when what why how who which where yes no not write generate create explain describe
    give list find make provide identify classify rewrite summarize summarise translate name
    compose suggest design develop calculate convert edit analyze analyse compare determine
    choose select construct come tell output add here there as one some many most all each
    every our my your their his her its please let can could would should is are was were do
    does did have has use based given using after before during while although because since
    so then also however therefore first second third finally next step answer note example
    input instruction response sure thank thanks hello hi dear overall additionally
    furthermore moreover email mail call send reply ask check read contact visit reset login
    update set show keep try see go get put take run open close start stop change move save
    print imagine consider assume suppose pretend act""".split()
)
_SENTENCE_END = re.compile(r"[.!?]+(?=\s)|\n")
# Abbreviations after which a full stop does not end a sentence ("Mr. Leiva", "Abby M. Laidlaw").
_NO_SPLIT_AFTER = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Mx|Dr|Prof|Sr|Jr|St|Rev|Gen|Col|Capt|Lt|Sgt|Hon)|\b[A-Z])$"
)
_WORD = re.compile(r"[^\W\d_][\w'’-]*")
_MAX_NER_CHARS = 5000

# Gates: a recognizer runs only on text where its pattern can occur.
_GATES: dict[str, re.Pattern[str]] = {
    "EMAIL_ADDRESS": re.compile(r"@"),
    "PHONE_NUMBER": re.compile(r"\d(?:[^\d\n]{0,4}\d){6}"),
    "CREDIT_CARD": re.compile(r"\d(?:[ -]?\d){11}"),
    "US_SSN": re.compile(r"\d{3}[- .]?\d{2}[- .]?\d{4}"),
    "US_ITIN": re.compile(r"9\d{2}[- .]?\d{2}[- .]?\d{4}"),
    "IBAN_CODE": re.compile(r"[A-Za-z]{2}\d{2}"),
    "IP_ADDRESS": re.compile(r"\d\.\d|[0-9a-fA-F]:[0-9a-fA-F]|::"),
    "US_PASSPORT": re.compile(r"\d{6}"),
    "US_BANK_NUMBER": re.compile(r"\d{8}"),
    "MEDICAL_LICENSE": re.compile(r"[A-Za-z]{1,2}\d{7}"),
    "UK_NHS": re.compile(r"\d{3}[- ]?\d{3}[- ]?\d{4}"),
    "CRYPTO": re.compile(r"\b(?:[13][a-km-zA-HJ-NP-Z1-9]{25}|bc1)"),
}

_CUSTOM: tuple[tuple[str, re.Pattern[str], int, float], ...] = (
    # entity, regex, group, score
    ("CRYPTO", re.compile(r"\b0x[a-fA-F0-9]{40}\b"), 0, 0.9),
    (
        "URL_CREDENTIALS",
        re.compile(
            r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s/@'\"<>]{1,64}:[^\s/@'\"<>]{1,128}@[^\s'\"<>]+"
        ),
        0,
        0.9,
    ),
    (
        "URL_CREDENTIALS",
        re.compile(
            r"\bhttps?://[^\s'\"<>?]+\?[^\s'\"<>]*?\b(?:access_token|api_key|apikey|token|key|sig|"
            r"signature|password|pwd|secret|auth|session|sessionid|sid|code)=[^&\s'\"<>]{6,}[^\s'\"<>]*",
            re.IGNORECASE,
        ),
        0,
        0.8,
    ),
    (
        "MEDICAL_RECORD_NUMBER",
        re.compile(
            r"(?i)\b(?:MRN|medical record(?: number| no\.?| #)?|patient (?:id|number))\s*[:#]?\s*"
            r"([A-Z]{0,3}\d{6,10})\b"
        ),
        1,
        0.85,
    ),
    (
        "DATE_OF_BIRTH",
        re.compile(
            r"(?i)\b(?:DOB|D\.O\.B\.|date of birth|born on|birth ?date)\s*[:\-]?\s*"
            r"(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}|"
            r"(?:[A-Z][a-z]+ \d{1,2},? \d{4})|(?:\d{1,2} [A-Z][a-z]+ \d{4}))"
        ),
        1,
        0.85,
    ),
)
# Street addresses: a house number and a street name ending in a street type (English),
# or a street type then a name and a number (Polish, German, Dutch, French, Spanish,
# Italian, Portuguese). City, postcode and country alone are not addresses.
_STREET_TYPES = (
    r"Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Terrace|"
    r"Way|Square|Sq|Highway|Hwy|Parkway|Pkwy|Circle|Cir|Trail|Crescent|Close|Row|Alley|Plaza|"
    r"Loop|Grove|Gardens|Mews|Walk|Hill|Heights|Park|Ridge|Point|Crossing|Passage|Gate"
)
_UNIT = (
    r"(?:,?[ \t]+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|#)\.?[ \t]*#?[ \t]*[\w-]{1,6})?"
)
_ADDRESSES = (
    re.compile(
        r"\b\d{1,6}[A-Za-z]?(?:[-/]\d{1,4})?,?[ \t]+(?:[NSEW]\.?[ \t]+)?"
        r"(?:[A-Z][\w'’.-]*[ \t]+){1,4}(?:" + _STREET_TYPES + r")\b\.?" + _UNIT
    ),
    re.compile(
        r"\b(?:ul\.|ulica|al\.|aleja|os\.|pl\.|Rue|rue|Avenue|avenue|Boulevard|boulevard|bd|"
        r"Calle|calle|C/|Avenida|avenida|Avda\.|Paseo|paseo|Plaza|Via|via|Viale|viale|Piazza|"
        r"piazza|Corso|corso|Rua|rua|Travessa|Largo)[ \t]+(?:(?:de|del|della|di|da|do|dos|la|le|"
        r"des|du|d'|l')[ \t]*)*[A-ZÀ-ÞĄĆĘŁŃÓŚŹŻ][\w'’.-]*(?:[ \t]+[\w'’.-]+){0,3}?,?[ \t]+"
        r"(?:n\.?[ºo°]?[ \t]*)?\d{1,4}[A-Za-z]?(?:[ \t]*/[ \t]*\d{1,4})?\b"
    ),
    re.compile(
        r"\b[A-ZÄÖÜ][\wäöüß-]+(?:straße|strasse|str\.|weg|gasse|platz|allee|ufer|"
        r"straat|laan|plein|gracht|kade|steeg|singel)[ \t]+\d{1,4}[a-zA-Z]?\b"
    ),
    re.compile(
        r"\b\d{1,4}(?:[ \t]?(?:bis|ter))?,?[ \t]+(?:rue|avenue|av\.|boulevard|bd|place|chemin|"
        r"allée|impasse|quai|route|cours)[ \t]+(?:(?:de|du|des|la|le|d'|l')[ \t]*)*"
        r"[A-ZÀ-Þ][\w'’-]*(?:[ \t]+[A-ZÀ-Þ][\w'’-]*){0,3}"
    ),
)


_STREET_AFTER = re.compile(r"[ \t]+(?:" + _STREET_TYPES + r")\b")
# A flat or suite number is below street level on its own.
_UNIT_ALONE = re.compile(r"\b(?:Apt|Apartment|Suite|Flat)\.?[ \t]*#?[ \t]*\d{1,5}[A-Za-z]?\b")
# After an address cue, what follows up to the end of its line or clause is the address
# when it holds a house number (a city alone has none).
_ADDRESS_CUE = re.compile(
    r"(?i)(?<!ip )(?<!e-mail )(?<!email )(?<!mac )(?<!web )(?<!memory )(?<!wallet )"
    r"\b(?:(?:home|billing|shipping|mailing|postal|delivery|street|primary|secondary|new|"
    r"current|old|my|our|his|her|their)[ \t]+)?address(?:es)?(?:[ \t]+(?:is|to))?[ \t]*[:\-]?[ \t]*"
    r"|\b(?:lives?|living|resides?|residing|moved|stay(?:s|ing)?)[ \t]+(?:at|on|to)[ \t]+"
)
_ADDRESS_TAIL = re.compile(
    r"[^\n|;]{4,90}?(?=[ \t]*(?:[\n|;]|$|\.(?:\s|$)|,?[ \t]+(?:and|but|please)\b))"
)


def _addresses(text: str) -> list[Span]:
    # scored above NER's names, so that a merged span is called an address
    out = [Span(*m.span(), "STREET_ADDRESS", 0.9) for rx in _ADDRESSES for m in rx.finditer(text)]
    out += [Span(*m.span(), "STREET_ADDRESS", 0.9) for m in _UNIT_ALONE.finditer(text)]
    for m in _ADDRESS_CUE.finditer(text):
        tail = _ADDRESS_TAIL.match(text, m.end())
        value = tail.group() if tail else ""
        if (
            tail
            and re.search(r"\d", value)
            and re.search(r"[A-Z]", value)
            and not re.search(r"@|://|\b\d{1,3}(?:\.\d{1,3}){3}\b", value)
        ):
            out.append(Span(*tail.span(), "STREET_ADDRESS", 0.9))
    return out


# Card numbers by issuer range (IIN) and length, Luhn-checked: wider than Presidio's regex,
# which misses 19-digit Visa, 12-19 digit Maestro, Mastercard 2-series and 15-digit JCB.
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){11,18}\d(?![\d-])")
_IIN = re.compile(
    r"^(?:4\d{12}(?:\d{3}){0,2}|5[1-5]\d{14}|2(?:2[2-9]|[3-6]\d|7[01])\d{13}|2720\d{12}|3[47]\d{13}|"
    r"3(?:0[0-5]|[68]\d|9)\d{11,13}|6(?:011|5\d{2}|4[4-9]\d)\d{12,15}|35\d{14,17}|"
    r"(?:2131|1800)\d{11}|(?:5[06-9]|6\d)\d{10,17}|62\d{14,17})$"
)
# International numbers written with "+": kept when libphonenumber calls them possible,
# even where it would not call them valid (new or unlisted ranges).
_PLUS_PHONE = re.compile(r"(?<![\w+])\+\d{1,3}[\s.-]?\(?\d{1,4}\)?(?:[\s.-]?\d{2,5}){1,4}(?!\d)")
# Short local numbers, only next to a phone word, and not a piece of a longer run of
# digit groups (a list of numbers is not a phone number).
_LOCAL_PHONE = re.compile(
    r"(?<![\d-])(?<!\d[ .])\(?\d{2,4}\)?[\s.-]\d{2,4}(?:[\s.-]?\d{2,4}){0,3}(?!\d|-\d|[ .]\d)"
)
# Three groups shaped like a phone number ("699 956 915", "(37) 788-0631") need no phone
# word: on 57,000 instruction rows (alpaca, code_alpaca, alpaca_zh) every match of this
# shape was a phone number. Round groups ("10 000 000") are amounts, not numbers to call.
_GROUPED_PHONE = re.compile(
    r"(?<![\w.,/+-])(?<!\d[,;] )(?<!\d )"  # not inside a word, a decimal or a list of numbers
    r"(?:\(\d{2,4}\)\s?|\d{2,4}[ -])(\d{3})[ -](\d{3,4})"
    r"(?![\w.,/]|-\d|[ .]\d)"
)


def _case_free_iban(base: type) -> Any:
    """Presidio's IBAN recognizer matches and checks capitals only, but people write
    "my iban is gb42nawi0445…" too; the checksum and country format still decide."""

    class CaseFreeIban(base):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__(regex_flags=re.DOTALL | re.MULTILINE | re.IGNORECASE)

        def validate_result(self, pattern_text: str) -> bool | None:
            return super().validate_result(pattern_text.upper())  # type: ignore[no-any-return]

    return CaseFreeIban()


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _cards(text: str) -> list[Span]:
    out = []
    for m in _CARD.finditer(text):
        digits = re.sub(r"[ -]", "", m.group())
        if _IIN.match(digits) and luhn_ok(digits):
            out.append(Span(m.start(), m.end(), "CREDIT_CARD", 0.7))
    return out


def _phones(text: str) -> list[Span]:
    import phonenumbers

    out = []
    for m in _PLUS_PHONE.finditer(text):
        try:
            num = phonenumbers.parse(m.group(), None)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(num):
            out.append(Span(m.start(), m.end(), "PHONE_NUMBER", 0.5))
    for m in _LOCAL_PHONE.finditer(text):
        digits = sum(c.isdigit() for c in m.group())  # E.164 allows up to 15
        if 7 <= digits <= 15 and _has_context(
            text, m.start(), m.end(), CONTEXT_WORDS["PHONE_NUMBER"]
        ):
            out.append(Span(m.start(), m.end(), "PHONE_NUMBER", 0.45))
    for m in _GROUPED_PHONE.finditer(text):
        if "000" not in m.groups():
            out.append(Span(m.start(), m.end(), "PHONE_NUMBER", 0.4))
    return out


_DIGIT = re.compile(r"\d")
_IN_URL = re.compile(r"(?:https?://|www\.)[^\s]*$")
# An address at an internal or reserved domain ("j.smith@contoso.local", an Active
# Directory export; "anna@mailbox.example") is not a public suffix, so Presidio's check
# drops it, yet its local part names a person. Linear: the local part is bounded and the
# domain labels cannot overlap their dots.
_PRIVATE_DOMAIN_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9-]{1,63}\.)+"
    r"(?i:local|corp|internal|intranet|lan|home|private|example|test|invalid|localhost)"
    r"(?![\w-]|\.\w)"
)
_CUSTOM_GATE = re.compile(r"0x|://|(?i:mrn|medical record|patient|dob|d\.o\.b|birth)")

log = logging.getLogger(__name__)
_NLP_CACHE: dict[str, Any] = {}
# One spaCy pipeline serves every PII detector in the process, and the gateway scans on
# several threads: a memory zone evicts the strings added while it was open, which would
# pull them from under another thread's documents. NER therefore runs one batch at a time.
_NLP_LOCK = threading.Lock()


def _offline_tldextract() -> None:
    """Presidio's e-mail recognizer calls ``tldextract.extract``, which fetches the public
    suffix list over the network on first use. Point it at the bundled snapshot."""
    import tldextract

    if not getattr(tldextract.extract, "_tunegate_offline", False):
        offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
        offline._tunegate_offline = True  # type: ignore[attr-defined]
        tldextract.extract = offline  # type: ignore[assignment]


def load_ner() -> tuple[Any, ModelDigest]:
    """spaCy's NER, loaded once per process from its pinned folder."""
    root, digest = SPACY_EN_CORE_WEB_SM.verify()
    key = str(root)
    with _NLP_LOCK:
        return _load_ner(key, root), digest


def ner_entities(pieces: list[str]) -> list[list[tuple[int, int, str]]]:
    """(start, end, spaCy label) of every entity in each piece. Runs in this process or,
    unchanged, in an NER worker process; the caller maps labels and offsets."""
    nlp = _loaded_ner()
    # memory_zone frees the strings each batch adds to the vocabulary; without it
    # spaCy's StringStore grows with every new token of a long scan.
    with _NLP_LOCK, nlp.memory_zone():
        return [
            [(e.start_char, e.end_char, e.label_) for e in doc.ents]
            for doc in nlp.pipe(pieces, batch_size=256)
        ]


def _loaded_ner() -> Any:
    """The pipeline this process already verified and loaded (setup, or a worker's start),
    without hashing the model's files again on every batch."""
    with _NLP_LOCK:
        if _NLP_CACHE:
            return next(iter(_NLP_CACHE.values()))
    return load_ner()[0]


def _warm_ner_worker() -> None:
    load_ner()  # a missing or altered model fails the pool here, not mid-scan


# Worker pools, one per size, shared by every PII detector in the process (as the model
# is): the gateway runs many scans, and each worker holds a copy of the model.
_NER_POOLS: dict[int, Any] = {}
_NER_POOLS_LOCK = threading.Lock()
_POOL_MIN_PIECES = 64  # fewer pieces than this cost more to ship than to tag here


def _ner_pool(workers: int) -> Any:
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with _NER_POOLS_LOCK:
        if not _NER_POOLS:
            atexit.register(_shutdown_ner_pools)
        if workers not in _NER_POOLS:
            # spawn, not fork: the gateway's gRPC threads must not be copied mid-flight
            _NER_POOLS[workers] = ProcessPoolExecutor(
                max_workers=workers, mp_context=get_context("spawn"), initializer=_warm_ner_worker
            )
        return _NER_POOLS[workers]


def _shutdown_ner_pools() -> None:
    """Join the workers while the interpreter is whole; left to garbage collection at
    exit, the pool's callbacks run after the modules they need are gone."""
    with _NER_POOLS_LOCK:
        pools = list(_NER_POOLS.values())
        _NER_POOLS.clear()
    for pool in pools:
        pool.shutdown(wait=True, cancel_futures=True)


def _ner_in_workers(pieces: list[str], workers: int) -> list[list[tuple[int, int, str]]]:
    from concurrent.futures.process import BrokenProcessPool

    size = -(-len(pieces) // workers)
    parts = [pieces[i : i + size] for i in range(0, len(pieces), size)]
    try:
        results = list(_ner_pool(workers).map(ner_entities, parts))
    except BrokenProcessPool as e:
        with _NER_POOLS_LOCK:
            _NER_POOLS.pop(workers, None)  # the next scan starts a fresh pool
        raise ModelError(
            f"pii: an NER worker process died ({e}); no rows were tagged; run the scan again, and "
            "if it keeps dying (often out of memory) lower [detectors.pii.params] ner_workers"
        ) from e
    return [ents for part in results for ents in part]


def _load_ner(key: str, root: Path) -> Any:
    if key not in _NLP_CACHE:
        import spacy

        _NLP_CACHE[key] = spacy.load(
            root, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
        )
    return _NLP_CACHE[key]


def _sentences(text: str) -> list[tuple[int, int]]:
    out = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.group() != "\n" and _NO_SPLIT_AFTER.search(text, max(0, m.start() - 5), m.start()):
            continue
        if m.end() > start:
            out.append((start, m.end()))
        start = m.end()
    if start < len(text):
        out.append((start, len(text)))
    return out


def ner_chunks(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` worth running NER over (see module docstring)."""
    out = []
    for start, end in _sentences(text):
        words = _WORD.findall(text[start:end])
        if not any(
            w[0].isupper() and not (i == 0 and w.lower() in COMMON_OPENERS)
            for i, w in enumerate(words)
        ):
            continue
        while end - start > _MAX_NER_CHARS:  # keep each piece inside spaCy's comfort zone
            cut = text.rfind(" ", start, start + _MAX_NER_CHARS)
            cut = cut if cut > start else start + _MAX_NER_CHARS
            out.append((start, cut))
            start = cut
        out.append((start, end))
    return out


@dataclass(frozen=True, slots=True)
class PiiParams:
    entities: tuple[str, ...] = ALL_ENTITIES
    # per entity, or "*" for every entity not named: "always", "personal_context" (only
    # beside a personal cue or identifier, or in a row that holds one) or "never"; an
    # entity named nowhere keeps its default (PERSON personal_context, LOCATION never,
    # every other always)
    when: dict[str, str] = field(default_factory=dict)
    score_threshold: float = 0.4
    operators: dict[str, str] = field(default_factory=dict)  # entity or "*" -> operator
    allow: tuple[str, ...] = ()  # values never treated as PII (case-insensitive)
    allow_regex: tuple[str, ...] = ()
    field_entities: dict[str, tuple[str, ...]] = field(default_factory=dict)  # glob or role:X
    pseudonym_key_env: str = "TUNEGATE_PSEUDONYM_KEY"
    pseudonym_key_file: str = ""
    # national formats are parsed for these; numbers written with "+" need no region
    phone_regions: tuple[str, ...] = ("US", "GB", "DE", "FR", "IL", "IN", "CA", "BR", "AU")
    # NER is most of the detector's time and holds one core; more workers are processes,
    # each with its own copy of the model (about 500 MB resident: thinc brings in torch)
    ner_workers: int = 1
    # who finds PERSON names: "both" (the union), "tagger" (the fine-tuned MiniLM tagger) or "spacy"
    person_ner: str = "both"

    def __post_init__(self) -> None:
        bad = [e for e in self.entities if e not in ALL_ENTITIES]
        for ents in self.field_entities.values():
            bad += [e for e in ents if e not in ALL_ENTITIES]
        if bad:
            raise ValueError(f"unknown PII entities {bad}; known: {list(ALL_ENTITIES)}")
        for ent, op in self.operators.items():
            if ent != "*" and ent not in ALL_ENTITIES:
                raise ValueError(
                    f"operators: unknown entity {ent!r}; use '*' or one of {list(ALL_ENTITIES)}"
                )
            if op not in OPERATORS:
                raise ValueError(
                    f"operators.{ent}: unknown operator {op!r}; use one of {OPERATORS}"
                )
        for ent, mode in self.when.items():
            if ent != "*" and ent not in ALL_ENTITIES:
                raise ValueError(
                    f"when: unknown entity {ent!r}; use '*' or one of {list(ALL_ENTITIES)}"
                )
            if mode not in MODES:
                raise ValueError(f"when.{ent}: {mode!r} is not a mode; use one of {list(MODES)}")
        for rx in self.allow_regex:
            try:
                re.compile(rx)
            except re.error as e:  # not a ValueError: it would surface as an internal error
                raise ValueError(f"allow_regex {rx!r} is not a regular expression ({e})") from None
        if not 0.0 <= self.score_threshold <= 1.0:
            raise ValueError("score_threshold must be between 0 and 1")
        if not 1 <= self.ner_workers <= 64:
            raise ValueError("ner_workers must be between 1 and 64")
        if self.person_ner not in PERSON_NER:
            raise ValueError(f"person_ner {self.person_ner!r}: use one of {list(PERSON_NER)}")


class PiiDetector(RowDetector):
    info = DetectorInfo(
        name="pii",
        version="1.4.0",
        rules=ALL_ENTITIES,
        description="personal data (Presidio's recognizers, checksummed national IDs, a name "
        "tagger and spaCy NER for names in a personal context), rewritten in place",
        defaults={"*": REDACT},
    )
    Params = PiiParams
    params: PiiParams
    reads = Reads.RAW
    uses_device = True  # the name tagger runs on the scan's device (person_ner "both", "tagger")
    rewrites_text = True
    reads_metadata = True  # an e-mail in a passthrough column is published like any other
    rewrites_after = ("secrets",)  # a key must not be half-redacted as a phone number

    def __init__(self, params: PiiParams | None = None) -> None:
        super().__init__(params)
        # spaCy alone runs on the CPU: only the name tagger puts work on the scan's device
        self.uses_device = self.params.person_ner != "spacy"
        self._nlp: Any = None
        self._digest: ModelDigest | None = None
        self._tagger: NameTagger | None = None
        self._recognizers: dict[str, list[Any]] = {}
        self._ready = False
        self._key: bytes | None = None
        self._allow = {a.casefold().strip() for a in self.params.allow}
        self._allow_rx = [re.compile(r) for r in self.params.allow_regex]
        self._mode = {e: self.mode(e) for e in ALL_ENTITIES}
        self._never = frozenset(e for e, m in self._mode.items() if m == "never")

    def mode(self, entity: str) -> str:
        """always, personal_context or never, for ``entity`` under this policy."""
        when = self.params.when
        return when.get(entity) or when.get("*") or DEFAULT_WHEN.get(entity, "always")

    # ---------------------------------------------------------------- setup

    def setup(self, ctx: SetupContext) -> None:
        if self._ready:
            return
        _offline_tldextract()
        logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
        from presidio_analyzer import predefined_recognizers as pr

        wanted = (
            set(self.params.entities) | {e for v in self.params.field_entities.values() for e in v}
        ) - self._never
        person = self.params.person_ner
        if wanted & ({"LOCATION"} | ({"PERSON"} if person != "tagger" else set())):
            self._nlp, self._digest = load_ner()
        if "PERSON" in wanted and person != "spacy":
            self._tagger = NameTagger.load(ctx.device)
        recs: dict[str, list[Any]] = {
            "EMAIL_ADDRESS": [pr.EmailRecognizer()],
            "PHONE_NUMBER": [pr.PhoneRecognizer(supported_regions=list(self.params.phone_regions))],
            "CREDIT_CARD": [pr.CreditCardRecognizer()],
            "US_SSN": [pr.UsSsnRecognizer()],
            "US_ITIN": [pr.UsItinRecognizer()],
            "IBAN_CODE": [_case_free_iban(pr.IbanRecognizer)],
            "IP_ADDRESS": [pr.IpRecognizer()],
            "US_PASSPORT": [pr.UsPassportRecognizer()],
            "US_BANK_NUMBER": [pr.UsBankRecognizer()],
            "MEDICAL_LICENSE": [pr.MedicalLicenseRecognizer()],
            "UK_NHS": [pr.NhsRecognizer()],
            "CRYPTO": [pr.CryptoRecognizer()],
        }
        self._recognizers = {e: r for e, r in recs.items() if e in wanted}
        if "pseudonym" in self.params.operators.values():
            self._key = self._load_key()
        self._ready = True

    def _load_key(self) -> bytes:
        p = self.params
        if p.pseudonym_key_file:
            try:
                key = Path(p.pseudonym_key_file).read_bytes().strip()
            except OSError as e:
                raise DetectorConfigError(
                    f"pii: cannot read pseudonym_key_file {p.pseudonym_key_file} ({e.strerror}); "
                    "fix [detectors.pii.params] pseudonym_key_file in the policy"
                ) from e
        else:
            key = os.environ.get(p.pseudonym_key_env, "").encode()
        if len(key) < 16:
            raise DetectorConfigError(
                f"pii: the pseudonym operator needs a key of at least 16 bytes in "
                f"${p.pseudonym_key_env} or pseudonym_key_file"
            )
        return key

    def models(self) -> tuple[ModelDigest, ...]:
        out: tuple[ModelDigest, ...] = (self._digest,) if self._digest is not None else ()
        if self._tagger is not None:
            out += (MINILM_DIGEST, self._tagger.digest())
        return out

    # ---------------------------------------------------------------- finding

    def _entities_for(self, fld: str, role: str) -> frozenset[str]:
        for pattern, ents in self.params.field_entities.items():
            if pattern == f"role:{role}" or fnmatch.fnmatchcase(fld, pattern):
                return frozenset(ents) - self._never
        return frozenset(self.params.entities) - self._never

    def _patterns(self, text: str, wanted: frozenset[str]) -> list[Span]:
        found: list[Span] = []
        for entity, recs in self._recognizers.items():
            gate = _GATES.get(entity)
            if entity not in wanted or (gate is not None and not gate.search(text)):
                continue
            for rec in recs:
                context = CONTEXT_WORDS.get(entity, rec.context)
                for r in rec.analyze(text, [entity], None):
                    score = r.score
                    if _has_context(text, r.start, r.end, context):
                        score = min(1.0, max(score + CONTEXT_BOOST, MIN_SCORE_WITH_CONTEXT))
                    found.append(Span(r.start, r.end, entity, score))
        if "EMAIL_ADDRESS" in wanted and "@" in text:
            found.extend(
                Span(*m.span(), "EMAIL_ADDRESS", 0.9) for m in _PRIVATE_DOMAIN_EMAIL.finditer(text)
            )
        if "CREDIT_CARD" in wanted and _GATES["CREDIT_CARD"].search(text):
            found.extend(_cards(text))
        if "PHONE_NUMBER" in wanted and _GATES["PHONE_NUMBER"].search(text):
            found.extend(_phones(text))
        if "PHONE_NUMBER" in wanted:  # digits in a URL's path or query are not a number to call
            found = [
                s
                for s in found
                if s.entity != "PHONE_NUMBER" or not _IN_URL.search(text, 0, s.start)
            ]
        if _CUSTOM_GATE.search(text):
            for entity, rx, group, score in _CUSTOM:
                if entity in wanted:
                    found.extend(Span(*m.span(group), entity, score) for m in rx.finditer(text))
        if "STREET_ADDRESS" in wanted and _DIGIT.search(text):
            found.extend(_addresses(text))
        ids = national_ids.find_national_ids(text, wanted)
        found.extend(Span(a, b, entity, 0.85) for a, b, entity in ids)
        return found

    def _ner(self, texts: list[str], wanted: list[frozenset[str]]) -> list[list[Span]]:
        out: list[list[Span]] = [[] for _ in texts]
        if self._nlp is None and self._tagger is None:
            return out
        jobs: list[tuple[int, int]] = []
        pieces: list[str] = []
        for i, text in enumerate(texts):
            if not wanted[i] & set(NER_ENTITIES):
                continue
            for start, end in ner_chunks(text):
                jobs.append((i, start))
                pieces.append(text[start:end])
        found: list[list[tuple[int, int, str]]] = [[] for _ in pieces]
        if self._nlp is not None:
            workers = self.params.ner_workers
            if workers > 1 and len(pieces) >= _POOL_MIN_PIECES:
                found = _ner_in_workers(pieces, workers)
            else:
                found = ner_entities(pieces)
            if self._tagger is not None and self.params.person_ner == "tagger":
                found = [[e for e in ents if e[2] != "PERSON"] for ents in found]
        if self._tagger is not None:
            asks = [k for k, (i, _) in enumerate(jobs) if "PERSON" in wanted[i]]
            names = self._tagger.names([pieces[k] for k in asks])
            for k, spans in zip(asks, names, strict=True):
                found[k] = found[k] + [(a, b, "PERSON") for a, b in sorted(spans)]
        for (i, base), piece, ents in zip(jobs, pieces, found, strict=True):
            for start_char, end_char, label in ents:
                entity = NER_LABELS.get(label)
                if entity not in wanted[i]:
                    continue
                assert entity is not None
                for a, b in _name_parts(piece[start_char:end_char]):
                    start = base + start_char
                    out[i].append(Span(start + a, start + b, entity, NER_SCORE))
        return out

    def _allowed(self, value: str) -> bool:
        v = value.casefold().strip()
        return v in self._allow or any(rx.fullmatch(value) for rx in self._allow_rx)

    def find(
        self,
        texts: list[str],
        fields: list[str],
        roles: list[str],
        rows: list[int] | None = None,
    ) -> list[list[Span]]:
        """Merged spans per text, after threshold, allow-list and each entity's mode.

        ``rows`` says which texts are fields of one row (a personal context found in one
        field holds for the others); without it each text is its own row.
        """
        wanted = [self._entities_for(f, r) for f, r in zip(fields, roles, strict=True)]
        keys: list[int] = rows if rows is not None else list(range(len(texts)))
        held = [[(m.start(), m.end()) for m in _PLACEHOLDER.finditer(t)] for t in texts]

        def keep(i: int, s: Span) -> bool:
            return (
                s.score >= self.params.score_threshold
                and not self._allowed(texts[i][s.start : s.end])
                and not any(a <= s.start and s.end <= b for a, b in held[i])
            )

        found = [
            [s for s in self._patterns(t, wanted[i]) if keep(i, s)] for i, t in enumerate(texts)
        ]
        personal: set[int] = set()
        cued: set[int] = set()  # texts with a strong-cue name: a letter, a form, a message
        for i, text in enumerate(texts):
            ids = [(s.start, s.end) for s in found[i] if s.entity in IDENTIFYING]
            # an identifier makes its row personal unless it waits for one itself
            if any(s.entity in IDENTIFYING and self._mode[s.entity] == "always" for s in found[i]):
                personal.add(keys[i])
            if pc.SOCIAL.search(text):
                personal.add(keys[i])
            if "PERSON" in wanted[i]:
                names = pc.strong_cue_names(text) + (pc.names_beside(text, ids) if ids else [])
                cue = [s for a, b in names if keep(i, s := Span(a, b, "PERSON", CUE_NAME_SCORE))]
                if cue:
                    personal.add(keys[i])
                    cued.add(i)
                found[i].extend(cue)

        def applies(i: int, s: Span, weak_cue: bool = False) -> bool:
            mode = self._mode[s.entity]
            return mode == "always" or keys[i] in personal or weak_cue

        # NER only where a name it finds could count: the entity is wanted always, the row
        # is personal, or a weak cue precedes a capital
        ner_wanted = []
        for i, text in enumerate(texts):
            ents = wanted[i] & set(NER_ENTITIES)
            if keys[i] not in personal:
                ents = frozenset(
                    e
                    for e in ents
                    if self._mode[e] == "always"
                    or (e == "PERSON" and pc.WEAK_GATE.search(text) is not None)
                )
            ner_wanted.append(frozenset(ents))
        ner = self._ner(texts, ner_wanted)
        out = []
        for i, text in enumerate(texts):
            spans = [s for s in found[i] if applies(i, s)]
            if i in cued:
                # in a text that names someone after a strong cue, a name NER missed:
                # 2–3 capitalised words mid-sentence
                taken = [(s.start, s.end) for s in spans]
                spans += [
                    s
                    for a, b in pc.row_names(text)
                    if not any(x < b and a < y for x, y in taken)
                    and not _STREET_AFTER.match(text, b)
                    and keep(i, s := Span(a, b, "PERSON", CUE_NAME_SCORE))
                ]
            if keys[i] in personal and "PERSON" in wanted[i]:
                # in a personal row, the surname behind a title ("Medico curante: dott.ssa
                # Conti"), which NER reads as a name only now and then
                spans += [
                    s
                    for a, b in pc.titled_names(text)
                    if keep(i, s := Span(a, b, "PERSON", CUE_NAME_SCORE))
                ]
            spans += [
                s
                for s in ner[i]
                if keep(i, s)
                and applies(i, s, s.entity == "PERSON" and pc.weak_cue_before(text, s.start))
            ]
            out.append(merge_spans(spans))
        return out

    # ---------------------------------------------------------------- rewriting

    def render(self, span: Span, value: str) -> str:
        """What ``value`` becomes under the operator chosen for its entity."""
        entity = span.entity
        op = self.params.operators.get(entity) or self.params.operators.get("*", "placeholder")
        if op == "mask":
            return "*" * len(value)
        if op == "pseudonym":
            assert self._key is not None
            return _pseudonymizer(self._key, entity)(value)
        return f"<{entity}>"

    def detect(self, segments: pa.RecordBatch, scan: ScanContext = NO_SCAN) -> DetectionResult:
        if not self._ready:
            raise DetectorConfigError(
                "pii: setup() was not called; call setup(ctx) before detect()"
            )
        spans = self.find(
            segments.column("text").to_pylist(),
            segments.column("field").to_pylist(),
            segments.column("role").to_pylist(),
            segments.column("row").to_pylist(),
        )
        return rewrite_result(segments, spans, self.render)


# what a rewriter (secrets, or PII itself on the raw copy) left in the text: NER reads
# "<SECRET_AWS_ACCESS_KEY>" as a place; it is nobody's personal data
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*>")
_NOT_A_NAME = re.compile(r"[@\d<>{}\[\]]|://")
_NAME_PARTICLES = pc.PARTICLES | {"y", "e"}  # and "García y López", "Santos e Silva"


def _name_parts(text: str) -> list[tuple[int, int]]:
    """The parts of an NER span that are a name, as (start, end) inside it.

    Names are capitalised and hold no digits, URLs or addresses. spaCy's small model
    sometimes runs a name into what follows ("Priya Raman <priya@…"), labels a lowercase
    noun, or takes a whole clause ("Jantar de anos da Rita"); the tagger runs a name
    into the next word ("Pablo sigue"). A span is cut at its first digit, URL or bracket,
    and what is left is split at lower-case words that are no particle ("van", "dos")
    and at line breaks: each run of capitalised words is a name ("pan Lewandowski" gives
    Lewandowski), unless it is only weekdays, months or greetings ("Montag", "Bonjour").
    """
    junk = _NOT_A_NAME.search(text)
    name = text[: junk.start()] if junk else text
    if len(name.strip()) > 80 or not name[:1].isalpha():
        return []  # a span that opens with punctuation is no name ("// Iterate")
    parts: list[tuple[int, int]] = []
    run: list[re.Match[str]] = []

    def close() -> None:
        while run and run[-1].group() in _NAME_PARTICLES:
            run.pop()
        if run and not all(m.group().casefold() in pc.NOT_NAMES for m in run):
            parts.append((run[0].start(), run[-1].end()))
        run.clear()

    for m in _WORD.finditer(name):
        word = m.group()
        gap = name[run[-1].end() : m.start()] if run else "\n"
        initial = bool(run) and len(run[-1].group()) == 1  # "M. Vasseur" is one name
        joined = (gap.strip() == "" and "\n" not in gap) or (initial and gap.strip() == ".")
        if word[0].isupper() and joined:
            run.append(m)
        elif word[0].isupper():
            close()
            run.append(m)
        elif joined and word in _NAME_PARTICLES:
            run.append(m)
        else:
            close()
    close()
    return parts


def _has_context(text: str, start: int, end: int, words: Iterable[str] | None) -> bool:
    if not words:
        return False
    before, after = CONTEXT_WINDOW
    window = text[max(0, start - before) : end + after].casefold()
    return any(w.casefold() in window for w in words)


def _pseudonymizer(key: bytes, entity: str) -> Callable[[str], str]:
    def pseudonym(value: str) -> str:
        norm = " ".join(value.casefold().split())
        mac = hmac.new(key, f"{entity}\0{norm}".encode(), hashlib.sha256).hexdigest()
        return f"<{entity}_{mac[:12]}>"

    return pseudonym
