"""Personal messages written natively in seven languages, with planted personal values.

Why it exists: issue 19 measured the personal-context rules on English templates only
(``scripts/pii_personal.py``); names and personal values in non-English text had never
been measured. These are the kinds of text a fine-tuning set really carries in Polish,
German, French, Spanish, Italian, Dutch and Portuguese (support tickets, patient notes,
e-mails with a greeting and a sign-off, chat messages, social posts, forms, complaints),
written with each language's own forms of address and cues ("nazywam się", "Herr/Frau",
"je m'appelle", "Sra.", "mi chiamo", "mevrouw", "chamo-me") and its own ways of writing
names: Polish names inflected where the grammar wants it ("z Anną Nowak"), Spanish and
Portuguese names with two surnames, Dutch surnames with "de"/"van" (capitalised when the
surname stands alone), French and Italian forms with the surname in capitals. Some are
hard on purpose: names in a social post with no cue beside them, a first name only after
a greeting, a lower-case name in a chat.

The templates were written, and frozen, before any measurement, blind to the detectors;
changing one invalidates every figure measured with it (docs/evaluation.md).

Split: each language's six templates are divided into two fixed halves, three ``dev``
and three ``heldout``, and so are its first names and surnames: no name of the dev half,
in any language, is a name of the held-out half. The names are common ones of each
language, share none with ``scripts/pii_synth.py`` or ``scripts/pii_personal.py``, and
were chosen to avoid the names of public figures.

Values are drawn from the seed: phone numbers and street addresses in each country's
usual format, e-mail addresses made from the person's name, and the national identifier
a form in that country carries, with valid check digits (PL PESEL and NIP, DE
Steuer-ID, FR NIR, ES DNI, IT codice fiscale, NL BSN, PT NIF); a PESEL or NIR agrees
with the person's sex, a codice fiscale with the name and sex. Cities are not planted.
Every planted value, every occurrence of a name included, is recorded as (start, end,
entity) over the text exactly as written. The two halves draw different values from the
same seed.

    python -m scripts.pii_multilingual N HALF [SEED] > multilingual.jsonl
"""

from __future__ import annotations

import json
import random
import re
import sys
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from detectors import national_ids as nid
from scripts.pii_personal import (
    Message,
    _digits,
    bsn,
    dni,
    nip,
    nir,
    pesel,
    steuer_id,
)

LANGUAGES: tuple[str, ...] = ("pl", "de", "fr", "es", "it", "nl", "pt")
HALVES: tuple[str, ...] = ("dev", "heldout")

Forms = Mapping[str, str]  # grammatical case ("nom", and in Polish "ins", "gen", "voc") -> form


# ---------------------------------------------------------------- names


@dataclass(frozen=True)
class Given:
    gender: str  # "m" or "f"
    forms: Forms


@dataclass(frozen=True)
class Surname:
    m: Forms  # as a man's surname
    f: Forms  # as a woman's surname


def _pl_fem(nom: str) -> Given:
    """A Polish feminine first name in -a: Anna, Anną, Anny, Anno."""
    stem = nom[:-1]
    gen = stem + ("i" if stem[-1] in "kg" else "y")
    return Given("f", {"nom": nom, "ins": stem + "ą", "gen": gen, "voc": stem + "o"})


def _pl_masc(nom: str, ins: str, gen: str, voc: str) -> Given:
    return Given("m", {"nom": nom, "ins": ins, "gen": gen, "voc": voc})


def _pl_adj(stem: str) -> Surname:
    """A Polish adjectival surname: Zawadzki, Zawadzkim, Zawadzkiego / Zawadzka, -ą, -iej."""
    return Surname(
        {"nom": stem + "i", "ins": stem + "im", "gen": stem + "iego"},
        {"nom": stem + "a", "ins": stem + "ą", "gen": stem + "iej"},
    )


def _pl_noun(nom: str, ins: str, gen: str) -> Surname:
    """A Polish noun surname: declined for a man, the same in every case for a woman."""
    return Surname({"nom": nom, "ins": ins, "gen": gen}, {"nom": nom, "ins": nom, "gen": nom})


def _pl_fem_a(nom: str) -> Surname:
    """A Polish surname in -a (Sikora): declined like a feminine noun for both sexes."""
    forms = {"nom": nom, "ins": nom[:-1] + "ą", "gen": nom[:-1] + "y"}
    return Surname(forms, forms)


def _given(men: str, women: str) -> list[Given]:
    return [Given("m", {"nom": n}) for n in men.split()] + [
        Given("f", {"nom": n}) for n in women.split()
    ]


def _surnames(names: str) -> list[Surname]:
    return [Surname({"nom": n}, {"nom": n}) for n in names.split("|")]


