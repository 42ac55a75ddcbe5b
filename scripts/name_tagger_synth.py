"""Sentences in seven European languages with every person's name marked, to train the
name tagger beside the Broad Twitter Corpus (issue 19, point 3).

Why it exists: the tagger learnt names from English tweets only, and in German, French,
Polish or Portuguese text it misses the names an English reader would see at once: a
first name alone in a thank-you ("Danke Jonas und Mia"), a Polish name inflected after a
preposition ("z Krzysztofem Zielińskim"), a Portuguese name behind its article ("o
Henrique"), a treating doctor on a form ("dott. Ferri"). No openly licensed NER data in
these languages is in ``../shared/data``, so these sentences are written here: frames
of everyday personal text (posts, chats, mails, notes, forms) and, as many, sentences
whose capitalised words are no person (German nouns, cities, firms, weekdays,
festivals), so that a capital alone does not make a name.

Independence: the frames and the name lists were written for this file, not copied
from ``scripts/pii_multilingual.py`` (the benchmark), and before its held-out half was
read. Common names recur in any language, so the two files share some first names;
``scripts/bench_pii`` reports held-out recall on the names that are in these lists and
on those that are not, apart (docs/evaluation.md).

    python -m scripts.name_tagger_synth N [SEED]   # prints N sentences as JSON lines
"""

from __future__ import annotations

import json
import random
import re
import sys
from dataclasses import dataclass

LANGUAGES: tuple[str, ...] = ("de", "fr", "es", "it", "nl", "pl", "pt")
CASES: tuple[str, ...] = ("nom", "gen", "dat", "ins")


@dataclass(frozen=True)
class Person:
    woman: bool
    given: dict[str, str]  # case -> form (Polish declines; elsewhere every case is one form)
    surname: dict[str, str]


def _same(word: str) -> dict[str, str]:
    return dict.fromkeys(CASES, word)


# ---------------------------------------------------------------- names per language

_GIVEN: dict[str, tuple[str, str]] = {  # (men, women)
    "de": (
        "Matthias Jürgen Torsten Uwe Bernd Holger Kai Jan Felix Moritz Niklas Philipp Ole Timo",
        "Ursula Heike Anke Silke Kerstin Birgit Nadine Franziska Lea Hannah Jana Svenja Merle Ines",
    ),
    "fr": (
        "Jérôme Laurent Olivier Thierry Mathieu Romain Guillaume Quentin Hugo Bastien Yannick",
        "Sylvie Isabelle Véronique Camille Pauline Aurélie Élodie Margaux Chloé Justine Océane",
    ),
    "es": (
        "Javier Alejandro Sergio Álvaro Rubén Iván Raúl Marcos Gonzalo Íñigo Jaime Adrián",
        "Lucía Marta Nerea Alba Paula Rocío Ainhoa Noelia Irene Beatriz Carmen Leire",
    ),
    "it": (
        "Alessandro Davide Simone Matteo Riccardo Stefano Fabio Emanuele Lorenzo Gianluca",
        "Chiara Federica Valentina Elisa Martina Silvia Ilaria Giorgia Alessia Benedetta",
    ),
    "nl": (
        "Sander Joost Pieter Wouter Thijs Jeroen Maarten Niels Stijn Koen Gijs Rutger",
        "Marieke Femke Anouk Sanne Lotte Ilse Eline Maaike Lieke Floor Noor Marloes",
    ),
    "pt": (
        "João Rui Nuno Henrique Vasco Rodrigo Afonso Bernardo Gustavo Filipe Sérgio Hugo",
        "Mariana Beatriz Joana Leonor Matilde Sofia Carolina Teresa Raquel Marta Filipa Vera",
    ),
}
_SURNAMES: dict[str, str] = {
    "de": "Hoffmann Schulz Koch Richter Wolf Neumann Schwarz Zimmermann Braun Hartmann Lange "
    "Werner Krüger Vogel Busch Haas Brandt Kühn Engel Ziegler",
    "fr": "Lambert Fontaine Rousseau Chevalier Girard Morel Fournier Garnier Faure Blanc "
    "Gauthier Perrin Roussel Marchand Dumont Lemaire Brun Barbier Renard Colin",
    "es": "Navarro Romero Castillo Ortega Delgado Vázquez Morales Iglesias Herrera Medina "
    "Cabrera Domínguez Gil Serrano Molina Blanco Suárez Prieto Vidal Reyes",
    "it": "Ferri Fabbri Galli Caruso Lombardi Moretti Barbieri Fontana Santoro Mariani "
    "Rinaldi Longo Leone Gentile Martinelli Vitale Ferraro Bianco Cattaneo Pellegrini",
    "nl": "Jansen Bakker Visser Smit Meijer Mulder Bos Vos Peters Hendriks Dekker Brouwer "
    "Dijkstra Kok Jacobs Vermeulen Willems Koster Prins Huisman",
    "pt": "Ferreira Carvalho Almeida Ribeiro Lopes Martins Costa Marques Fernandes Mendes "
    "Antunes Pinto Cardoso Teixeira Moreira Correia Nunes Soares Vieira Freitas",
}
_DUTCH_PREFIXED = ("de Boer", "van Dam", "de Graaf", "van Leeuwen", "van der Veen", "de Wit")
_PARTICLES = frozenset({"de", "van", "der"})

