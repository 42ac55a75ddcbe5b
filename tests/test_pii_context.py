"""PII identifies people, not words: names in a personal context, per-entity modes."""

from __future__ import annotations

import pytest

from detectors.base import SetupContext
from detectors.pii import PiiDetector, PiiParams
from gateway.core.policy import parse_policy
from gateway.errors import PolicyError


@pytest.fixture(scope="module")
def pii() -> PiiDetector:
    d = PiiDetector()
    d.setup(SetupContext())
    return d


def removed(det: PiiDetector, text: str) -> dict[str, str]:
    [spans] = det.find([text], ["output"], ["response"])
    return {text[s.start : s.end]: s.entity for s in spans}


@pytest.mark.parametrize(
    "text",
    [
        # the damage issue 19 describes: common nouns, instructions, geography, public figures
        "Boron, Carbon, Oxygen",
        "Accountant, Chef, Surgeon, Plumber",
        "Reword the question so that it is clearer.",
        "Virtual reality is a simulated experience.",
        "What is the capital of France?",
        "The Statue of Liberty stands on Liberty Island in New York Harbor.",
        "Write a short analysis of the poems by Edgar Allan Poe.",
        "Albert Einstein developed the theory of relativity.",
        "She relocated to Nairobi in May.",
        "Table Name: Products",
        "Hello World!",
        # "met" is Dutch for "with", not the English cue "I met X"
        "Welke natuurkundige deelde de Nobelprijs met Hendrik Lorentz?",
        "Serveer de soep met Gouda en vers brood.",
    ],
)
def test_clean_instruction_text_is_left_alone(pii: PiiDetector, text: str) -> None:
    assert removed(pii, text) == {}


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # names beside an identifier (issue 19: 9 of 59 such names survived)
        ("Patient: Sofia Haddad, SSN 123-45-6789", ["Sofia Haddad"]),
        ("Customer Maria Raman (maria.raman@example.com)", ["Maria Raman"]),
        ("Charge card 4111 1111 1111 1111 for Tomasz Romano", ["Tomasz Romano"]),
        ("Contact Ines Okonkwo-Baptiste, phone +44 20 7946 0958", ["Ines Okonkwo-Baptiste"]),
        # cues: self-introduction, greeting, sign-off, labelled field, relation
        ("Hi, my name is Olga Krylova and I need help.", ["Olga Krylova"]),
        ("Dear Anneliese,\nThe contract is attached.", ["Anneliese"]),
        ("Thanks for the update.\n\nBest regards,\nDariusz Wisniewski", ["Dariusz Wisniewski"]),
        ("Full name: Martim A Pereira", ["Martim A Pereira"]),
        ("I'm Quentin Delacroix, calling about my order.", ["Quentin Delacroix"]),
        ("My wife Farida said the parcel never came.", ["Farida"]),
        # weak cue (a message verb) where NER also finds a person
        ("Please forward this to Maria Garcia tomorrow.", ["Maria Garcia"]),
        # every name in a personal row, not just the one beside the cue
        (
            "Dear Zofia,\nI met Benedikt Lindqvist at the conference yesterday.\nCheers,\nHamid",
            ["Zofia", "Benedikt Lindqvist", "Hamid"],
        ),
    ],
)
def test_names_in_a_personal_context_are_removed(
    pii: PiiDetector, text: str, names: list[str]
) -> None:
    got = removed(pii, text)
    for name in names:
        assert any(name in value and e == "PERSON" for value, e in got.items()), got


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # issue 19: the cues were English only; these are written for this test
        ("Bonjour, je m'appelle Odile Marchetti et j'ai une question.", ["Odile Marchetti"]),
        ("hola a todos, me llamo inés, ¿alguien juega al pádel?", ["inés"]),
        ("Sehr geehrte Frau Oberhauser,\nanbei die Unterlagen.", ["Oberhauser"]),
        ("Merci pour tout.\n\nBien cordialement,\nGaspard Lemoine", ["Gaspard Lemoine"]),
        ("Dzień dobry Pani Halino,\nprzesyłam umowę.", ["Halino"]),
        ("Cognome e nome: ROSSETTI GIULIA\nResidenza: Torino", ["ROSSETTI GIULIA"]),
        ("¡Hola Teodoro! Te escribo desde el móvil nuevo.", ["Teodoro"]),
        ("Met vriendelijke groet,\nSietske Hoekstra", ["Sietske Hoekstra"]),
        # a field for both parts of a name, surname first, holds two names
        ("Nachname, Vorname: Brandauer, Wiltrud\nGeburtsort: Linz", ["Brandauer", "Wiltrud"]),
        ("Nom, prénom : FAURÉ, Ghislaine", ["FAURÉ", "Ghislaine"]),
    ],
)
def test_names_after_cues_in_other_languages_are_removed(
    pii: PiiDetector, text: str, names: list[str]
) -> None:
    got = removed(pii, text)
    for name in names:
        assert any(name in value and e == "PERSON" for value, e in got.items()), got


@pytest.mark.parametrize(
    "text",
    [
        "Je suis content de vous voir.",
        "Ich bin müde, aber glücklich.",
        "Mi chiamo spesso la mattina.",  # a cue word with no name after it
        "Nombre: TCP/IP",
        "my name is not important here",
    ],
)
def test_cue_words_in_other_languages_alone_remove_nothing(pii: PiiDetector, text: str) -> None:
    assert {e for e in removed(pii, text).values()} - {"LOCATION"} == set()


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # a record about a patient names the treating doctor too; titles in any case
        ("Paziente: CF RSSMRA85T10A562S | Medico curante: dott.ssa Brambilla", "Brambilla"),
        ("Assuré : NIR 1 84 12 76 451 089 46 | Médecin traitant : Dr Lefebvre |", "Lefebvre"),
        ("PESEL 44051401359, skierowanie wystawił dr Wiśniewski.", "Wiśniewski"),
        ("Call me on +44 20 7946 0958 or ask Mrs. Oyelaran at the desk.", "Oyelaran"),
    ],
)
def test_a_surname_behind_a_title_in_a_personal_row_is_removed(
    pii: PiiDetector, text: str, name: str
) -> None:
    assert any(name in value and e == "PERSON" for value, e in removed(pii, text).items())