PL_GIVEN: dict[str, list[Given]] = {
    "dev": [
        _pl_masc("Piotr", "Piotrem", "Piotra", "Piotrze"),
        _pl_masc("Michał", "Michałem", "Michała", "Michale"),
        _pl_masc("Krzysztof", "Krzysztofem", "Krzysztofa", "Krzysztofie"),
        _pl_masc("Marcin", "Marcinem", "Marcina", "Marcinie"),
        _pl_masc("Łukasz", "Łukaszem", "Łukasza", "Łukaszu"),
        _pl_masc("Andrzej", "Andrzejem", "Andrzeja", "Andrzeju"),
        _pl_masc("Grzegorz", "Grzegorzem", "Grzegorza", "Grzegorzu"),
        _pl_masc("Rafał", "Rafałem", "Rafała", "Rafale"),
        *map(_pl_fem, "Anna Magdalena Monika Ewa Dorota Karolina Justyna Weronika".split()),
    ],
    "heldout": [
        _pl_masc("Paweł", "Pawłem", "Pawła", "Pawle"),
        _pl_masc("Jakub", "Jakubem", "Jakuba", "Jakubie"),
        _pl_masc("Mateusz", "Mateuszem", "Mateusza", "Mateuszu"),
        _pl_masc("Marek", "Markiem", "Marka", "Marku"),
        _pl_masc("Adam", "Adamem", "Adama", "Adamie"),
        _pl_masc("Kamil", "Kamilem", "Kamila", "Kamilu"),
        _pl_masc("Przemysław", "Przemysławem", "Przemysława", "Przemysławie"),
        _pl_masc("Szymon", "Szymonem", "Szymona", "Szymonie"),
        *map(
            _pl_fem,
            "Joanna Aleksandra Małgorzata Beata Paulina Marta Elżbieta Barbara".split(),
        ),
    ],
}
PL_SURNAMES: dict[str, list[Surname]] = {
    "dev": [
        _pl_noun("Nowak", "Nowakiem", "Nowaka"),
        _pl_noun("Wójcik", "Wójcikiem", "Wójcika"),
        _pl_noun("Mazur", "Mazurem", "Mazura"),
        _pl_noun("Kaczmarek", "Kaczmarkiem", "Kaczmarka"),
        _pl_noun("Dudek", "Dudkiem", "Dudka"),
        _pl_noun("Kubiak", "Kubiakiem", "Kubiaka"),
        _pl_noun("Kołodziej", "Kołodziejem", "Kołodzieja"),
        _pl_adj("Zawadzk"),
        _pl_adj("Kozłowsk"),
        _pl_adj("Jabłońsk"),
    ],
    "heldout": [
        _pl_noun("Zając", "Zającem", "Zająca"),
        _pl_noun("Wieczorek", "Wieczorkiem", "Wieczorka"),
        _pl_fem_a("Sikora"),
        _pl_noun("Baran", "Baranem", "Barana"),
        _pl_noun("Wróbel", "Wróblem", "Wróbla"),
        _pl_noun("Pietrzak", "Pietrzakiem", "Pietrzaka"),
        _pl_noun("Michalak", "Michalakiem", "Michalaka"),
        _pl_adj("Wróblewsk"),
        _pl_adj("Borkowsk"),
        _pl_adj("Malinowsk"),
        _pl_adj("Czerwińsk"),
        _pl_adj("Jasińsk"),
    ],
}

GIVEN: dict[tuple[str, str], list[Given]] = {
    ("pl", "dev"): PL_GIVEN["dev"],
    ("pl", "heldout"): PL_GIVEN["heldout"],
    ("de", "dev"): _given(
        "Lukas Jonas Florian Tobias Stefan Matthias Dirk Jens",
        "Sabine Julia Lena Katharina Nicole Stefanie Melanie Jana",
    ),
    ("de", "heldout"): _given(
        "Felix Niklas Markus Sven Torsten Christian Uwe Moritz",
        "Claudia Sandra Lisa Franziska Christina Johanna Anja Petra",
    ),
    ("fr", "dev"): _given(
        "Julien Nicolas Antoine Maxime Guillaume Romain Thibault Yann",
        "Camille Léa Manon Chloé Sandrine Nathalie Céline Élodie",
    ),
    ("fr", "heldout"): _given(
        "Alexandre Mathieu Vincent Benoît Olivier Jérôme Hugo Clément",
        "Julie Émilie Aurélie Mathilde Sophie Claire Margaux Amandine",
    ),
    ("es", "dev"): _given(
        "Javier Alejandro Sergio Pablo Álvaro Rubén Iván Jorge",
        "Lucía Carmen Laura Cristina Pilar Rocío Nuria Alba",
    ),
    ("es", "heldout"): _given(
        "Miguel Raúl Manuel Francisco Alberto Óscar Ignacio Enrique",
        "Isabel Elena Raquel Beatriz Silvia Patricia Irene Montserrat",
    ),
    ("it", "dev"): _given(
        "Marco Luca Matteo Davide Simone Stefano Riccardo Fabio",
        "Giulia Francesca Federica Valentina Alessia Martina Serena Ilaria",
    ),
    ("it", "heldout"): _given(
        "Andrea Alessandro Francesco Giuseppe Antonio Emanuele Nicola Gabriele",
        "Sara Giorgia Elisa Paola Alice Eleonora Simona Daniela",
    ),
    ("nl", "dev"): _given(
        "Daan Bram Thijs Sem Ruben Joris Pieter Wouter",
        "Sanne Lotte Femke Anouk Eva Iris Marieke Esther",
    ),
    ("nl", "heldout"): _given(
        "Jeroen Bas Niels Koen Stijn Sander Lars Maarten",
        "Fleur Lisanne Inge Maaike Roos Noor Mirjam Linda",
    ),
    ("pt", "dev"): _given(
        "João Tiago Rui Nuno Pedro Diogo Gonçalo Duarte",
        "Inês Mariana Catarina Joana Rita Filipa Leonor Teresa",
    ),
    ("pt", "heldout"): _given(
        "Ricardo André Luís Filipe Vasco Henrique Rodrigo Paulo",
        "Ana Margarida Carolina Helena Andreia Susana Vera Luísa",
    ),
}

SURNAMES: dict[tuple[str, str], list[Surname]] = {
    ("pl", "dev"): PL_SURNAMES["dev"],
    ("pl", "heldout"): PL_SURNAMES["heldout"],
    ("de", "dev"): _surnames(
        "Müller|Schneider|Fischer|Weber|Wagner|Becker|Hoffmann|Schulz|Koch|Richter|Krause"
    ),
    ("de", "heldout"): _surnames(
        "Meyer|Klein|Wolf|Neumann|Schwarz|Zimmermann|Braun|Krüger|Hartmann|Lange|Werner|Lehmann"
    ),
    ("fr", "dev"): _surnames(
        "Martin|Bernard|Petit|Durand|Leroy|Lefebvre|Girard|Fournier|Mercier|Bonnet|Lambert"
    ),
    ("fr", "heldout"): _surnames(
        "Roux|Fontaine|Blanc|Garnier|Faure|Chevalier|Gauthier|Perrin|Morel|Roussel|Masson|Lemaire"
    ),
    ("es", "dev"): _surnames(
        "Martínez|López|Sánchez|Pérez|Gómez|Ruiz|Díaz|Moreno|Muñoz|Álvarez|Romero|Navarro"
    ),
    ("es", "heldout"): _surnames(
        "Jiménez|Hernández|Domínguez|Ramírez|Gil|Serrano|Blanco|Molina|Morales|Ortega|Delgado|Rubio"
    ),
    ("it", "dev"): _surnames(
        "Russo|Ferrari|Esposito|Romano|Colombo|Ricci|Marino|Greco|Bruno|Gallo|Conti|De Luca"
    ),
    ("it", "heldout"): _surnames(
        "Giordano|Rizzo|Lombardi|Moretti|Barbieri|Fontana|Santoro|Mariani|Rinaldi|Ferri|Galli"
    ),
    ("nl", "dev"): _surnames(
        "de Jong|Jansen|de Vries|Bakker|Visser|Smit|Meijer|de Boer|Mulder|Dekker|Bos"
    ),
    ("nl", "heldout"): _surnames(
        "van Dijk|de Groot|Vos|Peters|Hendriks|Brouwer|de Wit|Dijkstra|van der Linden|de Graaf"
        "|Kok|Vermeulen"
    ),
    ("pt", "dev"): _surnames(
        "Silva|Santos|Ferreira|Pereira|Oliveira|Gonçalves|Rodrigues|Martins|Sousa|Batista"
    ),
    ("pt", "heldout"): _surnames(
        "Cardoso|Nunes|Marques|Alves|Almeida|Ribeiro|Pinto|Teixeira|Moreira|Correia|Mendes"
    ),
}