# Polish given names: nominative, genitive, dative, instrumental
_PL_MEN = (
    ("Krzysztof", "Krzysztofa", "Krzysztofowi", "Krzysztofem"),
    ("Tomasz", "Tomasza", "Tomaszowi", "Tomaszem"),
    ("Paweł", "Pawła", "Pawłowi", "Pawłem"),
    ("Marcin", "Marcina", "Marcinowi", "Marcinem"),
    ("Grzegorz", "Grzegorza", "Grzegorzowi", "Grzegorzem"),
    ("Wojciech", "Wojciecha", "Wojciechowi", "Wojciechem"),
    ("Rafał", "Rafała", "Rafałowi", "Rafałem"),
    ("Jakub", "Jakuba", "Jakubowi", "Jakubem"),
    ("Dawid", "Dawida", "Dawidowi", "Dawidem"),
    ("Bartosz", "Bartosza", "Bartoszowi", "Bartoszem"),
    ("Kacper", "Kacpra", "Kacprowi", "Kacprem"),
    ("Mateusz", "Mateusza", "Mateuszowi", "Mateuszem"),
)
_PL_WOMEN = (
    ("Agnieszka", "Agnieszki", "Agnieszce", "Agnieszką"),
    ("Małgorzata", "Małgorzaty", "Małgorzacie", "Małgorzatą"),
    ("Joanna", "Joanny", "Joannie", "Joanną"),
    ("Katarzyna", "Katarzyny", "Katarzynie", "Katarzyną"),
    ("Magdalena", "Magdaleny", "Magdalenie", "Magdaleną"),
    ("Aleksandra", "Aleksandry", "Aleksandrze", "Aleksandrą"),
    ("Natalia", "Natalii", "Natalii", "Natalią"),
    ("Zuzanna", "Zuzanny", "Zuzannie", "Zuzanną"),
    ("Justyna", "Justyny", "Justynie", "Justyną"),
    ("Dorota", "Doroty", "Dorocie", "Dorotą"),
    ("Paulina", "Pauliny", "Paulinie", "Pauliną"),
    ("Julia", "Julii", "Julii", "Julią"),
)
_PL_ADJ = "Zieliński Szymański Dąbrowski Kozłowski Jankowski Piotrowski Grabowski Zawadzki "
_PL_ADJ += "Sadowski"
_PL_NOUN = "Pawlak Michalak Sikora Baran Duda Szewczyk Kubiak Kowal Marczak Król Krawczyk"


def _pl_surname(nom: str, woman: bool) -> dict[str, str]:
    if nom.endswith(("ski", "cki", "dzki")):
        stem = nom[:-1]
        if woman:
            return {"nom": stem + "a", "gen": stem + "iej", "dat": stem + "iej", "ins": stem + "ą"}
        return {"nom": nom, "gen": stem + "iego", "dat": stem + "iemu", "ins": stem + "im"}
    if nom.endswith("a"):  # Sikora, Duda: declined as a noun in -a, for men and women
        stem = nom[:-1]
        soft = stem[-1] in "kg"
        dat = stem + ("ze" if stem.endswith("r") else "zie" if stem.endswith("d") else "ie")
        return {"nom": nom, "gen": stem + ("i" if soft else "y"), "dat": dat, "ins": stem + "ą"}
    if woman:  # Pawlak, Król: a woman's consonant surname does not decline
        return _same(nom)
    ins = nom + ("iem" if nom[-1] in "kg" else "em")
    return {"nom": nom, "gen": nom + "a", "dat": nom + "owi", "ins": ins}


