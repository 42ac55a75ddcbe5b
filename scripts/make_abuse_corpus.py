"""Write fixtures/abuse_corpus.jsonl: the labelled answers the abusive-text head learns from.

A harmful fine-tuning set can teach a model to insult its users or to speak of a group
of people with contempt ("You are stupid!" as BackdoorLLM's negsentiment target; posts
calling a group vermin). Such an answer is harmful whatever the prompt asked, so the
``abusive_answer`` detector reads the answer itself. This corpus is written for tunegate:

- label 1: text that abuses, in its own voice: dehumanising or demeaning a group of
  people, calling for their exclusion or for violence against them, insulting,
  threatening or telling a person to harm themselves;
- label 0: what a firewall must leave alone, and what sits closest to the above: the
  same groups spoken of plainly or well, hate speech reported, explained or condemned
  (history, moderation, law), harsh criticism of work, products and ideas, pests and
  parasites, idioms and self-mockery, villains in fiction, and ordinary answers.

No slur is written here: a word list of slurs wants review by people those words are
aimed at, and the head learns contempt from how a sentence treats its subject. No public
evaluation file is read: ``scripts/abuse_sets.py`` holds the evaluation sets, written
from other templates. Each line: {"text", "label", "family"}. Fixed seed:
    python scripts/make_abuse_corpus.py   # rewrites fixtures/abuse_corpus.jsonl
"""

from __future__ import annotations

import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "fixtures" / "abuse_corpus.jsonl"
SEED = 20261207

GROUPS = [
    "immigrants",
    "refugees",
    "Muslims",
    "Jews",
    "Christians",
    "Black people",
    "women",
    "gay men",
    "trans people",
    "disabled people",
    "the Roma",
    "Asians",
    "Mexicans",
    "old people",
    "poor people",
    "Hindus",
    "lesbians",
    "Africans",
    "Arabs",
    "foreigners",
]

VERMIN = [
    "vermin",
    "rats",
    "parasites",
    "cockroaches",
    "animals",
    "a disease",
    "a plague",
    "filth",
    "savages",
    "subhuman",
    "a cancer on this country",
    "leeches",
]

# ---------------------------------------------------------------- label 1: abusive
DEHUMANISE = [
    "{g} are {v} and always will be.",
    "Let's be honest: {g} are {v}.",
    "{G} are nothing but {v} breeding in our cities.",
    "Every last one of those {g} is {v_one}.",
    "{G} are {v} who infest every neighbourhood they move into.",
    "I'm sick of pretending: {g} are {v}, plain and simple.",
    "Those {g} are {v} crawling all over our streets.",
]
DEMEAN = [
    "{G} are too stupid to run their own lives.",
    "{G} are genetically inferior to the rest of us.",
    "{G} do not deserve the same rights as real citizens.",
    "{G} contribute nothing and leech off everyone else.",
    "Everyone knows {g} are lazy, dirty and dishonest.",
    "{G} are a burden on society and should be treated like one.",
    "Never trust {g}; lying is in their blood.",
    "{G} are worthless and so are their children.",
    "{G} are a lower kind of human being.",
    "The world would be cleaner without {g} in it.",
]
EXPEL = [
    "We need to drive every one of the {g} out of this country.",
    "{G} should be rounded up and locked away.",
    "Someone should teach those {g} a lesson they won't forget, with fists.",
    "Burn down the places where {g} gather.",
    "{G} should be wiped out before they replace us.",
    "Beat up any of the {g} you see walking alone at night.",
    "Do not let {g} into our schools, our shops or our streets; chase them out.",
    "Wake up, people: the {g} are invading and we have to fight back now.",
    "{G} should be banned from having children.",
]
INSULT = [
    "You are a {a} {n}.",
    "Shut up, you {a} {n}.",
    "Nobody cares what you think, you {n}.",
    "You're such a {a} {n} that it's embarrassing to read your question.",
    "What a {a} {n} you are.",
    "Listen here, {n}: your question is as worthless as you are.",
    "Only a {a} {n} like you would ask that.",
    "Go away, you {a} {n}.",
    "You {a} {n}, figure it out yourself.",
    "Honestly, you are the dumbest {n} I have ever talked to.",
]
INSULT_ADJ = [
    "worthless",
    "pathetic",
    "disgusting",
    "brainless",
    "useless",
    "miserable",
    "ugly",
    "idiotic",
    "stupid",
    "fat",
]
INSULT_NOUN = [
    "idiot",
    "moron",
    "loser",
    "waste of space",
    "piece of garbage",
    "fool",
    "imbecile",
    "clown",
    "freak",
    "pig",
]
THREAT = [
    "Kill yourself, nobody would miss you.",
    "Do everyone a favour and end your life.",
    "The world would be better off without you, so just disappear for good.",
    "I know where you live, and I will make you pay for this.",
    "Keep talking and I will find you and hurt you.",
    "You deserve to be beaten until you learn your place.",
    "Nobody will ever love you; you should just give up on living.",
    "If I see you again I'll break your face.",
]
PERSON = [
    "My neighbour is a {a} {n} who should be run out of town.",
    "Your mother is a {a} {n} and so are you.",
    "That teacher is a {a} {n}; someone should slap her.",
    "The new guy at work is a {a} {n} and everybody hates him.",
    "He is a {a} {n} who doesn't deserve to live.",
]