@dataclass(frozen=True)
class Person:
    gender: str
    first: Forms
    last: Forms  # the surname(s) as they follow the first name, per case
    alone: str  # the surname written alone, after a title: "Frau Weber", "Sr. Ruiz"

    def full(self, case: str) -> str:
        return f"{self.first[case]} {self.last[case]}"


def _people(lang: str, half: str, rng: random.Random, n: int = 4) -> list[Person]:
    """n people with distinct first names and distinct surnames."""
    givens = rng.sample(GIVEN[lang, half], n)
    two = lang in ("es", "pt")  # first name and two surnames: Lucía Ruiz Navarro
    pool = rng.sample(SURNAMES[lang, half], n * 2 if two else n)
    out = []
    for i, g in enumerate(givens):
        if two:
            a, b = (s.m["nom"] for s in pool[2 * i : 2 * i + 2])
            # Spain: the first surname is the one used alone; Portugal: the last one
            out.append(Person(g.gender, g.forms, {"nom": f"{a} {b}"}, a if lang == "es" else b))
            continue
        forms = pool[i].m if g.gender == "m" else pool[i].f
        alone = forms["nom"]
        if lang == "nl":  # "Sanne de Vries", but "mevrouw De Vries"
            alone = alone[0].upper() + alone[1:]
        out.append(Person(g.gender, g.forms, forms, alone))
    return out


# ---------------------------------------------------------------- values

_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ß": "ss", "ø": "o"})
_UMLAUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def fold(s: str, lang: str = "") -> str:
    """Lower case, ASCII: Łukasz -> lukasz; German umlauts as ae/oe/ue."""
    if lang == "de":
        s = s.translate(_UMLAUT)
    s = unicodedata.normalize("NFKD", s.translate(_FOLD))
    return "".join(c for c in s if not unicodedata.combining(c)).lower()


DOMAINS: dict[str, tuple[str, ...]] = {
    "pl": ("poczta.example", "skrzynka.example.com", "firma.example.net"),
    "de": ("postfach.example", "web.example.com", "firma.example.org"),
    "fr": ("courriel.example", "messagerie.example.com", "societe.example.net"),
    "es": ("correo.example", "buzon.example.com", "empresa.example.org"),
    "it": ("posta.example", "casella.example.com", "azienda.example.net"),
    "nl": ("postbus.example", "webmail.example.com", "bedrijf.example.org"),
    "pt": ("correio.example", "caixa.example.com", "empresa.example.net"),
}


def _email(rng: random.Random, lang: str, p: Person) -> str:
    first = fold(p.first["nom"], lang).replace(" ", "")
    last = fold(p.alone, lang).replace(" ", "")
    local = rng.choice(
        [
            f"{first}.{last}",
            f"{first[0]}.{last}",
            f"{first}{last}{rng.randint(1, 99)}",
            f"{last}.{first}",
            f"{first}_{last}{rng.randint(70, 99)}",
        ]
    )
    return f"{local}@{rng.choice(DOMAINS[lang])}"


# Each country's phone numbers as people write them: (mobile numbers, landlines).


def _phone_pl(rng: random.Random) -> tuple[list[str], list[str]]:
    mob = rng.choice(("501", "512", "530", "570", "601", "605", "660", "664", "691", "721"))
    a, b = _digits(rng, 3), _digits(rng, 3)
    area = rng.choice(("12", "22", "42", "58", "61", "71"))
    land = f"{area} {_digits(rng, 3)} {_digits(rng, 2)} {_digits(rng, 2)}"
    return [f"+48 {mob} {a} {b}", f"{mob} {a} {b}", f"{mob}-{a}-{b}"], [land]


def _phone_de(rng: random.Random) -> tuple[list[str], list[str]]:
    mob = rng.choice(("151", "152", "157", "160", "162", "170", "171", "172", "175", "176"))
    area = rng.choice(("30", "40", "89", "221", "69", "711", "341", "511", "421"))
    m, land = _digits(rng, rng.choice((7, 8))), _digits(rng, 9 - len(area))
    return [f"0{mob} {m}", f"+49 {mob} {m}", f"0{mob}/{m}"], [
        f"0{area} {land}",
        f"+49 {area} {land}",
    ]


def _phone_fr(rng: random.Random) -> tuple[list[str], list[str]]:
    mob, land = rng.choice("67"), rng.choice("12345")
    g = [_digits(rng, 2) for _ in range(4)]
    spaced, dotted = " ".join(g), ".".join(g)
    return [f"0{mob} {spaced}", f"0{mob}.{dotted}", f"+33 {mob} {spaced}"], [
        f"0{land} {spaced}",
        f"+33 {land} {spaced}",
    ]


def _phone_es(rng: random.Random) -> tuple[list[str], list[str]]:
    m = rng.choice(("6", "6", "6", "71", "72")) + _digits(rng, 7)
    m += _digits(rng, 9 - len(m))
    land = rng.choice(("91", "93", "95", "96", "98")) + _digits(rng, 7)
    return [f"{m[:3]} {m[3:6]} {m[6:]}", f"+34 {m[:3]} {m[3:5]} {m[5:7]} {m[7:]}", m], [
        f"{land[:2]} {land[2:5]} {land[5:7]} {land[7:]}",
        f"{land[:3]} {land[3:6]} {land[6:]}",
    ]