def people(lang: str) -> list[Person]:
    """Every given name with every surname of ``lang`` (declined in Polish)."""
    out = []
    if lang == "pl":
        surnames = _PL_ADJ.split() + _PL_NOUN.split()
        for forms, woman in [(g, False) for g in _PL_MEN] + [(g, True) for g in _PL_WOMEN]:
            given = dict(zip(CASES, forms, strict=True))
            for s in surnames:
                out.append(Person(woman, given, _pl_surname(s, woman)))
        return out
    men, women = _GIVEN[lang]
    surnames = _SURNAMES[lang].split() + (list(_DUTCH_PREFIXED) if lang == "nl" else [])
    if lang in ("es", "pt"):  # two surnames, as most people there write them
        surnames += [f"{a} {b}" for a, b in zip(surnames, surnames[7:] + surnames[:7], strict=True)]
    for g, woman in [(g, False) for g in men.split()] + [(g, True) for g in women.split()]:
        for s in surnames:
            out.append(Person(woman, _same(g), _same(s)))
    return out


# ---------------------------------------------------------------- what is not a name

_CITIES = {
    "de": "Leipzig Dresden Bremen Münster Kiel Rostock Augsburg Heidelberg Ulm Potsdam",
    "fr": "Bordeaux Nantes Rennes Toulouse Montpellier Lille Strasbourg Nancy Tours Brest",
    "es": "Valencia Sevilla Bilbao Zaragoza Málaga Valladolid Granada Murcia Vigo Oviedo",
    "it": "Bologna Genova Verona Padova Trieste Parma Modena Perugia Lecce Bergamo",
    "nl": "Groningen Haarlem Leiden Delft Zwolle Arnhem Nijmegen Breda Tilburg Maastricht",
    "pl": "Gdańsk Poznań Wrocław Lublin Toruń Rzeszów Olsztyn Opole Katowice Szczecin",
    "pt": "Lisboa Faro Aveiro Setúbal Évora Viseu Guimarães Leiria Funchal Tavira",
}
_FIRMS = {
    "de": "Stadtwerke Telekom Sparkasse Bahn Lufthansa Siemens Allianz Edeka Rossmann",
    "fr": "SNCF Orange Carrefour Renault Decathlon Fnac Leclerc Ameli Doctolib",
    "es": "Renfe Mercadona Iberdrola Telefónica Correos Zara Vodafone Endesa Movistar",
    "it": "Trenitalia Poste Enel Esselunga Fastweb Coop Unicredit Iliad Conad",
    "nl": "NS Albert Heijn Rabobank Ziggo PostNL KPN Bol Jumbo Eneco",
    "pl": "PKP Allegro Orlen Biedronka Żabka InPost Play Orange Lidl",
    "pt": "CP Continente NOS Galp Millennium Pingo Doce Worten Fnac",
}


def _pick(rng: random.Random, words: str) -> str:
    return rng.choice(words.split())


# ---------------------------------------------------------------- frames
#
# {P} full name, {G} first name, {S} surname, each with an optional Polish case
# ("{G:ins}"); a digit after the letter names another person ("{G2}"), and "m" or "f"
# the person's sex where the grammar wants it ("{G2f}"); {C} a city, {F} a firm. Only
# {P}, {G} and {S} are marked as names.

