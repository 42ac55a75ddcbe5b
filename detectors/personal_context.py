"""What makes a name personal data: the words around it, and identifiers beside it.

A capitalised name in instruction text is usually a public figure, a place or a common
noun NER mistook for one ("poems by Edgar Allan Poe", "Boron, Carbon, Oxygen"). A name is
a *private person's* when the text treats it as one:

- **strong cues**, enough on their own, with the name-shaped words right after them
  (found here even where NER finds nothing): a self-introduction ("my name is", "I'm"),
  a greeting that opens a line ("Dear X,", "Hi X,"), a sign-off ("Regards,\\nX"), a
  labelled field ("Name:", "Patient:", "From:", "Cardholder:"), a role that names a
  person a record is about ("patient X", "customer X"), a relation ("my wife X");
- **identifiers**: a name-shaped span right beside an e-mail, phone number, SSN, card or
  other identifier ("Maria Raman (m@x.com)", "card 4111… for Tomasz Romano");
- **weak cues**, enough only when NER also calls the span a person: a message verb
  ("reply to X", "forward this to X"), an honorific ("Mrs X"), a role noun ("student X").

A row with an identifier or a strong-cue name is a personal row: every name NER finds in
it is personal too (the other people in a letter or a patient record).

No threshold here was fitted to data: the cue lists are written from what identifies a
person (the fields of a letter, a form, a record), and the two distances below were
chosen before any measurement (docs/evaluation.md).
"""

from __future__ import annotations

import re

NAME_GAP_CHARS = 40  # how far from an identifier a name may be (chosen, not tuned)
MAX_NAME_TOKENS = 3

_TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*\.?|[^\W\d_]\.")
PARTICLES = frozenset(  # lower-case words inside a name
    "van von der den de del della di da dos das du la le bin ibn al el ter ten".split()
)
_TITLE = re.compile(
    r"(?:Mr|Mrs|Ms|Mx|Miss|Dr|Prof|Sr|Sra|Srta|Herr|Herrn|Frau|Pan|Pani|Pana|Panu|Panem|Panią"
    r"|Panie|Mme|Mlle|M|Monsieur|Madame|Señor|Señora|Sig\.ra|Sig\.na|Sig|Signor|Signora|Dott"
    r"|Dott\.ssa|Dr\.ssa|Dhr|Mevr|Meneer|Mevrouw|Senhor|Senhora)\.?\s+"
)
# capitalised words that are not names; a run of name-shaped words stops at one
NOT_NAMES = frozenset(
    """the a an this that these those i we you he she it they my your our their his her its
    me us him them who what when where why how which there here and or but if so as at by
    for from in of on to with not no yes all any each every some please thank thanks best
    regards sincerely kind warm cheers dear hi hello hey greetings good morning afternoon
    evening team sir madam madame mister miss mr mrs ms dr prof everyone everybody world
    friend friends folks guys colleagues customer customers client clients user users
    patient patients support service services manager managers hiring recruiter admin
    administrator staff name names recipient sender subject re fw fwd date time email e-mail
    mail phone tel mobile fax ssn card address account number id order ticket invoice
    note notes inc ltd llc corp co company department dept group bank university college
    school hospital clinic street avenue road lane drive monday tuesday wednesday thursday
    friday saturday sunday january february march april may june july august september
    october november december today tomorrow yesterday mom dad mum mother father sister
    brother parents family love yours truly faithfully respectfully warmly regards
    signature signed attn attention contact details info information question answer
    input output instruction response example sample text sentence word list table""".split()
) | frozenset(
    # weekdays, months and greetings of the seven other languages: capitalised, never a
    # name (not "Julio", "Domingo" or "Augustus", which are names too)
    """montag dienstag mittwoch donnerstag freitag samstag sonntag januar februar märz juni
    juli oktober dezember lundi mardi mercredi jeudi vendredi samedi dimanche janvier février
    mars avril mai juin juillet août septembre octobre novembre décembre lunes martes
    miércoles jueves viernes sábado enero febrero marzo abril mayo junio agosto
    septiembre octubre noviembre diciembre lunedì martedì mercoledì giovedì venerdì sabato
    domenica gennaio febbraio aprile maggio giugno luglio settembre ottobre dicembre maandag
    dinsdag woensdag donderdag vrijdag zaterdag zondag januari februari maart mei juni juli
    poniedziałek wtorek środa czwartek piątek sobota niedziela styczeń luty marzec
    kwiecień czerwiec lipiec sierpień wrzesień październik listopad grudzień segunda terça
    quarta quinta sexta janeiro fevereiro março maio junho julho setembro outubro novembro
    dezembro hallo moin servus bonjour bonsoir salut hola buenas ciao salve buongiorno
    buonasera gentile hoi goedemorgen olá bom cześć witam witaj dzień""".split()
)
# words after a title that are a role, not a surname ("Herr Direktor", "Sra. Directora")
ROLE_WORDS = frozenset(
    """direktor direktorin präsident präsidentin oberarzt oberärztin chefarzt chefärztin
    doktor professor professorin minister ministerin bürgermeister bürgermeisterin director
    directora directeur directrice direttore direttrice presidente président présidente
    presidenta dyrektor dyrektorka kierownik kierowniczka prezes prezeska burmistrz
    directeur-generaal voorzitter burgemeester diretor diretora med dent hab rer
    nat phil ing dipl""".split()
)