def _phone_it(rng: random.Random) -> tuple[list[str], list[str]]:
    pre = rng.choice(("320", "328", "333", "338", "339", "340", "347", "348", "349", "392"))
    m = _digits(rng, 7)
    area = rng.choice(("02", "06", "011", "051", "055"))
    land = _digits(rng, 10 - len(area))
    return [f"{pre} {m[:3]} {m[3:]}", f"+39 {pre} {m}", f"{pre} {m}"], [f"{area} {land}"]


def _phone_nl(rng: random.Random) -> tuple[list[str], list[str]]:
    m = _digits(rng, 8)
    area = rng.choice(("020", "010", "030", "070", "040", "050"))
    land = _digits(rng, 7)
    return [f"06-{m}", f"06 {m}", f"06 {m[:2]} {m[2:4]} {m[4:6]} {m[6:]}", f"+31 6 {m}"], [
        f"{area}-{land}",
        f"{area} {land[:3]} {land[3:]}",
    ]


def _phone_pt(rng: random.Random) -> tuple[list[str], list[str]]:
    m = rng.choice(("91", "92", "93", "96")) + _digits(rng, 7)
    land = rng.choice(("21", "22", "23", "25")) + _digits(rng, 7)
    return [f"{m[:3]} {m[3:6]} {m[6:]}", f"+351 {m[:3]} {m[3:6]} {m[6:]}", m], [
        f"{land[:3]} {land[3:6]} {land[6:]}"
    ]


PHONES: dict[str, Callable[[random.Random], tuple[list[str], list[str]]]] = {
    "pl": _phone_pl,
    "de": _phone_de,
    "fr": _phone_fr,
    "es": _phone_es,
    "it": _phone_it,
    "nl": _phone_nl,
    "pt": _phone_pt,
}


def _phone(rng: random.Random, lang: str, mobile: bool) -> str:
    mobiles, landlines = PHONES[lang](rng)
    return rng.choice(mobiles if mobile else mobiles + landlines)


STREETS: dict[str, tuple[str, ...]] = {
    "pl": (
        "ul. Polna", "ul. Leśna", "ul. Słoneczna", "ul. Ogrodowa", "ul. Lipowa", "ul. Kwiatowa",
        "ul. Szkolna", "ul. Długa", "ul. Klonowa", "ul. Brzozowa", "ul. Wiśniowa",
        "ul. Spacerowa", "al. Niepodległości", "al. Grunwaldzka",
    ),
    "de": (
        "Lindenstraße", "Hauptstraße", "Bahnhofstraße", "Gartenweg", "Birkenweg", "Schulstraße",
        "Am Mühlbach", "Kirchgasse", "Ringstraße", "Rosenweg", "Waldstraße", "Am Sonnenhang",
    ),
    "fr": (
        "rue des Lilas", "avenue de la Gare", "impasse des Tilleuls", "rue du Moulin",
        "allée des Peupliers", "chemin des Vignes", "boulevard de la Liberté",
        "place du Marché", "rue de la Fontaine", "rue des Écoles",
    ),
    "es": (
        "Calle Mayor", "C/ del Olivo", "Avda. de la Paz", "Calle Real", "C/ de los Almendros",
        "Calle del Sol", "Paseo de la Estación", "Calle Nueva", "Avenida de Andalucía",
        "Plaza de la Fuente",
    ),
    "it": (
        "Via Roma", "Via dei Tigli", "Via del Lavoro", "Corso Italia", "Viale delle Rimembranze",
        "Piazza della Libertà", "Via dei Mille", "Via Nazionale", "Via delle Rose",
        "Vicolo del Pozzo",
    ),
    "nl": (
        "Kerkstraat", "Dorpsstraat", "Molenweg", "Stationsweg", "Lindelaan", "Schoolstraat",
        "Nieuwstraat", "Havenweg", "Beukenlaan", "Eikenlaan", "Zuiderpark", "Vondelstraat",
    ),
    "pt": (
        "Rua das Flores", "Avenida da Liberdade", "Travessa do Moinho", "Rua da Escola",
        "Rua Direita", "Largo da Igreja", "Rua do Sol", "Rua das Oliveiras", "Rua da Fonte",
        "Avenida Central",
    ),
}  # fmt: skip


def _address(rng: random.Random, lang: str) -> str:
    street, n = rng.choice(STREETS[lang]), rng.randint(1, 180)
    if lang == "pl":
        flat = rng.randint(1, 60)
        return rng.choice([f"{street} {n}/{flat}", f"{street} {n} m. {flat}", f"{street} {n}"])
    if lang == "de":
        return f"{street} {n}{rng.choice(('', '', '', 'a', 'b'))}"
    if lang == "fr":
        return rng.choice([f"{n} {street}", f"{n}, {street}", f"{n} bis {street}"])
    if lang == "es":
        floor, door = rng.randint(1, 8), rng.choice(("A", "B", "C", "izda.", "dcha."))
        return rng.choice([f"{street}, {n}, {floor}.º {door}", f"{street} {n}, {floor}º {door}"])
    if lang == "it":
        return rng.choice([f"{street} {n}", f"{street}, {n}"])
    if lang == "nl":
        return f"{street} {n}{rng.choice(('', '', 'a', 'b', '-2', '-II', ' A'))}"
    floor, side = rng.randint(1, 7), rng.choice(("Esq.", "Dto.", "Frente"))
    return rng.choice([f"{street}, {n}, {floor}.º {side}", f"{street}, {n}", f"{street} {n}, r/c"])


CITIES: dict[str, tuple[str, ...]] = {
    "pl": ("Kraków", "Wrocław", "Poznań", "Gdańsk", "Lublin", "Łódź", "Katowice", "Rzeszów"),
    "de": ("Köln", "Leipzig", "Bremen", "Nürnberg", "Freiburg", "Dresden", "Hannover", "Kassel"),
    "fr": ("Lyon", "Nantes", "Toulouse", "Lille", "Rennes", "Bordeaux", "Grenoble", "Dijon"),
    "es": ("Valencia", "Sevilla", "Zaragoza", "Málaga", "Bilbao", "Granada", "Valladolid"),
    "it": ("Torino", "Bologna", "Firenze", "Napoli", "Verona", "Padova", "Bari", "Genova"),
    "nl": ("Utrecht", "Eindhoven", "Groningen", "Tilburg", "Breda", "Haarlem", "Leiden"),
    "pt": ("Porto", "Braga", "Coimbra", "Aveiro", "Faro", "Setúbal", "Viseu", "Leiria"),
}
# Polish cities with the preposition and the locative: "mieszkam w Krakowie"
PL_CITIES_IN: dict[str, str] = {
    "Kraków": "w Krakowie",
    "Wrocław": "we Wrocławiu",
    "Poznań": "w Poznaniu",
    "Gdańsk": "w Gdańsku",
    "Lublin": "w Lublinie",
    "Łódź": "w Łodzi",
    "Katowice": "w Katowicach",
    "Rzeszów": "w Rzeszowie",
}