@pytest.mark.parametrize(
    "text",
    [
        "The lecture by Prof. Hawking changed how people saw black holes.",
        "Dr Seuss wrote children's books in rhyme.",
        "Summarise the findings of Dott. Montessori on early learning.",
    ],
)
def test_a_title_alone_does_not_make_a_row_personal(pii: PiiDetector, text: str) -> None:
    assert "PERSON" not in removed(pii, text).values()


@pytest.mark.parametrize(
    ("text", "names"),
    [
        # a review's findings: capitals, bread and roles are no title or no name
        ("Share your screen in MS Teams, or MS Outlook crashes.", []),
        ("Booked the flight to DR Congo.", []),
        ("Ayer compré pan Bimbo en la tienda.", []),
        ("Autoriza: Sra. Directora de Operaciones", []),
        ("Termin bei Herr Oberarzt Dr. Lehmann", ["Lehmann"]),
        # the name ends at a full stop, and at words that go on past it
        ("Dra. Prieto. Alergias: ninguna", ["Prieto"]),
        ("grüß Frau Meier Montag von mir", ["Meier"]),
        ("Sig.ra Colombo Porta in Ambulatorio", ["Colombo"]),
        ("Prof. Galli della Neurologia", ["Galli"]),
        # a second word where the name plainly ends, an initial with the surname after it
        ("Befund: Dr. Anna Meier, Kardiologie", ["Anna Meier"]),
        ("Dr. J. Okonjo will call you back", ["J. Okonjo"]),
    ],
)
def test_a_title_takes_the_surname_and_nothing_after_it(text: str, names: list[str]) -> None:
    from detectors.personal_context import titled_names

    assert [text[a:b] for a, b in titled_names(text)] == names


def test_a_personal_context_in_one_field_holds_for_the_row(pii: PiiDetector) -> None:
    texts = ["Reply to the customer below.", "The message from Vikram Mukherjee says: hello?"]
    fields, roles = ["instruction", "input"], ["prompt", "context"]
    # alone, the input names someone with no cue NER would need; with the e-mail in the
    # output of the same row, the row is personal
    row = [*texts, "I will write to vikram.m@example.org."]
    spans = pii.find(row, [*fields, "output"], [*roles, "response"], [7, 7, 7])
    assert any(row[1][s.start : s.end] == "Vikram Mukherjee" for s in spans[1])
    other_rows = pii.find(row, [*fields, "output"], [*roles, "response"], [7, 7, 8])
    assert not any(s.entity == "PERSON" for s in other_rows[1])


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Ship it to 221 Baker Street, Apt 4B please.", "221 Baker Street, Apt 4B"),
        ("Adres: ul. Kwiatowa 12/3, Kraków", "ul. Kwiatowa 12/3"),
        ("Sie wohnt in der Hauptstraße 5 in Berlin.", "Hauptstraße 5"),
        ("My new address is 17 Rue des Lilas, Lyon.", "17 Rue des Lilas, Lyon"),
    ],
)
def test_street_addresses_are_removed(pii: PiiDetector, text: str, value: str) -> None:
    got = removed(pii, text)
    assert any(value in v and e == "STREET_ADDRESS" for v, e in got.items()), got


def test_modes_can_restore_the_old_behaviour_or_turn_an_entity_off() -> None:
    always = PiiDetector(PiiParams(when={"*": "always"}))
    always.setup(SetupContext())
    got = removed(always, "She relocated to Nairobi after meeting Albert Einstein.")
    assert got == {"Nairobi": "LOCATION", "Albert Einstein": "PERSON"}
    never = PiiDetector(PiiParams(when={"PERSON": "never", "EMAIL_ADDRESS": "personal_context"}))
    never.setup(SetupContext())
    assert removed(never, "My name is Olga Krylova.") == {}
    # an e-mail in personal_context needs a personal row: here the phone number makes one
    assert removed(never, "Write to info@example.org for the brochure.") == {}
    got = removed(never, "Mail info@example.org or call +44 20 7946 0958.")
    assert set(got.values()) == {"EMAIL_ADDRESS", "PHONE_NUMBER"}


def test_modes_are_read_from_the_policy_and_checked() -> None:
    policy = parse_policy({"detectors": {"pii": {"params": {"when": {"LOCATION": "always"}}}}})
    [pii_policy] = [d for d in policy.detectors if d.name == "pii"]
    det = PiiDetector(pii_policy.params)
    assert det.mode("LOCATION") == "always"
    assert det.mode("PERSON") == "personal_context"  # unnamed: its default
    assert det.mode("EMAIL_ADDRESS") == "always"
    with pytest.raises(PolicyError, match=r"when\.PERSON: 'sometimes' is not a mode"):
        parse_policy({"detectors": {"pii": {"params": {"when": {"PERSON": "sometimes"}}}}})
    with pytest.raises(PolicyError, match="when: unknown entity 'NAME'"):
        parse_policy({"detectors": {"pii": {"params": {"when": {"NAME": "always"}}}}})
