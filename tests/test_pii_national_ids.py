"""National identifiers: found when their check digit holds, left alone when it does not."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors import national_ids as nid
from scripts import pii_personal as gen

ALL = set(nid.ENTITIES)


def found(text: str) -> dict[str, str]:
    return {text[a:b]: e for a, b, e in nid.find_national_ids(text, ALL)}


# Check digits worked out by hand from each scheme's definition (docstring of the module).
KNOWN_VALID = [
    # PESEL 440514 0135 9: 1*4+3*4+7*0+9*5+1*1+3*4+7*0+9*1+1*3+3*5 = 101 -> (10 - 1) % 10 = 9
    ("PESEL: 44051401359", "44051401359", "PL_PESEL"),
    # NIP 123456321 8: 6+10+21+8+15+24+15+12+7 = 118, 118 % 11 = 8
    ("NIP 123-456-32-18", "123-456-32-18", "PL_NIP"),
    # REGON 12345678 5: 8+18+6+12+20+30+42+56 = 192, 192 % 11 = 5
    ("REGON 123456785", "123456785", "PL_REGON"),
    ("Steuer-ID 86 095 742 719", "86 095 742 719", "DE_TAX_ID"),
    # NIR 2550814168025: 97 - (2550814168025 % 97) = 38
    ("NIR 2 55 08 14 168 025 38", "2 55 08 14 168 025 38", "FR_NIR"),
    # DNI 12345678 % 23 = 14 -> Z; NIE X1234567 -> 01234567 % 23 = 19 -> L
    ("DNI 12345678Z", "12345678Z", "ES_NIF"),
    ("NIE X1234567L", "X1234567L", "ES_NIF"),
    ("codice fiscale RSSMRA85T10A562S", "RSSMRA85T10A562S", "IT_FISCAL_CODE"),
    # BSN 111222333: 9+8+7+12+10+8+9+6 = 69, 69 - 3 = 66 = 6 * 11
    ("BSN 111222333", "111222333", "NL_BSN"),
    # NIF 12345678 9: 9+16+21+24+25+24+21+16 = 156, 156 % 11 = 2 -> 11 - 2 = 9
    ("NIF 123 456 789", "123 456 789", "PT_NIF"),
    ("número de contribuinte 123456789", "123456789", "PT_NIF"),
    ("NI number AB 12 34 56 C", "AB 12 34 56 C", "UK_NINO"),
    ("Aadhaar 2341 2341 2346", "2341 2341 2346", "IN_AADHAAR"),
    ("PAN ABCPE1234F", "ABCPE1234F", "IN_PAN"),
    ("Driver's license: D1234567", "D1234567", "US_DRIVER_LICENSE"),
    ("DL# 123456789 issued in NY", "123456789", "US_DRIVER_LICENSE"),
]


@pytest.mark.parametrize(("text", "value", "entity"), KNOWN_VALID)
def test_known_valid_identifiers(text: str, value: str, entity: str) -> None:
    assert found(text).get(value) == entity, found(text)


@pytest.mark.parametrize(
    "text",
    [
        "PESEL: 44051401358",  # check digit off by one
        "PESEL: 44053401359",  # no 34th month
        "NIP 123-456-32-19",
        "REGON 123456786",
        "Steuer-ID 86 095 742 718",
        "NIR 2 55 08 14 168 025 39",
        "DNI 12345678A",
        "codice fiscale RSSMRA85T10A562T",
        "BSN 111222334",
        "NIF 123456788",
        "Aadhaar 2341 2341 2347",
        "NI number BG 12 34 56 C",  # a prefix never allocated
        # the right shape, no cue word: an order number, an amount, an ID of anything
        "Order 44051401359 shipped.",
        "The total came to 111222333 units.",
        "Call 123456789 for the driver.",
        "Licensed under the MIT license 20230101 edition",
    ],
)
def test_look_alikes_are_left_alone(text: str) -> None:
    assert found(text) == {}


# Valid identifiers generated from their schemes (scripts/pii_personal.py), each with a
# cue word, as a person writes it.
GENERATORS = {
    "PL_PESEL": ("PESEL", gen.pesel),
    "PL_NIP": ("NIP", gen.nip),
    "PL_REGON": ("REGON", gen.regon),
    "DE_TAX_ID": ("Steuer-ID", gen.steuer_id),
    "FR_NIR": ("NIR", gen.nir),
    "ES_NIF": ("DNI", gen.dni),
    "IT_FISCAL_CODE": ("codice fiscale", gen.codice_fiscale),
    "NL_BSN": ("BSN", gen.bsn),
    "IN_AADHAAR": ("Aadhaar", gen.aadhaar),
}
VALIDATORS = {
    "PL_PESEL": nid.pesel_ok,
    "PL_NIP": nid.nip_ok,
    "PL_REGON": nid.regon_ok,
    "DE_TAX_ID": nid.steuer_ok,
    "FR_NIR": nid.nir_ok,
    "ES_NIF": nid.es_nif_ok,
    "IT_FISCAL_CODE": nid.cf_ok,
    "NL_BSN": nid.bsn_ok,
    "IN_AADHAAR": nid.aadhaar_ok,
}


@settings(max_examples=300, deadline=None)
@given(
    entity=st.sampled_from(sorted(GENERATORS)),
    seed=st.integers(0, 2**32),
    where=st.integers(0, 40),
    digit=st.integers(0, 9),
)
def test_valid_ids_are_found_and_broken_checksums_are_not(
    entity: str, seed: int, where: int, digit: int
) -> None:
    cue, make = GENERATORS[entity]
    value = make(random.Random(seed))
    text = f"Record updated. {cue}: {value}. Thanks."
    assert found(text).get(value) == entity
    # change one digit; where the check no longer holds, nothing is found
    places = [i for i, c in enumerate(value) if c.isdigit()]
    i = places[where % len(places)]
    bad = value[:i] + str(digit) + value[i + 1 :]
    if VALIDATORS[entity](nid._SEPARATORS.sub("", bad)):
        return  # the change kept the check (or changed nothing): a valid number again
    assert bad not in found(f"Record updated. {cue}: {bad}. Thanks."), bad


def test_every_kind_has_a_generator_or_a_known_example() -> None:
    covered = set(GENERATORS) | {e for _, _, e in KNOWN_VALID}
    assert covered == ALL
