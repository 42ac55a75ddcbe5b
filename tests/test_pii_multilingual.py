"""The multilingual personal-message generator plants what it records, and its halves are apart."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from detectors import national_ids as nid
from scripts import pii_multilingual as ml
from scripts import pii_personal, pii_synth
from scripts.pii_personal import Message

N = 21 * 20  # twenty rounds of each half's 21 templates


Planted = tuple[str, list[tuple[Message, list[str]]]]


@pytest.fixture(scope="module", params=ml.HALVES)
def planted(request: pytest.FixtureRequest) -> Planted:
    half: str = request.param
    return half, ml.generate_with_values(N, half, seed=19)


def _names(half: str) -> set[str]:
    """Every written form of every name of a half, folded to lower-case ASCII."""
    out = set()
    for lang in ml.LANGUAGES:
        for g in ml.GIVEN[lang, half]:
            out |= {ml.fold(v) for v in g.forms.values()}
        for s in ml.SURNAMES[lang, half]:
            out |= {ml.fold(v) for v in (*s.m.values(), *s.f.values())}
    return out


def _digits(value: str) -> str:
    return re.sub(r"[\s.-]", "", value)


VALID: dict[str, Callable[[str], bool]] = {
    "PL_PESEL": nid.pesel_ok,
    "PL_NIP": nid.nip_ok,
    "DE_TAX_ID": nid.steuer_ok,
    "FR_NIR": nid.nir_ok,
    "ES_NIF": nid.es_nif_ok,
    "IT_FISCAL_CODE": nid.cf_ok,
    "NL_BSN": nid.bsn_ok,
    "PT_NIF": nid.pt_nif_ok,
}


def test_spans_are_the_values_planted(planted: Planted) -> None:
    for m, values in planted[1]:
        assert len(m.spans) == len(values), m.template
        for (a, b, _), value in zip(m.spans, values, strict=True):
            assert m.text[a:b] == value, m.template
        assert "{" not in m.text and "}" not in m.text, m.text


def test_regenerated_messages_are_the_same(planted: Planted) -> None:
    half, messages = planted
    again = ml.generate(N, half, seed=19)
    assert again == [m for m, _ in messages]
    assert ml.generate(N, half, seed=20) != again


def test_spans_do_not_overlap_and_are_trimmed(
    planted: Planted,
) -> None:
    for m, _ in planted[1]:
        ends = sorted(m.spans)
        for (_, b, _), (c, _, _) in itertools.pairwise(ends):
            assert b <= c, (m.template, m.spans)
        for a, b, _ in m.spans:
            assert 0 <= a < b <= len(m.text)
            assert m.text[a:b] == m.text[a:b].strip(), m.template


def test_every_name_occurrence_is_a_span(planted: Planted) -> None:
    for m, _ in planted[1]:
        covered = [range(a, b) for a, b, _ in m.spans]
        for a, b, e in m.spans:
            if e != "PERSON":
                continue
            for hit in re.finditer(rf"(?<!\w){re.escape(m.text[a:b])}(?!\w)", m.text):
                assert any(hit.start() in r for r in covered), (m.template, hit.group())


def test_values_look_like_their_kind(planted: Planted) -> None:
    for m, _ in planted[1]:
        for a, b, e in m.spans:
            v = m.text[a:b]
            if e == "EMAIL_ADDRESS":
                assert re.fullmatch(r"[a-z0-9._]+@[a-z.]+\.(example|com|net|org)", v), v
            elif e == "PHONE_NUMBER":
                assert 9 <= len(re.sub(r"\D", "", v)) <= 13, v
            elif e == "STREET_ADDRESS":
                assert re.search(r"\d", v), v
            elif e == "PERSON":
                assert not re.search(r"\d", v), v


def test_every_national_id_passes_its_check(planted: Planted) -> None:
    seen = set()
    for m, _ in planted[1]:
        for a, b, e in m.spans:
            if e in VALID:
                seen.add(e)
                assert VALID[e](_digits(m.text[a:b])), (e, m.text[a:b])
    lang_ids = {"PL_PESEL", "PL_NIP", "DE_TAX_ID", "FR_NIR", "ES_NIF", "IT_FISCAL_CODE"}
    assert seen == lang_ids | {"NL_BSN", "PT_NIF"}


def test_portuguese_nif_check_digit() -> None:
    # weights 9..2: 1*9 + 2*8 + 3*7 + 4*6 + 5*5 + 6*4 + 7*3 + 8*2 = 156, 156 % 11 = 2 -> 9
    assert nid.pt_nif_ok("123456789")
    assert not nid.pt_nif_ok("123456780")
    # 2*9 = 18, 18 % 11 = 7 -> 4
    assert nid.pt_nif_ok("200000004")
    # a remainder of 0 or 1 gives 0: 1*9 + 1*2 = 11 (0), 1*9 + 1*3 = 12 (1)
    assert nid.pt_nif_check("10000001") == 0
    assert nid.pt_nif_check("10000010") == 0


def test_identifiers_agree_with_the_person(planted: Planted) -> None:
    """Where a template shows the person's sex: a PESEL's tenth digit, a NIR's first digit
    and a codice fiscale's day (+ 40 for a woman) agree with it; a codice fiscale's first
    six letters come from the surname and the first name."""
    checked = 0
    for m, _ in planted[1]:
        people = [m.text[a:b] for a, b, e in m.spans if e == "PERSON"]
        ids = {e: _digits(m.text[a:b]) for a, b, e in m.spans}
        if m.template == "pl:patient_card":
            woman = m.text.split("\n")[1].startswith("Pacjentka:")
            assert int(ids["PL_PESEL"][9]) % 2 == (0 if woman else 1), m.text
        elif m.template in ("fr:patient_file", "fr:bank_form"):
            woman = "La patiente" in m.text or "Titulaire : Mme" in m.text
            assert ids["FR_NIR"][0] == ("2" if woman else "1"), m.text
        elif m.template in ("it:patient_sheet", "it:membership_form"):
            woman = "La paziente" in m.text or "La sottoscritta" in m.text
            cf = ids["IT_FISCAL_CODE"]
            assert (int(cf[9:11]) > 40) == woman, m.text
            if m.template == "it:patient_sheet":  # "Cognome e nome: GALLO LUCA"
                surname, given = people[0], people[1]
            else:  # "La sottoscritta Daniela Barbieri"
                given, surname = people[0].split(" ", 1)
            assert cf[:6] == ml._cf_letters(surname, False) + ml._cf_letters(given, True)
        else:
            continue
        checked += 1
    assert checked >= N // 21 * 2  # two such templates in dev, three in heldout


def test_codice_fiscale_letters() -> None:
    # the rules: surname consonants then vowels; a first name with 4+ consonants takes the
    # 1st, 3rd and 4th; short names are padded with X
    assert ml._cf_letters("Rossi", False) == "RSS"
    assert ml._cf_letters("De Luca", False) == "DLC"
    assert ml._cf_letters("Riccardo", True) == "RCR"  # R C C R D -> R, C, R
    assert ml._cf_letters("Alice", True) == "LCA"
    assert ml._cf_letters("Fo", False) == "FOX"


def test_halves_share_no_template() -> None:
    dev, held = ml.templates("dev"), ml.templates("heldout")
    assert not set(dev) & set(held)
    texts = {h: {ml.TEMPLATES[lang][h][t] for lang, t in ml.templates(h)} for h in ml.HALVES}
    assert not texts["dev"] & texts["heldout"]
    for lang in ml.LANGUAGES:
        assert len(ml.TEMPLATES[lang]["dev"]) == len(ml.TEMPLATES[lang]["heldout"]) == 3
    with pytest.raises(ValueError):
        ml.templates("test")


def test_halves_share_no_name() -> None:
    assert not _names("dev") & _names("heldout")
    # and no word of one: "De Luca" in dev and "Luca" in heldout would share one
    particles = {"de", "van", "der", "den"}
    words = {h: {w for n in _names(h) for w in n.split()} - particles for h in ml.HALVES}
    assert not words["dev"] & words["heldout"]


def test_names_are_new_to_the_project() -> None:
    """None of pii_synth's or pii_personal's names, which the detectors were tuned on."""
    old = {ml.fold(n) for n in (*pii_synth.FIRST, *pii_synth.LAST)}
    old |= {ml.fold(n) for n in (*pii_personal.FIRST, *pii_personal.LAST)}
    ours = _names("dev") | _names("heldout")
    assert not ours & old
    assert not {w for n in ours for w in n.split()} - {"de", "van", "der", "den"} & old


def test_planted_names_come_from_their_half(planted: Planted) -> None:
    half, messages = planted
    other = "heldout" if half == "dev" else "dev"
    theirs = _names(other)
    for m, _ in messages:
        for a, b, e in m.spans:
            if e == "PERSON":
                assert not set(ml.fold(m.text[a:b]).split()) & theirs, (m.template, m.text[a:b])


def test_every_language_in_both_halves(planted: Planted) -> None:
    half, messages = planted
    by_template = {m.template for m, _ in messages}
    assert by_template == {f"{lang}:{t}" for lang, t in ml.templates(half)}
    assert {t.split(":")[0] for t in by_template} == set(ml.LANGUAGES)
    # cycling: the first 21 messages are the 21 templates, in order
    assert [m.template for m, _ in messages[:21]] == [f"{g}:{t}" for g, t in ml.templates(half)]


def test_polish_names_are_inflected() -> None:
    ml_dev = {g.forms["nom"]: g.forms for g in ml.GIVEN["pl", "dev"]}
    assert ml_dev["Anna"] == {"nom": "Anna", "ins": "Anną", "gen": "Anny", "voc": "Anno"}
    assert ml_dev["Monika"]["gen"] == "Moniki"
    nowak = next(s for s in ml.SURNAMES["pl", "dev"] if s.m["nom"] == "Nowak")
    assert (nowak.m["ins"], nowak.f["ins"]) == ("Nowakiem", "Nowak")
    adj = next(s for s in ml.SURNAMES["pl", "dev"] if s.m["nom"] == "Zawadzki")
    assert (adj.f["nom"], adj.f["ins"], adj.f["gen"]) == ("Zawadzka", "Zawadzką", "Zawadzkiej")
    assert adj.m["gen"] == "Zawadzkiego"


def test_command_line_prints_jsonl() -> None:
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run(
        [sys.executable, "-m", "scripts.pii_multilingual", "3", "heldout", "7"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["text"], r["spans"], r["template"]) for r in rows] == [
        (m.text, [list(s) for s in m.spans], m.template) for m in ml.generate(3, "heldout", 7)
    ]