def _name_token(word: str, caps: bool = False) -> bool:
    core = word.rstrip(".")
    if not core or not core[0].isupper() or core.casefold() in NOT_NAMES:
        return False
    if len(core) == 1:
        return word.endswith(".")  # an initial, "J."
    # not an acronym, unless a form's name field holds it ("Nom : BONNET")
    return caps or any(c.islower() for c in core[1:])


def name_at(text: str, pos: int, min_tokens: int = 1, caps: bool = False) -> tuple[int, int] | None:
    """The name-shaped words starting at ``pos`` (after spaces and a title), if any:
    1–3 capitalised words (particles such as "van" between them), ending at a word that
    is not an initial; ``caps``: words in capitals count too."""
    n = len(text)
    while pos < n and text[pos] in " \t":
        pos += 1
    t = _TITLE.match(text, pos)
    if t:
        pos = t.end()
    start = pos
    end = pos
    count = 0
    while count < MAX_NAME_TOKENS + 1:
        m = _TOKEN.match(text, pos)
        if not m:
            break
        word = m.group()
        if word.casefold() in PARTICLES and count:
            nxt = re.match(r" +", text[m.end() :])
            if nxt:
                pos = m.end() + nxt.end()
                continue
            break
        middle_initial = len(word) == 1 and word.isupper() and count > 0 and word != "I"
        if not (_name_token(word, caps) or middle_initial):
            break
        count += 1
        if not middle_initial:  # "Martim A Pereira": the name does not end at the "A"
            end = m.end() - (1 if word.endswith(".") and len(word) > 2 else 0)
        gap = re.match(r"[ \t]+", text[m.end() :])
        if not gap:
            break
        pos = m.end() + gap.end()
    if count > MAX_NAME_TOKENS or count < min_tokens or end <= start:
        return None
    if text[end - 1] == "." and end - start <= 2:
        return None
    return start, end