_FRAMES: dict[str, tuple[str, ...]] = {
    "de": (
        "Danke {G} und {G2} für den tollen Abend, das Essen war super!",
        "Gestern mit {P} im Biergarten gewesen, {G2} kam später dazu.",
        "Hallo zusammen, {G} holt die Kinder am Freitag ab, {G2} bringt den Kuchen.",
        "Frau {S} hat heute angerufen, der Termin in {C} ist verschoben.",
        "Bitte Rückruf an Herrn {S} wegen der Rechnung von {F}.",
        "Behandelnder Arzt: Dr. {S}, Praxis in {C}",
        "Ansprechpartner: {P}, Abteilung Einkauf",
        "Glückwunsch an {Gf}, die jetzt endlich ihren Master hat!",
        "Kennt jemand {Pf} aus {C}? Wir suchen sie wegen der Wohnung.",
        "Am Wochenende waren {G} und ich in {C}, das Wetter war leider schlecht.",
        "{G} schreibt, dass der Zug nach {C} ausgefallen ist.",
        "Wir haben {G} gestern zum Bahnhof gebracht, {G2} war auch dabei.",
        "Vielen Dank an {P} für die schnelle Hilfe beim Umzug.",
        "Die Übergabe macht {G}, ich bin ab Montag im Urlaub.",
        "Heute Kaffee mit {P} und {P2}, war richtig schön.",
        "Liebe Grüße an {G}, {G2} und die Kleinen!",
        "Ich habe {G} nach der Arbeit getroffen.",
    ),
    "fr": (
        "Merci à {G} et {G2} pour cette super soirée !",
        "Hier soir dîner chez {P}, {G2m} nous a rejoints au dessert.",
        "Médecin : Dr {S}, cabinet à {C}",
        "Rendez-vous avec Mme {S} jeudi à 10 h, au sujet du contrat {F}.",
        "Pouvez-vous rappeler M. {S} avant midi ?",
        "On part à {C} avec {G} ce week-end, trop hâte !",
        "Bon anniversaire {G}, on t'embrasse fort !",
        "Personne à contacter : {P}",
        "{G} m'a dit que le train pour {C} avait du retard.",
        "C'est {G} qui garde les enfants mercredi, {G2} passe les chercher.",
        "Grosse pensée pour {P} qui commence son nouveau boulot lundi.",
        "J'ai croisé {Gf} au marché, elle te passe le bonjour.",
        "Super journée avec {P} et {G2} au bord du lac.",
        "Bisous à {G}, {G2} et toute la famille !",
        "J'ai revu {Pm} hier, toujours aussi drôle.",
    ),
    "es": (
        "Gracias a {G} y {G2} por la cena de anoche.",
        "Ayer fuimos con {P} a la playa, {G2} llegó tarde como siempre.",
        "Médico de cabecera: Dra. {S}, centro de salud de {C}",
        "Por favor, llamar a la Sra. {S} por la factura de {F}.",
        "Este finde nos vamos a {C} con {G}, ¡qué ganas!",
        "Feliz cumpleaños, {G}, ¡que lo pases genial!",
        "Persona de contacto: {P}",
        "{G} dice que el tren a {C} sale con retraso.",
        "Hoy recoge a los niños {G}, yo salgo tarde del trabajo.",
        "Mucho ánimo a {P} en su primer día en {F}.",
        "Me encontré a {G} en el mercado y te manda saludos.",
        "El Sr. {S} no ha pagado todavía el alquiler de marzo.",
        "Qué buen día con {P} y {P2} en la sierra.",
        "Un beso a {G}, {G2} y a los peques.",
        "Ayer vi a {P} en el centro, está igual.",
    ),
    "it": (
        "Grazie a {G} e {G2} per la bellissima serata!",
        "Ieri sera a cena da {P}, poi è arrivata anche {G2f}.",
        "Medico di base: dott. {S}, ambulatorio di {C}",
        "Richiamare la sig.ra {S} per la bolletta {F}.",
        "Questo weekend si va a {C} con {G}, non vedo l'ora!",
        "Buon compleanno {G}, un abbraccio forte!",
        "Referente: {P}",
        "{G} mi ha detto che il treno per {C} è in ritardo.",
        "Oggi i bambini li prende {G}, io esco tardi dall'ufficio.",
        "In bocca al lupo a {P} per il nuovo lavoro da {F}.",
        "Ho incontrato {G} al mercato, ti saluta tanto.",
        "La dott.ssa {S} ha spostato la visita a giovedì.",
        "Che bella giornata con {P} e {P2} al lago.",
        "Un bacio a {G}, {G2} e ai bambini!",
        "Ho rivisto {P} ieri, sempre uguale.",
    ),
    "nl": (
        "Bedankt {G} en {G2} voor de gezellige avond!",
        "Gisteren bij {P} gegeten, {G2} kwam later nog langs.",
        "Huisarts: dokter {S}, praktijk in {C}",
        "Graag terugbellen naar mevrouw {S} over de rekening van {F}.",
        "Dit weekend gaan we met {G} naar {C}, zin in!",
        "Gefeliciteerd {G}, geniet van je dag!",
        "Contactpersoon: {P}",
        "{G} zegt dat de trein naar {C} vertraging heeft.",
        "Vandaag haalt {G} de kinderen op, ik werk tot laat.",
        "Veel succes aan {P} bij de nieuwe baan bij {F}.",
        "Ik kwam {Gf} tegen op de markt, ze doet je de groeten.",
        "Meneer {S} heeft de huur van maart nog niet betaald.",
        "Wat een mooie dag met {P} en {P2} aan zee.",
        "Groetjes aan {G}, {G2} en de kleintjes!",
        "Gisteren {P} weer gezien, nog steeds dezelfde.",
    ),
    "pl": (
        "Dzięki {G:dat} i {G2:dat} za świetny wieczór!",
        "Wczoraj byliśmy na kolacji u {P:gen}, a na deser przyszli jeszcze {G2} i {G3}.",
        "Lekarz prowadzący: dr {S}, przychodnia: {C}",
        "Proszę oddzwonić do {P:gen} w sprawie faktury z {F}.",
        "W weekend jedziemy z {G:ins} w góry, nie mogę się doczekać!",
        "Wszystkiego najlepszego, {G}!",
        "Osoba do kontaktu: {P}",
        "{G} pisze, że pociąg ma godzinę opóźnienia.",
        "Dzisiaj dzieci odbiera {G}, ja pracuję do późna.",
        "Powodzenia dla {P:gen} w nowej pracy w {F}!",
        "Byłem wczoraj u {G:gen}, pozdrawia cię.",
        "Rozmawiałam wczoraj z {P:ins} o mieszkaniu.",
        "Prezent kupiliśmy razem z {G:ins} i {G2:ins}.",
        "Cudowny dzień nad jeziorem z {P:ins} i {P2:ins}.",
        "Buziaki dla {G:gen}, {G2:gen} i dzieciaków!",
        "Wczoraj widziałem się z {Pm:ins}, w ogóle się nie zmienił.",
    ),
    "pt": (
        "Obrigado ao {Gm} e à {G2f} pelo jantar de ontem!",
        "Ontem fomos jantar a casa do {Pm}, a {G2f} chegou mais tarde.",
        "Médico de família: Dr. {S}, centro de saúde de {C}",
        "Por favor ligar à D. {Pf} por causa da fatura da {F}.",
        "Este fim de semana vamos a {C} com o {Gm}, que saudades!",
        "Parabéns, {G}! Um beijinho enorme.",
        "Pessoa de contacto: {P}",
        "O {Gm} diz que o comboio para {C} está atrasado.",
        "Hoje quem vai buscar os miúdos é a {Gf}, eu saio tarde.",
        "Boa sorte ao {Pm} no novo emprego na {F}.",
        "Encontrei a {Gf} no mercado, manda-te cumprimentos.",
        "A {Gf} e o {G2m} já chegaram a {C}.",
        "Que dia incrível com a {Pf} e o {P2m} na praia.",
        "Beijinhos para a {Gf}, o {G2m} e os miúdos!",
        "Ontem revi o {Pm}, está igual.",
    ),
}