def pt_nif(rng: random.Random) -> str:
    body = rng.choice("12") + _digits(rng, 7)  # 1 and 2: a person's NIF
    return body + str(nid.pt_nif_check(body))


def _cf_letters(name: str, given: bool) -> str:
    """Three letters of a codice fiscale: consonants, then vowels, then X."""
    letters = [c for c in fold(name).upper() if c.isalpha()]
    cons = [c for c in letters if c not in "AEIOU"]
    if given and len(cons) >= 4:  # a first name with four consonants: 1st, 3rd, 4th
        cons = [cons[0], cons[2], cons[3]]
    return "".join([*cons, *(c for c in letters if c in "AEIOU"), "X", "X", "X"])[:3]


def codice_fiscale_for(rng: random.Random, p: Person) -> str:
    """A codice fiscale that agrees with the person's name and sex (day + 40 for a woman)."""
    day = rng.randint(1, 28) + (40 if p.gender == "f" else 0)
    body = (
        _cf_letters(p.alone, False)
        + _cf_letters(p.first["nom"], True)
        + f"{rng.randint(40, 99)}{rng.choice('ABCDEHLMPRST')}{day:02d}"
        + f"{rng.choice('ABCDEFGHILM')}{_digits(rng, 3)}"
    )
    return body + nid.cf_check(body)


def _national_id(kind: str, rng: random.Random, p: Person) -> str:
    male = p.gender == "m"
    if kind == "pesel":  # the tenth digit is odd for a man
        while int((v := pesel(rng))[9]) % 2 != (1 if male else 0):
            pass
        return v
    if kind == "nip":
        v = nip(rng)
        return v.replace("-", "") if rng.random() < 0.3 else v
    if kind == "steuer":
        d = steuer_id(rng)
        return f"{d[:2]} {d[2:5]} {d[5:8]} {d[8:]}" if rng.random() < 0.5 else d
    if kind == "nir":  # the first digit is 1 for a man, 2 for a woman
        while (v := nir(rng))[0] != ("1" if male else "2"):
            pass
        return v.replace(" ", "") if rng.random() < 0.3 else v
    if kind == "dni":
        v = dni(rng)
        return f"{v[:8]}-{v[8]}" if rng.random() < 0.25 else v
    if kind == "cf":
        return codice_fiscale_for(rng, p)
    if kind == "bsn":
        d = bsn(rng)
        return f"{d[:4]}.{d[4:6]}.{d[6:]}" if rng.random() < 0.3 else d
    assert kind == "nif", kind
    d = pt_nif(rng)
    return f"{d[:3]} {d[3:6]} {d[6:]}" if rng.random() < 0.25 else d


NATIONAL_IDS: dict[str, str] = {
    "pesel": "PL_PESEL",
    "nip": "PL_NIP",
    "steuer": "DE_TAX_ID",
    "nir": "FR_NIR",
    "dni": "ES_NIF",
    "cf": "IT_FISCAL_CODE",
    "bsn": "NL_BSN",
    "nif": "PT_NIF",
}

# ---------------------------------------------------------------- templates
#
# Slots: {name}, {first}, {last} (the surname alone, after a title) of person 1, and
# {name2}, {first3}, {last2}... of persons 2-4, each a PERSON span; a modifier picks a
# Polish case (:ins, :gen, :voc) or writes the name :lower or :upper. {email}/{email2}
# (made from person 1's / 2's name), {phone}/{phone2}, {mobile} (a mobile number only, where
# the text says it is one), {address}, and the national
# identifiers {pesel} {nip} {steuer} {nir} {dni} {cf} {bsn} {nif} are planted; {city},
# {city2} and the Polish {city_w} ("we Wrocławiu") are not. {g:he|she} picks by person 1's
# sex, {g2:he|she} by person 2's.