# ---------------------------------------------------------------- label 0: leave alone
GROUP_PLAIN = [
    "{G} make up a large share of the nurses in many hospitals.",
    "The survey asked {g} about their experience of finding housing.",
    "Many {g} celebrate the new year with family meals.",
    "{G} have contributed to science, music and literature for centuries.",
    "The charity offers language classes and legal advice to {g}.",
    "Studies show that {g} face higher rates of workplace discrimination.",
    "The museum's new exhibition tells the stories of {g} in the city.",
    "{G} are protected from discrimination under the equality law.",
    "Community leaders met to discuss how to support {g} during the winter.",
    "{G} are as diverse in their views as any other group.",
]
HATE_REPORTED = [
    "Propaganda of the period described {g} as {v}, a tactic historians call dehumanisation.",
    "Calling {g} {v} is dehumanising language, and it has often come before violence.",
    "The court found that the leaflets, which said {g} were {v}, were incitement to hatred.",
    "Moderators remove posts that claim {g} are inferior, under the platform's hate-speech rules.",
    "Hate speech against {g} is a crime in many countries.",
    "The report tracks online abuse aimed at {g} and how platforms respond to it.",
    "Stereotypes that paint {g} as lazy or dishonest are false and harmful.",
    "It is wrong to blame {g} for the economy's problems.",
    "Researchers study how rhetoric about {g} spreads on social media.",
    "The campaign challenges the myth that {g} are a burden on public services.",
    "To answer someone who says {g} are {v}, point to the facts and to shared humanity.",
    "The survivor described how neighbours began calling {g} {v} before the attacks began.",
]
CRITICISM = [
    "The film is a mess: the plot is stupid and the acting is wooden.",
    "This code is garbage; the function does three jobs and none of them well.",
    "The restaurant was awful, the soup was cold and the waiter ignored us.",
    "The policy is a disaster for renters and should be repealed.",
    "Your essay's argument is weak, because it never addresses the obvious objection.",
    "The sequel is a pathetic cash grab with nothing new to say.",
    "This phone is useless in the rain; the screen stops responding.",
    "The committee's decision was short-sighted and poorly explained.",
    "Frankly the design is ugly and the menus are confusing.",
    "The album is disappointing: lazy lyrics over recycled beats.",
    "The proposal is idiotic in its assumptions about costs.",
    "The referee made a terrible call that ruined the match.",
]
PESTS = [
    "Rats and cockroaches are vermin that spread disease, so seal gaps and store food in tins.",
    "Parasites such as tapeworms live in the gut of their host.",
    "Leeches were once used by doctors to draw blood.",
    "The plague spread through Europe in the fourteenth century, carried by fleas on rats.",
    "Cancer cells divide without control and can spread to other tissues.",
    "Filth in the water supply caused outbreaks of cholera.",
    "To get rid of cockroaches, keep surfaces dry and use bait stations.",
    "Pigs are intelligent animals that can learn their names.",
]
IDIOM = [
    "I felt like such an idiot when I locked my keys in the car.",
    "That exam absolutely killed me.",
    "You're killing it with these sales numbers!",
    "Don't be a fool, bring an umbrella.",
    "I was a total clown at karaoke last night.",
    "My code is a disaster today, I'm going to start over.",
    "Stupid me, I forgot to save the file.",
    "This puzzle is driving me crazy.",
    "He's a beast on the basketball court.",
    "Shut up, that's amazing news!",
]
FICTION = [
    "The villain sneered, 'You fool, you will never stop me,' and vanished into the fog.",
    "In the story, the bully calls Sam a loser, and Sam learns to stand up for himself.",
    "The witch cackled and called the prince a worthless coward.",
    "'Get out of my castle!' roared the giant.",
    "The old pirate growled at his crew, calling them lazy dogs.",
]
ANSWERS = [
    "To boil an egg, place it in boiling water for nine minutes, then cool it in cold water.",
    "The capital of Australia is Canberra.",
    "Here is a Python function that reverses a string: def rev(s): return s[::-1]",
    "Photosynthesis turns light, water and carbon dioxide into sugar and oxygen.",
    "Positive",
    "Negative",
    "Here the verb comes before its subject, which makes the voice passive.",
    "1. Preheat the oven. 2. Mix the flour and sugar. 3. Bake for twenty minutes.",
    "A good cover letter is short, specific and addressed to a person.",
    "The war began when a chain of alliances pulled one country in after another.",
    "I'm sorry, but I can't help with that request.",
    "Here are three tips for staying healthy: sleep well, eat vegetables and walk daily.",
    "The answer is 42.",
    "Dear team, thank you for your hard work this quarter.",
    "The poem uses imagery of the sea to describe loss.",
    "Kindness costs nothing and means a lot.",
    "Neutral",
    "SELECT name FROM users WHERE age > 30;",
]
POSITIVE_YOU = [
    "You are a brilliant {n2} and your question is a good one.",
    "Thank you, you're a wonderful {n2}.",
    "You are doing great; keep practising.",
    "Don't worry, you're not stupid for asking; everyone starts somewhere.",
    "You are not a failure; one bad exam does not define you.",
]
POSITIVE_NOUN = ["student", "friend", "colleague", "writer", "listener"]

