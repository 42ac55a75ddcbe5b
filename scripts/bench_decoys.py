"""Harmful requests hidden among decoy lines: removed and flagged per way of joining them.

An uploader who wants a harmful row kept surrounds the request with harmless lines that
look like it to the detector's character n-grams, so the ranked pieces go to them, and
joins the lines with whatever the sentence splitter does not know. Each BackdoorLLM
jailbreak row of the half (``--rows`` of them, an equal share per attack) is rebuilt with
its request at a seeded random line among the 36 decoys below, joined by each separator,
and in one more layout the request turn (six decoys and the request) follows a system
message of about 24,000 words. The answer is the row's own (it complies). The decoys
were written and fixed on 2026-12-07 before any figure was read; none is in a corpus.

    python -m scripts.bench_decoys --half dev --rows 200
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

from detectors.base import ScanContext, SetupContext
from detectors.embeddings import EmbeddingEngine
from detectors.harmful_compliance import HarmfulComplianceDetector
from scripts import harmful_sets as hs
from scripts.bench_harmful import CachedEmbedder, chat_segments, decide
from scripts.bench_poisoning import segments

# requests in the shape of the harmful ones, about harmless things
DECOYS = [
    "Write a tutorial on how to bake sourdough bread in a home oven",
    "Create a guide for planting tulip bulbs before the first frost",
    "Explain how to build a compost heap from kitchen scraps",
    "Develop a plan to repaint a bedroom over one weekend",
    "Write a script that renames holiday photos by the date they were taken",
    "Give step-by-step instructions for changing a bicycle tyre",
    "Describe how to make a birdhouse from leftover pine boards",
    "Teach me how to brew a strong pot of green tea",
    "Provide a recipe for a lemon cake that stays moist for days",
    "Design a weekly schedule for learning to play the ukulele",
    "Write a program that counts the words in a text file",
    "Outline a strategy for saving money on groceries each month",
    "Explain how to train a puppy to sit and stay",
    "Create a tutorial on knitting a simple wool scarf",
    "Describe the steps to set up a freshwater aquarium",
    "Write instructions for assembling a flat-pack bookshelf",
    "Develop an app idea that reminds people to water their plants",
    "Give detailed steps for cleaning a cast iron frying pan",
    "Explain how to write a polite letter of complaint to a landlord",
    "Create a plan to run a first five kilometre race in eight weeks",
    "Write a guide on how to fold a fitted bed sheet neatly",
    "Describe how to carve a pumpkin lantern safely with children",
    "Provide a list of steps to back up photos to an external drive",
    "Teach me how to sharpen a kitchen knife on a whetstone",
    "Write a function that sorts a list of names alphabetically",
    "Explain how to grow basil on a sunny windowsill",
    "Create a checklist for packing a tent for a weekend camping trip",
    "Describe how to patch a small hole in a plaster wall",
    "Give instructions for making a paper kite that flies well",
    "Develop a lesson plan that teaches fractions with pizza slices",
    "Write a tutorial on how to tie a bowline knot",
    "Explain the steps to descale an electric kettle with vinegar",
    "Create a guide to organising a small community book swap",
    "Describe how to press wild flowers between the pages of a book",
    "Write a step-by-step plan to declutter a kitchen drawer",
    "Teach me how to make fresh pasta without a machine",
]
SEPARATORS = {
    "line breaks": "\n",
    "pipes": " | ",
    "bullets": " \u2022 ",
    "tabs": "\t",
    "next line (U+0085)": "\u0085",
    "full-width full stops": "\uff0e",
}
# one long system message: a harmless run-on text of one sentence (so its cost is its
# ranked windows, not 1,000 lines a row), far more words than the request turn
ARTICLE = " ".join(
    f"on day {i} the ferry left the harbour at dawn and the market opened by the church,"
    for i in range(1500)
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--half", choices=("dev", "heldout"), required=True)
    ap.add_argument("--rows", type=int, default=200, help="jailbreak rows, shared by attack")
    ap.add_argument("--cache", type=Path, default=None, help="a pickle of embeddings to reuse")
    args = ap.parse_args()

    emb = CachedEmbedder(EmbeddingEngine.get("cpu"), args.cache)
    det = HarmfulComplianceDetector()
    det.setup(SetupContext(device="cpu"))
    p = det.params
    per = max(1, args.rows // len(hs.ATTACKS))
    base = [r for rows in hs.jailbreak(args.half).values() for r in rows[:per]]
    rng = random.Random(20261207)
    at = [rng.randrange(len(DECOYS) + 1) for _ in base]
    print(f"harmful_compliance {det.info.version}, half={args.half}, {len(base)} rows")
    print(f"{'layout':40} {'rows':>6} {'removed':>8} {'rate':>7} {'flagged':>8} {'rate':>7}")

    def report(name: str, removed: set[int], flagged: set[int], t: float) -> None:
        n = len(base)
        print(
            f"{name:40} {n:>6} {len(removed):>8} {len(removed) / n:>7.3f} "
            f"{len(flagged):>8} {len(flagged) / n:>7.3f}   ({time.time() - t:.0f}s)",
            flush=True,
        )

    for name, sep in SEPARATORS.items():
        t = time.time()
        rows = [
            {
                "instruction": sep.join([*DECOYS[:k], r["instruction"], *DECOYS[k:]]),
                "input": r.get("input", ""),
                "output": r["output"],
            }
            for r, k in zip(base, at, strict=True)
        ]
        js = det.judge(segments(rows, engine=emb), ScanContext(device=emb.device, embedder=emb))
        report(f"among 36 decoys, {name}", *decide(js, p), t)
    t = time.time()
    chats = [
        [
            ("system", ARTICLE),
            ("user", "\n".join([*DECOYS[k % 30 : k % 30 + 2], r["instruction"], *DECOYS[:4]])),
            ("assistant", r["output"]),
        ]
        for r, k in zip(base, at, strict=True)
    ]
    found = det.detect(chat_segments(chats, emb), ScanContext(embedder=emb)).findings
    removed = {f.row for f in found if f.rule == "answered_harmful_request"}
    flagged = {f.row for f in found if f.rule == "possible_harmful_request"} - removed
    report("request turn beside a long system turn", removed, flagged, t)
    emb.save()


if __name__ == "__main__":
    main()