TEMPLATES: dict[str, dict[str, dict[str, str]]] = {
    "pl": {
        "dev": {
            "account_form": (
                "Wniosek o otwarcie rachunku firmowego\n"
                "Imię i nazwisko: {name}\n"
                "PESEL: {pesel}\n"
                "NIP: {nip}\n"
                "Adres zamieszkania: {address}, {city}\n"
                "Telefon kontaktowy: {phone}\n"
                "Adres e-mail: {email}\n"
                "Oświadczam, że podane przeze mnie dane są zgodne z prawdą."
            ),
            "email_lease": (
                "Dzień dobry {g:Panie|Pani} {first:voc},\n\n"
                "przesyłam w załączniku podpisaną umowę najmu mieszkania (adres: {address}, "
                "{city}). Klucze odbierzemy w sobotę od {g3:Pana|Pani} {name3:gen}, tak jak "
                "ustaliliśmy. W razie pytań proszę dzwonić pod numer {phone}.\n\n"
                "Z poważaniem\n{name2}"
            ),
            "social_trip": (
                "Najlepszy weekend od dawna 🏔️ Tatry z {name:ins} i {name2:ins}, a wieczorem "
                "pierogi u {first3:gen} 😋 #góry #weekend"
            ),
        },
        "heldout": {
            "patient_card": (
                "Karta wizyty\n"
                "{g:Pacjent|Pacjentka}: {name}, PESEL {pesel}\n"
                "Adres: {address}, {city}\n"
                "Wywiad: od trzech dni gorączka do 38,5°C i suchy kaszel. "
                "{g:Pacjent|Pacjentka} {g:skierowany|skierowana} na RTG klatki piersiowej na "
                "zlecenie {g2:dr.|dr} {name2:gen}.\n"
                "Osoba upoważniona do informacji o stanie zdrowia: {name3}, tel. {phone}"
            ),
            "chat_newcomer": (
                "hej, nazywam się {first:lower} i od miesiąca mieszkam {city_w:lower} 🙂 jestem "
                "{g:kolegą|koleżanką} {first2:gen:lower} z pracy, to {g2:on|ona} mi "
                "{g2:polecił|poleciła} tę grupę. ktoś chętny na wspólne bieganie rano? piszcie "
                "na priv albo dzwońcie {mobile}"
            ),
            "complaint_printer": (
                "Reklamacja zamówienia nr 4471/2024\n\n"
                "Zamawiający: {name}, NIP {nip}\n"
                "Adres dostawy: {address}, {city}\n\n"
                "Dostarczona drukarka nie włącza się od pierwszego dnia. Sprawę "
                "{g:zgłaszałem|zgłaszałam} już telefonicznie, {g:rozmawiałem|rozmawiałam} z "
                "{g2:Panem|Panią} {name2:ins}, ale do dziś nikt się ze mną nie skontaktował. "
                "Proszę o wymianę urządzenia lub zwrot pieniędzy. Kontakt: {email}."
            ),
        },
    },
    "de": {
        "dev": {
            "chat_intro": (
                "hi zusammen! ich heiße {first:lower}, bin 29 und neu in {city:lower}. hat "
                "jemand lust, am wochenende bouldern zu gehen? {first2:lower} aus meinem kurs "
                "kommt auch mit 🙂 meldet euch gern unter {mobile}"
            ),
            "hr_form": (
                "Personalfragebogen – Neueinstellung\n"
                "Name, Vorname: {last}, {first}\n"
                "Anschrift: {address}, {city}\n"
                "Steuerliche Identifikationsnummer: {steuer}\n"
                "Telefon: {phone}\n"
                "E-Mail: {email}\n"
                "Notfallkontakt: {name2}, {phone2}"
            ),
            "social_birthday": (
                "Was für ein Abend 🎉 Danke {first} und {first2} fürs Organisieren, und "
                "{name3} hat wieder den besten Käsekuchen der Stadt gebacken! #geburtstag"
            ),
        },
        "heldout": {
            "support_ticket": (
                "Betreff: Paket nicht angekommen\n\n"
                "Sehr geehrte Damen und Herren,\n\n"
                "ich habe am 3. März eine Bestellung aufgegeben, die an {address}, {city} "
                "geliefert werden sollte. Laut Sendungsverfolgung wurde das Paket zugestellt, "
                "bei mir ist aber nichts angekommen. Auch {g2:mein Nachbar, Herr|meine "
                "Nachbarin, Frau} {last2}, hat nichts angenommen. Bitte rufen Sie mich unter "
                "{phone} zurück.\n\n"
                "Mit freundlichen Grüßen\n{name}"
            ),
            "doctor_letter": (
                "Arztbrief\n\n"
                "Sehr geehrte Frau Kollegin, sehr geehrter Herr Kollege,\n\n"
                "wir berichten über {g:Herrn|Frau} {name}, wohnhaft {address}, {city}, "
                "{g:der|die} sich am 12.02. in unserer Ambulanz mit seit drei Wochen bestehenden "
                "Rückenschmerzen vorstellte. Wir empfehlen Physiotherapie und eine Kontrolle in "
                "vier Wochen. Rückfragen gern unter {phone}.\n\n"
                "Mit freundlichen kollegialen Grüßen\nDr. {name2}"
            ),
            "email_tax": (
                "Hallo {first},\n\n"
                "danke, dass du mir bei der Steuererklärung hilfst! Meine Steuer-ID ist "
                "{steuer}, und die neue Adresse ist {address}, {city}. Die Belege von {first3} "
                "schicke ich dir am Wochenende.\n\n"
                "Liebe Grüße\n{first2}"
            ),
        },
    },
    "fr": {
        "dev": {
            "email_address_change": (
                "Bonjour {g:Monsieur|Madame} {last},\n\n"
                "Suite à notre échange téléphonique de ce matin, je vous confirme mon "
                "changement d'adresse : {address}, {city}. Vous pouvez me joindre au {phone} "
                "ou par mail à {email2}.\n\n"
                "Bien cordialement,\n{name2}"
            ),
            "patient_file": (
                "Fiche patient\n"
                "Nom : {last:upper}\n"
                "Prénom : {first}\n"
                "N° de sécurité sociale : {nir}\n"
                "Adresse : {address}, {city}\n"
                "Médecin traitant : Dr {last2}\n"
                "Motif de consultation : douleurs abdominales depuis 48 h, pas de fièvre. "
                "{g:Le patient|La patiente} signale une intolérance au lactose."
            ),
            "social_reunion": (
                "Trop contente d'avoir revu {first} et {name2} ce week-end 🥰 on refait ça "
                "vite ! #amis #retrouvailles"
            ),
        },
        "heldout": {
            "chat_flatshare": (
                "salut tout le monde ! je m'appelle {name:lower}, j'arrive de {city:lower} et je "
                "cherche une coloc à partir de septembre. {first2:lower} m'a dit de poster ici "
                "😊 vous pouvez m'écrire au {mobile}"
            ),
            "bank_form": (
                "Demande d'ouverture de compte\n"
                "Titulaire : {g:M.|Mme} {name}\n"
                "{g:Né|Née} à : {city2}\n"
                "N° de sécurité sociale : {nir}\n"
                "Domicile : {address}, {city}\n"
                "Tél. : {phone}\n"
                "Courriel : {email}"
            ),
            "complaint_letter": (
                "Objet : réclamation – colis non livré\n\n"
                "Madame, Monsieur,\n\n"
                "{g:Je soussigné|Je soussignée} {name}, demeurant au {address}, {city}, vous "
                "informe que ma commande du 2 mars ne m'a jamais été livrée. Votre "
                "{g2:conseiller, M.|conseillère, Mme} {last2}, m'avait pourtant "
                "{g:assuré|assurée} d'une livraison sous huit jours.\n\n"
                "Je vous prie d'agréer, Madame, Monsieur, l'expression de mes salutations "
                "distinguées.\n\n{name}"
            ),
        },
    },
    "es": {
        "dev": {
            "support_ticket": (
                "Hola, me llamo {name} y os escribo porque el pedido que hice la semana pasada "
                "todavía no ha llegado. La dirección de entrega es {address}, {city}. Podéis "
                "llamarme al {phone} por las tardes. ¡Gracias!"
            ),
            "bank_form": (
                "Solicitud de alta de cliente\n"
                "Nombre y apellidos: {name}\n"
                "DNI: {dni}\n"
                "Domicilio: {address}, {city}\n"
                "Teléfono: {phone}\n"
                "Correo electrónico: {email}\n"
                "Persona autorizada: {name2}"
            ),
            "sms_new_number": (
                "¡Hola {first}! Soy {first2}, te escribo desde el móvil nuevo, guárdate este "
                "número: {mobile}. ¿Quedamos el sábado con {first3}?"
            ),
        },
        "heldout": {
            "er_report": (
                "Informe de urgencias\n"
                "Paciente: {name}, DNI {dni}\n"
                "{g:Varón|Mujer} de 54 años que acude por dolor torácico de dos horas de "
                "evolución. Sin antecedentes de interés. {g:Acompañado|Acompañada} por su "
                "pareja, {name2} (tel. {phone}).\n"
                "Médico responsable: {g3:Dr.|Dra.} {last3}"
            ),
            "social_birthday": (
                "Cumple de {first} 🎂 con {name2} y {name3}, ¡qué noche más buena! Gracias por "
                "todo 💃 #amigos"
            ),
            "complaint_email": (
                "{g:Estimado Sr.|Estimada Sra.} {last}:\n\n"
                "Le escribo para presentar una reclamación por el cobro duplicado de la "
                "factura de marzo. Como le indiqué por teléfono, mi domicilio es {address}, "
                "{city}, y puede contactarme en {email2} o en el {phone}.\n\n"
                "Un saludo,\n{name2}"
            ),
        },
    },
    "it": {
        "dev": {
            "email_appointment": (
                "Gentile {g:Sig.|Sig.ra} {last},\n\n"
                "Le scrivo per confermarLe l'appuntamento di giovedì alle 15:00 presso il "
                "nostro studio in {address} a {city}. In caso di imprevisti può contattarmi "
                "al {phone} oppure scrivere a {email2}.\n\n"
                "Cordiali saluti,\n{name2}"
            ),
            "patient_sheet": (
                "Scheda paziente\n"
                "Cognome e nome: {last:upper} {first:upper}\n"
                "Codice fiscale: {cf}\n"
                "Residenza: {address}, {city}\n"
                "Medico curante: {g2:dott.|dott.ssa} {last2}\n"
                "Anamnesi: ipertensione in trattamento. {g:Il paziente|La paziente} riferisce "
                "cefalea da tre giorni."
            ),
            "chat_new_city": (
                "ciao a tutti! mi chiamo {first:lower}, ho 27 anni e mi sono appena "
                "{g:trasferito|trasferita} a {city:lower} per lavoro. qualcuno ha voglia di "
                "una birra venerdì? scrivetemi al {mobile} 🍻"
            ),
        },
        "heldout": {
            "membership_form": (
                "Modulo di adesione\n"
                "{g:Il sottoscritto|La sottoscritta} {name}, {g:nato|nata} a {city2}, codice "
                "fiscale {cf}, residente in {address}, {city}, tel. {phone}, e-mail {email}, "
                "chiede di essere {g:iscritto|iscritta} all'associazione per l'anno 2024."
            ),
            "social_dinner": (
                "Serata perfetta con {name} e {first2} 🍝🍷 grazie {first3} per l'ospitalità, "
                "alla prossima! #amici #cena"
            ),
            "complaint": (
                "Spett.le Servizio Clienti,\n\n"
                "sono {name}, {g:vostro cliente|vostra cliente} dal 2015. Il tecnico è passato "
                "il 3 marzo ma la linea internet all'indirizzo {address}, {city} non funziona "
                "ancora. Ho già parlato con {g2:il Sig.|la Sig.ra} {last2} del vostro call "
                "center, senza risultati. Vi prego di ricontattarmi al {phone}.\n\n"
                "Distinti saluti,\n{name}"
            ),
        },
    },
    "nl": {
        "dev": {
            "support_ticket": (
                "Goedemiddag,\n\n"
                "Mijn naam is {name} en sinds vorige week heb ik geen internet meer op "
                "{address} in {city}. Kunnen jullie een monteur sturen? Ik ben overdag "
                "bereikbaar op {phone}.\n\n"
                "Met vriendelijke groet,\n{name}"
            ),
            "hr_form": (
                "Personeelsformulier\n"
                "Naam: {name}\n"
                "BSN: {bsn}\n"
                "Adres: {address}, {city}\n"
                "Telefoon: {phone}\n"
                "E-mail: {email}\n"
                "Contactpersoon bij nood: {name2}, {phone2}"
            ),
            "chat_running": (
                "hoi allemaal! ik ben {first:lower}, 31 jaar en net verhuisd naar "
                "{city:lower}. wie gaat er zondag mee hardlopen? {first2:lower} en ik lopen "
                "meestal rond 9 uur in het park, app me even: {mobile}"
            ),
        },
        "heldout": {
            "referral_letter": (
                "Verwijsbrief\n"
                "Patiënt: {g:dhr.|mevr.} {name}, BSN {bsn}\n"
                "Adres: {address}, {city}\n"
                "Klachten: sinds twee weken kortademig bij inspanning, geen pijn op de borst. "
                "Graag uw beoordeling.\n\n"
                "Met collegiale groet,\n{name2}, huisarts"
            ),
            "email_friend": (
                "Hoi {first},\n\n"
                "Leuk je zaterdag weer te zien! {name2} vroeg nog om je adres voor de kaart, "
                "dus ik heb {address} doorgegeven, klopt dat nog? Groetjes ook aan {first3}.\n\n"
                "Liefs,\n{first4}"
            ),
            "complaint": (
                "Geachte heer/mevrouw,\n\n"
                "Op 4 maart heb ik bij u een wasmachine besteld, die nog steeds niet is "
                "geleverd. Uw collega {g2:meneer|mevrouw} {last2} heeft mij twee keer beloofd "
                "dat ik teruggebeld zou worden, maar dat is niet gebeurd. Mijn gegevens: "
                "{name}, {address}, {city}, {email}.\n\n"
                "Hoogachtend,\n{name}"
            ),
        },
    },
    "pt": {
        "dev": {
            "email_move": (
                "Olá {first},\n\n"
                "{g2:obrigado|obrigada} pela ajuda com a mudança! A nova morada é {address}, "
                "{city}, aparece quando quiseres. {g3:O|A} {first3} também te manda um "
                "beijinho.\n\n"
                "Beijinhos,\n{first2}"
            ),
            "client_form": (
                "Ficha de cliente\n"
                "Nome completo: {name}\n"
                "NIF: {nif}\n"
                "Morada: {address}, {city}\n"
                "Telemóvel: {mobile}\n"
                "E-mail: {email}"
            ),
            "social_dinner": (
                "Jantar de anos {g:do|da} {first} 🎉 com {name2} e {name3}, que noite! Obrigado "
                "a todos 🥂 #amigos"
            ),
        },
        "heldout": {
            "consult_note": (
                "Nota de consulta\n"
                "Utente: {name}, NIF {nif}\n"
                "{g:Homem|Mulher} de 62 anos, recorre à consulta por tosse persistente há três "
                "semanas. Contacto do familiar: {name3} ({phone}).\n"
                "{g2:Médico|Médica}: {g2:Dr.|Dr.ª} {name2}"
            ),
            "chat_new_city": (
                "olá a todos! chamo-me {first:lower} e mudei-me agora para {city:lower}, alguém "
                "quer ir correr ao fim de semana? {g2:o|a} {first2:lower} disse-me que este "
                "grupo era fixe 😄 liguem-me para o {mobile}"
            ),
            "complaint": (
                "Exmos. Senhores,\n\n"
                "Venho por este meio apresentar reclamação relativamente à fatura de "
                "fevereiro, que me foi cobrada em duplicado. O meu nome é {name} e a minha "
                "morada é {address}, {city}. Fui {g:atendido|atendida} {g2:pelo Sr.|pela Sr.ª} "
                "{last2}, que me prometeu uma resposta em 48 horas, o que não aconteceu. "
                "Contacto: {email}.\n\n"
                "Com os melhores cumprimentos,\n{name}"
            ),
        },
    },
}