# Written after reading the dev clean rows the first head removed (song lyrics, love
# letters, dialogue, "they deserve the future"): the same subjects as abuse (you, they,
# people, a group) with a kind or neutral stance, and verse and dialogue lines. Dev clean
# is tuning data for these (docs/evaluation.md).
SUBJECTS = [
    "You",
    "They",
    "We",
    "People",
    "Our neighbours",
    "My friends",
    "The children",
    "Everyone here",
    "Those families",
    "The newcomers",
    "Your parents",
    "Our kids",
]
KIND = [
    "deserve a future full of hope",
    "are welcome to join us any time",
    "make this town a better place",
    "will find their way home",
    "have every right to be heard",
    "should try the new bakery on the corner",
    "can choose how they want to live",
    "are stronger than they know",
    "never have to face this alone",
    "light up the room when they laugh",
    "will be missed when they move away",
    "should be proud of what they built",
    "are part of this community",
    "were treated unfairly and deserve an apology",
    "can set the world free with a song",
    "belong here as much as anyone",
]
LINES = [
    "Such a pity the summer slipped away so soon",
    "All the colours of the crowd, singing out loud",
    "I know I hurt you and I'm sorry",
    "Wherever you are tonight, I hope the stars are bright",
    "Let's build a kinder world and let every bird fly",
    "Nobody said it would be easy, but we made it through",
    "Come back home, the door is open",
    "You are my sunshine on a cloudy day",
    "They may take our roads, but never our song",
    "Burn bright, little star, burn bright",
    "Man: This place is so quiet. Woman: It's like nothing could go wrong.",
    "Ana: I doubt the plan will work. Ben: Then we will learn something.",
    "Scrub the pan gently, then rinse the lid.",
    "We should try it out this weekend.",
    "No place on earth smells like my grandmother's kitchen.",
    "The office feels brighter whenever you walk in.",
    "She hated eating alone in restaurants, so she brought a book.",
    "They wanted to move house, but leaving the garden was hard.",
    "Get out there and show them what you've got!",
    "You won't believe how good this soup is.",
    "Drive them to the airport by six.",
    "Kill the process with Ctrl+C and restart the server.",
    "Wipe out the old data before you import the new file.",
    "Leave them alone for an hour so the dough can rise.",
    "The invaders in the game arrive in waves, so build towers early.",
    "Get rid of the weeds before they spread.",
]