# Strong cues: (pattern ending where the name begins, fewest name words, what must follow).
_LINE = r"(?:^|(?<=\n))[ \t>*]*"
_FOLLOW_END = re.compile(r"[ \t]*(?:[,!:;.\n(<]|$)")
_LABELS = (
    r"full name|first name|last name|surname|given name|name|patient(?: name)?|customer(?: name)?|"
    r"client(?: name)?|sender|from|to|cc|bcc|recipient|author|signed|signature|account holder|"
    r"account name|card ?holder(?: name)?|name on card|policy ?holder|beneficiary|applicant|"
    r"tenant|employee(?: name)?|insured|claimant|student(?: name)?|member|contact(?: person)?|"
    r"emergency contact|next of kin|guardian|parent|witness|caller|passenger|guest|"
    r"(?:reported|submitted|prepared|posted|requested|approved|reviewed|referred|ordered|"
    r"written|signed|sent) by|attn|attention"
)
_RELATIONS = (
    r"wife|husband|spouse|son|daughter|child|kid|mother|father|mom|mum|dad|brother|sister|"
    r"(?:best )?friend|colleague|co-?worker|boss|manager|neighbou?r|partner|fianc[ée]e?|"
    r"girlfriend|boyfriend|room-?mate|flat-?mate|cousin|uncle|aunt|nephew|niece|grandson|"
    r"granddaughter|grandmother|grandfather|grandma|grandpa|landlord|landlady|doctor|"
    r"dentist|lawyer|therapist|teacher|tutor|student|client|patient|customer|tenant|"
    r"employee|assistant|nanny|caregiver"
)
_ROLES = (
    r"patient|customer|client|card ?holder|account holder|policy ?holder|applicant|tenant|"
    r"claimant|beneficiary|caller|passenger|guest|employee|insured|subscriber|debtor|"
    r"borrower|member|consignee|addressee|defendant|plaintiff|complainant|resident"
)
# saying one's own name, in the languages of the national identifiers (issue 19): the
# word after it is a name even in lower case ("ich heiße lena,")
_MY_NAME = (
    r"my name is|my name's|my names|call me|i am called|je m'appelle|je m’appelle|"
    r"mon nom est|me llamo|mi nombre es|mi chiamo|il mio nome è|ich heiße|ich heisse|"
    r"mein name ist|mijn naam is|ik heet|chamo-me|o meu nome é|meu nome é|nazywam się|"
    r"mam na imię"
)
MY_NAME = re.compile(r"(?i)\b(?:" + _MY_NAME + r")\s+")
_LOWER_NAME = re.compile(r"[^\W\d_A-Z]{2,}(?=[ \t]*(?:[,.!;]|$))")
# "I am X" in other languages: a name only when one follows as a name does
_I_AM = r"i am|i'm|i’m|je suis|soy|sono|ich bin|ik ben|sou|jestem"
_GREETINGS = (
    r"dear|hi|hello|hey|hiya|good (?:morning|afternoon|evening)|greetings|attn\.?|attention|"
    r"bonjour|bonsoir|salut|cher|chère|hola|estimad[oa]|querid[oa]|buenos días|ciao|car[oa]|"
    r"gentile|egregi[oa]|hallo|liebe|lieber|sehr geehrte[rn]?|moin|servus|hoi|beste|geachte|"
    r"goedemorgen|goedemiddag|olá|ola|prezad[oa]|bom dia|boa tarde|dzień dobry|cześć|"
    r"szanown[ya]|drog[ia]|witaj"
)
_SIGN_OFFS = (
    r"regards|sincerely|best|best wishes|all the best|cheers|thanks|thank you|"
    r"many thanks|yours(?: truly| sincerely| faithfully)?|love|warmly|respectfully|"
    r"take care|talk soon|xoxo|(?:bien )?cordialement|bien à vous|amitiés|bises|saludos|"
    r"un saludo|atentamente|un abrazo|(?:cordiali |distinti )?saluti|un abbraccio|"
    r"(?:viele|liebe|beste|herzliche) grüße|mit freundlichen grüßen|freundliche grüße|"
    r"(?:met )?vriendelijke groet(?:en)?|groetjes|groeten|(?:com os melhores )?cumprimentos|"
    r"atenciosamente|abraços|beijinhos|pozdrawiam|serdecznie pozdrawiam|z poważaniem"
)
# a form's name fields in those languages: one word is a name there, in capitals too; a
# field for both parts, surname first ("Name, Vorname: Krause, Katharina"), holds two
_TWO_PART_FIELDS = (
    r"(?:last name|surname|family name), first name|(?:nach)?name, vorname|nom, prénom|"
    r"apellidos?, nombre|cognome, nome|achternaam, voornaam|nazwisko, imię|apelidos?, nome"
)
_NAME_FIELDS = (
    _TWO_PART_FIELDS
    + r"|first name|given name|last name|surname|family name|nickname|prénom|nom|nom complet|"
    r"nombre|apellidos?|nombre y apellidos|nome|cognome|nome e cognome|cognome e nome|"
    r"vorname|nachname|naam|voornaam|achternaam|nome completo|imię|nazwisko|"
    r"imię i nazwisko"
)
_SECOND_PART = re.compile(r",[ \t]*")
_FIELD_END = re.compile(r"[ \t]*(?:[,;\n]|$)")
_FIELD_CUE = re.compile(r"(?i)\b(?:" + _NAME_FIELDS + r")[ \t]*[:?][ \t]*")
STRONG_CUES: tuple[tuple[re.Pattern[str], int, re.Pattern[str] | None], ...] = (
    (MY_NAME, 1, None),
    (
        re.compile(r"(?i)\b(?:" + _I_AM + r")\s+"),
        2,
        re.compile(r"[ \t]*(?:[,!:;.\n(<]|$|(?i:and|from|here|speaking|calling|with)\b)"),
    ),
    (re.compile(_LINE + r"(?i:(?:hi|hello|hey)[ \t]*[,!]?[ \t]*this is)[ \t]+"), 2, _FOLLOW_END),
    (re.compile(_LINE + r"¡?(?i:" + _GREETINGS + r")[ \t]+"), 1, _FOLLOW_END),
    (
        re.compile(r"(?i:" + _SIGN_OFFS + r")[ \t]*[,.!]?[ \t]*\n+[ \t]*"),
        1,
        re.compile(r"[ \t]*(?:[,\n(<|]|$)"),
    ),
    (re.compile(_LINE + r"(?:--|—|–|~)[ \t]*"), 1, re.compile(r"[ \t]*(?:[,\n(<]|$)")),
    (_FIELD_CUE, 1, None),
    (re.compile(r"(?i)\b(?:" + _LABELS + r")[ \t]*(?:name)?[ \t]*:[ \t]*"), 2, None),
    (re.compile(r"(?i)\b(?:" + _ROLES + r")(?: name)?[ \t]+"), 2, None),
    (re.compile(r"(?i)\b(?:my|our)[ \t]+(?:" + _RELATIONS + r"),?[ \t]+"), 1, None),
)
STRONG_GATE = re.compile(
    r"(?i)name|\bi am\b|\bi'm|\bi’m|this is|call me|dear|\bhi\b|hello|\bhey|hiya|good "
    r"|greet|attn|attention|regards|sincerely|best|cheers|thank|yours|love|warmly|respectfully"
    r"|take care|talk soon|xoxo|--|—|–|~|:|=|\bmy\b|\bour\b|"
    + _ROLES
    + "|"
    + _MY_NAME
    + "|"
    + _I_AM
    + "|"
    + _GREETINGS
    + "|"
    + _SIGN_OFFS
)