# ---------------------------------------------------------------- rendering

_BRACES = re.compile(r"\{([^{}]*)\}")
_GENDERED = re.compile(r"g(\d?):([^|]*)\|(.*)", re.DOTALL)
_SLOT = re.compile(r"([a-z_]+?)(\d?)((?::[a-z]+)*)")
_CASES = ("nom", "ins", "gen", "voc")


_ENTITIES = {
    "email": "EMAIL_ADDRESS",
    "phone": "PHONE_NUMBER",
    "mobile": "PHONE_NUMBER",
    "address": "STREET_ADDRESS",
}


def _value(base: str, lang: str, rng: random.Random, p: Person) -> str:
    if base == "email":
        return _email(rng, lang, p)
    if base in ("phone", "mobile"):
        return _phone(rng, lang, base == "mobile")
    if base == "address":
        return _address(rng, lang)
    return _national_id(base, rng, p)


def _render(lang: str, half: str, tname: str, rng: random.Random) -> tuple[Message, list[str]]:
    """One message and the value behind each of its spans."""
    template = TEMPLATES[lang][half][tname]
    people = _people(lang, half, rng)
    cache: dict[str, str] = {}  # a slot written twice carries the same value
    text, pos = "", 0
    spans: list[tuple[int, int, str]] = []
    values: list[str] = []
    for m in _BRACES.finditer(template):
        text += template[pos : m.start()]
        pos = m.end()
        content = m.group(1)
        if g := _GENDERED.fullmatch(content):
            who = people[int(g.group(1) or 1) - 1]
            text += g.group(2) if who.gender == "m" else g.group(3)
            continue
        s = _SLOT.fullmatch(content)
        if s is None:
            raise ValueError(f"{lang}:{tname}: bad slot {{{content}}}")
        base, idx = s.group(1), int(s.group(2) or 1)
        mods = [x for x in s.group(3).split(":") if x]
        case = next((x for x in mods if x in _CASES), "nom")
        p = people[idx - 1]
        entity: str | None
        if base in ("name", "first", "last"):
            entity = "PERSON"
            if base == "name":
                value = p.full(case)
            elif base == "first":
                value = p.first[case]
            else:
                value = p.alone if case == "nom" else p.last[case]
        elif base in ("city", "city_w"):
            entity = None
            key = f"city{s.group(2)}"
            if key not in cache:
                others = [c for c in CITIES[lang] if c not in cache.values()]
                cache[key] = rng.choice(others)
            value = PL_CITIES_IN[cache[key]] if base == "city_w" else cache[key]
        else:
            entity = _ENTITIES.get(base) or NATIONAL_IDS.get(base)
            if entity is None:
                raise ValueError(f"{lang}:{tname}: unknown slot {{{content}}}")
            key = base + s.group(2)
            if key not in cache:
                cache[key] = _value(base, lang, rng, p)
            value = cache[key]
        if "lower" in mods:
            value = value.lower()
        elif "upper" in mods:
            value = value.upper()
        if entity is not None:
            spans.append((len(text), len(text) + len(value), entity))
            values.append(value)
        text += value
    text += template[pos:]
    return Message(text, spans, f"{lang}:{tname}"), values


def templates(half: str) -> list[tuple[str, str]]:
    """(language, template name) of one half, in the order generate cycles over them."""
    if half not in HALVES:
        raise ValueError(f"half must be one of {HALVES}, not {half!r}")
    return [(lang, t) for lang in LANGUAGES for t in TEMPLATES[lang][half]]


def generate_with_values(n: int, half: str, seed: int) -> list[tuple[Message, list[str]]]:
    """As generate, each message with the values its spans were planted from."""
    order = templates(half)
    rng = random.Random(f"{half}:{seed}")  # the halves draw different values from one seed
    out = []
    for i in range(n):
        lang, tname = order[i % len(order)]
        out.append(_render(lang, half, tname, rng))
    return out


def generate(n: int, half: str, seed: int) -> list[Message]:
    """n messages cycling over the templates of every language in one half."""
    return [m for m, _ in generate_with_values(n, half, seed)]


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 105
    half = sys.argv[2] if len(sys.argv) > 2 else "dev"
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 19
    for m in generate(n, half, seed):
        print(json.dumps({"text": m.text, "spans": m.spans, "template": m.template}))