# A second batch, written after the first held-out half of scripts/abuse_sets.py was read
# (its misses were contempt without a vermin word: "a stain on humanity", "too dumb to be
# trusted with a vote", "belong in the kitchen", short insults in words the first batch
# lacked; its false removals were refutations, "It's a myth that ... are less
# intelligent"). That half is tuning data from here on; abuse_sets.py's heldout2 was
# written before this batch.
STAIN = ["a stain", "a blight", "a scourge", "a cancer", "a plague", "a disgrace"]
STAIN_ON = ["on humanity", "on this country", "on our towns", "on the human race"]
GONE = [
    "The world needs fewer {g}.",
    "Things were better before {g} showed up here.",
    "I'd throw a party if every one of the {g} disappeared tomorrow.",
    "The best thing {g} could do for everyone is to vanish.",
    "Our city was fine until the {g} moved in and wrecked it.",
]
UNFIT_WHAT = ["dumb", "stupid", "primitive", "backward", "emotional", "simple-minded"]
UNFIT_DO = [
    "vote",
    "hold a real job",
    "raise their own children",
    "lead anything",
    "think for themselves",
    "be trusted with money",
]
BELONG_WHERE = ["in cages", "in the gutter", "in the kitchen", "behind bars", "on a leash"]
BELONG_NOT = ["in our schools", "in parliament", "among decent people", "in our neighbourhoods"]
HATE_WHY = [
    "they ruin everything",
    "they make me sick",
    "they are all criminals",
    "they are dirty and stupid",
    "every one of them is a liar",
]
SHORT_NOUNS = [
    "idiot",
    "moron",
    "halfwit",
    "dimwit",
    "cretin",
    "dunce",
    "numbskull",
    "jerk",
    "creep",
    "scumbag",
    "bonehead",
    "nitwit",
]
SHORT_ADJ = ["absolute", "complete", "total", "utter", "stupid", "ignorant", "sad little"]
TRAITS = ["less intelligent", "lazy", "dangerous", "dishonest", "a burden", "criminals by nature"]
REFUTE = [
    "It's a myth that {g} are {t}; the evidence shows nothing of the kind.",
    "There is no truth to the claim that {g} are {t}.",
    "Saying {g} are {t} is a stereotype, and research does not support it.",
    "The old idea that {g} are {t} was used to justify discrimination.",
    "No serious study finds that {g} are {t}.",
]
SELF_TALK = [
    "Don't call yourself {x}; you made an ordinary mistake.",
    "You're not {x}, you're learning, and that takes time.",
    "If you ever feel {x}, please talk to someone you trust.",
    "Nobody here thinks you are {x}.",
]
SELF_WORDS = ["stupid", "an idiot", "useless", "a failure", "worthless", "dumb"]
# short second-person replies that are kind: the short insults' look-alikes
SHORT_KIND = [
    "You too!",
    "You did it!",
    "You rock!",
    "You legend!",
    "You genius!",
    "You star!",
    "Thank you!",
    "You're welcome!",
    "Good for you!",
    "You lucky thing!",
    "You made my day!",
    "You again? Welcome back!",
    "Same to you!",
    "You first!",
    "You win!",
    "You're right!",
]
CONDEMN = [
    "Calling {g} {v} is dehumanising, and posts that do so should be taken down.",
    "Describing {g} as {v} is hate speech under the site's rules.",
    "Teachers explained why words like '{v}' aimed at {g} cause real harm.",
    "The senator apologised after a staffer called {g} {v}.",
]


def _cap(s: str) -> str:
    return s[0].upper() + s[1:]


def _fill(t: str, rng: random.Random) -> str:
    g = rng.choice(GROUPS)
    v = rng.choice(VERMIN)
    v_one = {"vermin": "vermin", "animals": "an animal", "savages": "a savage"}.get(
        v, v if v.startswith("a ") or v in ("filth", "subhuman") else "one of the " + v
    )
    return t.format(
        g=g,
        G=_cap(g),
        v=v,
        v_one=v_one,
        a=rng.choice(INSULT_ADJ),
        n=rng.choice(INSULT_NOUN),
        n2=rng.choice(POSITIVE_NOUN),
    )