_WEAK = (
    r"(?i)(?:\b(?:reply|replied|respond|forward|forwarded|send|sent|write|wrote|e-?mail|mail|"
    r"text|texted|message|call|called|phone|contact|cc|notify|remind|ask|asked|tell|told|"
    r"thank|invoice|bill|refund|ship|deliver|meet|visit|pay|paid|hire|hired|introduce|"
    r"assign|assigned|schedule|book|booked|follow up with|add|added)(?:e?s|ed)?"
    r"(?:[ \t]+(?:it|this|that|them|him|her|back|again))?[ \t]+(?:to[ \t]+|with[ \t]+)?"
    # "met" after its subject only: alone it is Dutch for "with" ("Roggebrood met ...")
    r"|\b(?:i|we|you|he|she|they|had|have|has|never|just|first|finally|already|also|once)"
    r"[ \t]+met(?:[ \t]+with)?[ \t]+"
    r"|\b(?:mr|mrs|ms|mx|miss)\.?[ \t]+"
    r"|\b(?:student|colleague|co-?worker|neighbou?r|friend|classmate|roommate|teammate|intern|"
    r"nurse|technician|supervisor|user|member|resident)[ \t]+)"
)
WEAK_CUE = re.compile(_WEAK + "$")
WEAK_GATE = re.compile(_WEAK + "(?-i:[A-Z])")  # a text where a weak cue precedes a capital


# a post or message that tags people or topics mid-line (not "#include" or "@decorator")
SOCIAL = re.compile(r"(?m)^[^\n#@]*\S[ \t]+[#@][A-Za-z_]\w+")


def strong_cue_names(text: str) -> list[tuple[int, int]]:
    """Name-shaped spans right after a strong cue."""
    if not STRONG_GATE.search(text):
        return []
    out = []
    for rx, min_tokens, follow in STRONG_CUES:
        for m in rx.finditer(text):
            span = name_at(text, m.end(), min_tokens, caps=rx is _FIELD_CUE)
            if span is None and rx is MY_NAME:
                low = _LOWER_NAME.match(text, m.end())
                if low and low.group().casefold() not in NOT_NAMES:
                    span = low.span()
            if span is None:
                continue
            if follow is not None and not follow.match(text, span[1]):
                continue
            if not _capitals_fit(text, span):
                continue
            out.append(span)
            if rx is _FIELD_CUE and "," in m.group():
                comma = _SECOND_PART.match(text, span[1])
                second = name_at(text, comma.end(), 1, caps=True) if comma else None
                if second and _capitals_fit(text, second):
                    out.append(second)
    return out


def _capitals_fit(text: str, span: tuple[int, int]) -> bool:
    """Capitals are a name only as a field's whole value ("KRAUSE,", not "TCP/IP")."""
    return not text[span[0] : span[1]].isupper() or _FIELD_END.match(text, span[1]) is not None