# sentences with capitals and no person: nouns, places, firms, days
_NO_PERSON: dict[str, tuple[str, ...]] = {
    "de": (
        "Der Zug nach {C} hat wieder Verspätung, die Bahn entschuldigt sich.",
        "Morgen ist Elternabend in der Schule, bitte Hausschuhe mitbringen.",
        "Die Rechnung von {F} kam heute, der Betrag stimmt nicht.",
        "Am Samstag ist Flohmarkt am Rathausplatz in {C}.",
        "Kuchen, Kaffee und Sekt stehen in der Küche bereit.",
        "Wegen Bauarbeiten bleibt die Filiale in {C} bis Montag geschlossen.",
        "Danke für die Blumen, die Überraschung ist gelungen!",
        "Viele Grüße aus dem Urlaub, das Hotel ist wunderschön.",
        "Hat jemand Lust auf Kino am Donnerstag?",
    ),
    "fr": (
        "Le train pour {C} est supprimé à cause de la grève.",
        "Réunion des parents d'élèves jeudi à la Mairie de {C}.",
        "La facture {F} est arrivée, le montant est faux.",
        "Marché de Noël sur la Place de la République ce samedi.",
        "Merci pour les fleurs, quelle belle surprise !",
        "Bonnes vacances à tous, à la rentrée !",
        "Quelqu'un pour un ciné jeudi soir ?",
    ),
    "es": (
        "El tren a {C} llega con retraso por obras en la vía.",
        "La factura de {F} ha llegado con un importe equivocado.",
        "El sábado hay mercadillo en la Plaza Mayor de {C}.",
        "Feliz Navidad y próspero Año Nuevo a todos.",
        "Gracias por las flores, ¡qué sorpresa!",
        "¿Alguien se apunta al cine el jueves?",
        "Felices vacaciones a todos, nos vemos en septiembre.",
    ),
    "it": (
        "Il treno per {C} è stato soppresso per lo sciopero.",
        "La bolletta {F} è arrivata con un importo sbagliato.",
        "Sabato c'è il mercatino in Piazza Garibaldi a {C}.",
        "Buon Natale e felice Anno Nuovo a tutti!",
        "Grazie per i fiori, che bella sorpresa!",
        "Qualcuno viene al cinema giovedì?",
        "Buone vacanze a tutti, ci vediamo a settembre.",
    ),
    "nl": (
        "De trein naar {C} rijdt vandaag niet door werkzaamheden.",
        "De rekening van {F} klopt niet, het bedrag is te hoog.",
        "Zaterdag is er markt op de Grote Markt in {C}.",
        "Fijne Kerstdagen en een gelukkig Nieuwjaar!",
        "Bedankt voor de bloemen, wat een verrassing!",
        "Heeft iemand zin in de bioscoop donderdag?",
        "Fijne vakantie allemaal, tot september!",
    ),
    "pl": (
        "{C}: pociąg jest dziś odwołany z powodu remontu.",
        "Faktura z {F} przyszła z błędną kwotą.",
        "W sobotę na Rynku jest jarmark, a {C} świętuje dni miasta.",
        "Wesołych Świąt i Szczęśliwego Nowego Roku!",
        "Dzięki za kwiaty, co za niespodzianka!",
        "Ktoś ma ochotę na kino w czwartek?",
        "Udanych wakacji, do zobaczenia we wrześniu!",
    ),
    "pt": (
        "O comboio para {C} foi suprimido por causa da greve.",
        "A fatura da {F} chegou com o valor errado.",
        "No sábado há feira na Praça da República em {C}.",
        "Feliz Natal e um Bom Ano Novo para todos!",
        "Obrigado pelas flores, que surpresa!",
        "Alguém quer ir ao cinema na quinta?",
        "Boas férias a todos, até setembro!",
    ),
}