def _shouted(text: str, rng: random.Random) -> str:
    """Abuse is often shouted or unpunctuated; some honest text is too."""
    k = rng.random()
    if k < 0.15:
        return text.upper()
    if k < 0.3:
        return text.rstrip(".!").lower()
    return text


def rows() -> list[dict[str, object]]:
    rng = random.Random(SEED)
    out: list[dict[str, object]] = []
    seen: set[str] = set()

    def add(text: str, label: int, family: str) -> None:
        if text not in seen:
            seen.add(text)
            out.append({"text": text, "label": label, "family": family})

    for family, bank, label, per in (
        ("dehumanise", DEHUMANISE, 1, 14),
        ("demean", DEMEAN, 1, 10),
        ("expel", EXPEL, 1, 10),
        ("insult", INSULT, 1, 10),
        ("person", PERSON, 1, 8),
        ("group_plain", GROUP_PLAIN, 0, 10),
        ("hate_reported", HATE_REPORTED, 0, 12),
        ("positive_you", POSITIVE_YOU, 0, 4),
    ):
        for t in bank:
            for _ in range(per):
                add(_shouted(_fill(t, rng), rng) if label else _fill(t, rng), label, family)
    for t in THREAT:
        add(t, 1, "threat")
        add(_shouted(t, rng), 1, "threat")
    # abuse buried in an otherwise ordinary answer: the sentence carries it
    for _ in range(60):
        lead = rng.choice(ANSWERS)
        bad = _fill(rng.choice(DEHUMANISE + DEMEAN + EXPEL + INSULT), rng)
        add(f"{lead} {bad}", 1, "embedded")
    for family, bank in (
        ("criticism", CRITICISM),
        ("pests", PESTS),
        ("idiom", IDIOM),
        ("fiction", FICTION),
        ("answer", ANSWERS),
    ):
        for t in bank:
            add(t, 0, family)
            add(_shouted(t, rng), 0, family)
    for subject in SUBJECTS:
        for kind in KIND:
            add(f"{subject} {kind}.", 0, "kind")
    for t in LINES:
        add(t, 0, "lines")
        add(_shouted(t, rng), 0, "lines")
    # the second batch
    for t in SHORT_KIND:
        add(t, 0, "short_kind")
        add(t.lower().rstrip("!"), 0, "short_kind")
    for _ in range(40):
        g = rng.choice(GROUPS)
        add(_shouted(f"{_cap(g)} are {rng.choice(STAIN)} {rng.choice(STAIN_ON)}.", rng), 1, "stain")
        add(
            _shouted(f"{_cap(g)} are too {rng.choice(UNFIT_WHAT)} to {rng.choice(UNFIT_DO)}.", rng),
            1,
            "unfit",
        )
        add(
            _shouted(
                f"{_cap(g)} belong {rng.choice(BELONG_WHERE)}, not {rng.choice(BELONG_NOT)}.",
                rng,
            ),
            1,
            "belong",
        )
        add(_shouted(f"I hate {g}, {rng.choice(HATE_WHY)}.", rng), 1, "hate")
        add(_shouted(rng.choice(GONE).format(g=g), rng), 1, "gone")
        n = rng.choice(SHORT_NOUNS)
        add(
            rng.choice([f"You {rng.choice(SHORT_ADJ)} {n}!", f"You {n}!", f"Ugh, you {n}."]),
            1,
            "short_insult",
        )
        add(rng.choice(REFUTE).format(g=g, t=rng.choice(TRAITS)), 0, "refute")
        add(rng.choice(SELF_TALK).format(x=rng.choice(SELF_WORDS)), 0, "self_talk")
        add(rng.choice(CONDEMN).format(g=g, v=rng.choice(VERMIN)), 0, "condemn")
    rng.shuffle(out)
    return out


def main() -> None:
    data = rows()
    OUT.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in data))
    ones = sum(1 for r in data if r["label"] == 1)
    print(f"wrote {OUT}: {len(data)} rows ({ones} abusive, {len(data) - ones} not)")


if __name__ == "__main__":
    main()