# a title before a surname ("dott.ssa Conti", "Dr Petit", "pani Nowak"): in a personal
# row the person a record names beside the one it is about (the treating doctor, a
# caller's contact) is a person too. Capitalised titles, and the few written in lower
# case; not "MS"/"DR" (Microsoft, the Congo), "Sr"/"M" (a rank, an initial) or "pan"
# (Spanish bread).
_TITLED = re.compile(
    r"(?<![\w.])(?:Dr|Dra|Dr\.ssa|Dott|Dott\.ssa|Prof|Mr|Mrs|Ms|Mme|Mlle|Herr|Herrn|Frau|"
    r"Sig\.ra|Sig\.na|Sra|Srta|Pan|Pani|Dhr|Mevr|Mevrouw|Meneer|Dokter|Senhor|Senhora|"
    r"dr|dott|dott\.ssa|dr\.ssa|prof|pani|sig\.ra|mevrouw|meneer|dokter)"
    r"\.?[ \t]+(?=[^\W\d_])"
)
_TITLED_END = re.compile(r"[ \t]*(?:[,;:!?)|\n]|$)")


def titled_names(text: str) -> list[tuple[int, int]]:
    """The surname right after each title."""
    out = []
    for t in _TITLED.finditer(text):
        span = _surname_after(text, t.end())
        if span is not None:
            out.append(span)
    return out


def _surname_after(text: str, pos: int) -> tuple[int, int] | None:
    """One name-shaped word (an initial before it goes with it), and a second only where
    the name plainly ends after it ("Dr. Anna Meier, Kardiologie", not "Frau Meier Montag"
    or "Dr. Braun Montag 10 Uhr"). A word ending in a full stop ends the name ("Dra.
    Prieto. Alergias"); a role after a title is no name ("Herr Direktor")."""
    start: int | None = None
    end: int | None = None
    words = 0
    while True:
        m = _TOKEN.match(text, pos)
        if m is None or not _name_token(m.group()):
            break
        word = m.group()
        core = word.rstrip(".")
        if core.casefold() in ROLE_WORDS:
            break
        start = m.start() if start is None else start
        gap = re.match(r"[ \t]+", text[m.end() :])
        if len(core) == 1:  # "J." goes with the surname after it
            if gap is None:
                break
            pos = m.end() + gap.end()
            continue
        end = m.start() + len(core)
        words += 1
        if word.endswith(".") or words == 2 or gap is None:
            break
        # a second word only where the name ends after it; the loop's top checks the word
        nxt = _TOKEN.match(text, m.end() + gap.end())
        if nxt is None or nxt.group().endswith(".") or not _TITLED_END.match(text, nxt.end()):
            break
        pos = m.end() + gap.end()
    return (start, end) if start is not None and end is not None else None


def sentence_start(text: str, start: int) -> bool:
    before = text[max(0, start - 3) : start].rstrip(" \t\"'“(")
    return not before or before[-1] in ".!?\n:|>-"


def row_names(text: str) -> list[tuple[int, int]]:
    """Name-shaped runs of 2–3 words that do not open a sentence (for personal rows)."""
    return [(a, b) for a, b in _runs(text, 0, len(text)) if not sentence_start(text, a)]


def weak_cue_before(text: str, start: int) -> bool:
    """A message verb, honorific or role noun right before ``start``."""
    return WEAK_CUE.search(text[max(0, start - 40) : start]) is not None


_GAP = re.compile(
    r"(?i)[\s,;:()<>\[\]/|*#.–—-]*(?:(?:for|of|to|by|from|via|at|on|is|and|or|the|holder|owner|"
    r"name|e-?mail|mail|phone|tel|mobile|cell|ssn|card|account|acct|dob|born|id|no|number|"
    r"iban|contact|reach|call|pesel|nip|bsn|nino|pan|aadhaar)\b[\s,;:()<>\[\]/|*#.–—-]*){0,3}"
)


def _runs(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """Name-shaped runs of 2–3 words that start in ``text[lo:hi]``."""
    out: list[tuple[int, int]] = []
    for m in re.finditer(r"(?<![\w'’.-])[^\W\d_]", text[lo:hi]):
        start = lo + m.start()
        if out and start < out[-1][1]:
            continue
        span = name_at(text, start, 2)
        if span is not None and span[0] == start:
            out.append(span)
    return out


def names_beside(text: str, identifiers: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Name-shaped spans (2–3 capitalised words) with only punctuation and connecting words
    ("for", "e-mail", "SSN") between them and an identifier."""
    out = []
    for s, e in identifiers:
        lo = max(0, s - NAME_GAP_CHARS - 60)
        for a, b in _runs(text, lo, s):
            if b <= s and s - b <= NAME_GAP_CHARS and _GAP.fullmatch(text, b, s):
                out.append((a, b))
        for a, b in _runs(text, e, min(len(text), e + NAME_GAP_CHARS)):
            if _GAP.fullmatch(text, e, a):
                out.append((a, b))
    return out