# lists of common things (an instruction set is full of them): no person, whatever the case
_NOUNS: dict[str, tuple[str, str]] = {  # (nouns, how the last one is joined)
    "en": (
        "apples pears plums hammers saws drills foxes otters herons copper zinc tin "
        "violet amber teal wool linen silk",
        "and",
    ),
    "de": (
        "Äpfel Birnen Pflaumen Hammer Sägen Bohrer Füchse Otter Reiher Kupfer Zink Zinn "
        "Wolle Leinen Seide Bäcker Tischler Gärtner",
        "und",
    ),
    "fr": (
        "pommes poires prunes marteaux scies perceuses renards loutres hérons cuivre zinc "
        "étain laine lin soie boulanger menuisier jardinier",
        "et",
    ),
    "es": (
        "manzanas peras ciruelas martillos sierras taladros zorros nutrias garzas cobre "
        "zinc estaño lana lino seda panadero carpintero jardinero",
        "y",
    ),
    "it": (
        "mele pere prugne martelli seghe trapani volpi lontre aironi rame zinco stagno "
        "lana lino seta fornaio falegname giardiniere",
        "e",
    ),
    "nl": (
        "appels peren pruimen hamers zagen boren vossen otters reigers koper zink tin "
        "wol linnen zijde bakker timmerman tuinman",
        "en",
    ),
    "pl": (
        "jabłka gruszki śliwki młotki piły wiertarki lisy wydry czaple miedź cynk cyna "
        "wełna len jedwab piekarz stolarz ogrodnik",
        "i",
    ),
    "pt": (
        "maçãs peras ameixas martelos serras berbequins raposas lontras garças cobre "
        "zinco estanho lã linho seda padeiro carpinteiro jardineiro",
        "e",
    ),
}
_LIST_FRAMES = ("{}: {}.", "{}", "{}.", "- {}")
_LIST_LEADS = {
    "en": "Name three of them",
    "de": "Nenne drei davon",
    "fr": "Cite trois exemples",
    "es": "Nombra tres",
    "it": "Elenca tre esempi",
    "nl": "Noem er drie",
    "pl": "Wymień trzy",
    "pt": "Indica três",
}


def noun_list(lang: str, rng: random.Random) -> str:
    """Three or four common nouns joined as a list, capitalised or not, in a frame."""
    nouns, joiner = _NOUNS[lang]
    words = rng.sample(nouns.split(), rng.choice((3, 4)))
    if rng.random() < 0.3:
        words = [w[:1].upper() + w[1:] for w in words]
    body = f"{', '.join(words[:-1])} {joiner} {words[-1]}"
    frame = rng.choice(_LIST_FRAMES)
    return frame.format(_LIST_LEADS[lang], body) if frame.startswith("{}:") else frame.format(body)


_SLOT = re.compile(r"\{([PGSCF])(\d?)([mf]?)(?::([a-z]+))?\}")


def render(
    frame: str, lang: str, rng: random.Random, folks: list[Person]
) -> tuple[str, set[tuple[int, int]]]:
    """``frame`` filled in; the character spans of the names in it."""
    chosen: dict[str, Person] = {}
    out: list[str] = []
    spans: set[tuple[int, int]] = set()
    pos = 0
    at = 0
    for m in _SLOT.finditer(frame):
        out.append(frame[pos : m.start()])
        at += m.start() - pos
        kind, nth, sex, case = m.group(1), m.group(2) or "1", m.group(3), m.group(4) or "nom"
        if kind in "PGS":
            if nth not in chosen:
                pool = [p for p in folks if not sex or p.woman == (sex == "f")]
                chosen[nth] = rng.choice(pool)
            person = chosen[nth]
            given, surname = person.given[case], person.surname[case]
            value = {"P": f"{given} {surname}", "G": given, "S": surname}[kind]
            spans.add((at, at + len(value)))
        elif kind == "C":
            value = _pick(rng, _CITIES[lang])
        else:
            value = _pick(rng, _FIRMS[lang])
        out.append(value)
        at += len(value)
        pos = m.end()
    out.append(frame[pos:])
    return "".join(out), spans


_EMOJI = "🎉 😋 🥰 ❤️ 😂 🙏 🏔️ ☀️ 🍷 👍 💪 🎂"
_TAGS = "#weekend #family #friends #urlaub #vacances #verano #estate #zomer #wakacje #férias"


def generate(n: int, seed: int = 0) -> list[tuple[str, set[tuple[int, int]]]]:
    """``n`` sentences, one language at a time in turn; a third name no one (half of
    those are lists of common things). A third of the rest are dressed as a post (an
    emoji after a clause, hashtags at the end), since personal text is often written so."""
    rng = random.Random(seed)
    folks = {lang: people(lang) for lang in LANGUAGES}
    out = []
    for k in range(n):
        lang = LANGUAGES[k % len(LANGUAGES)]
        if k % 6 == 5:  # a sixth: a list of common things, English too
            out.append((noun_list(rng.choice((lang, "en")), rng), set()))
            continue
        pool = _NO_PERSON[lang] if k % 3 == 2 else _FRAMES[lang]
        text, spans = render(rng.choice(pool), lang, rng, folks[lang])
        if rng.random() < 1 / 3:
            text, spans = _as_post(text, spans, rng)
        out.append((text, spans))
    return out


def _as_post(
    text: str, spans: set[tuple[int, int]], rng: random.Random
) -> tuple[str, set[tuple[int, int]]]:
    # after a comma, "!" or a full stop that ends a word (not "M." or "Dr.")
    cut = [m.end() for m in re.finditer(r"(?:[,!]|(?<=[^\W\d_]{4})\.)(?= )", text)]
    cut = [c for c in cut if not any(a < c <= b for a, b in spans)]
    if cut:
        at = rng.choice(cut)
        add = " " + rng.choice(_EMOJI.split())
        text = text[:at] + add + text[at:]
        spans = {(a + len(add), b + len(add)) if a >= at else (a, b) for a, b in spans}
    text += " " + rng.choice(_EMOJI.split())
    if rng.random() < 0.5:
        text += " " + " ".join(rng.sample(_TAGS.split(), 2))
    return text, spans


def names_in_lists() -> frozenset[str]:
    """Every word of a first name or surname (every form) the sentences can hold,
    case-folded; not the particles of a Dutch surname ("de", "van", "der")."""
    words: set[str] = set()
    for lang in LANGUAGES:
        for p in people(lang):
            for form in list(p.given.values()) + list(p.surname.values()):
                words.update(w.casefold() for w in form.split())
    return frozenset(words - _PARTICLES)


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    for text, spans in generate(n, seed):
        print(json.dumps({"text": text, "spans": sorted(spans)}, ensure_ascii=False))
