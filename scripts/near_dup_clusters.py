"""Near-duplicate clusters for splitting benchmark sets into halves.

Variants of one prompt (a jailbreak reworded, a template filled twice) must stay on one
side of a dev/held-out split, or the held-out half measures what the dev half taught.
Two texts are linked when the Jaccard similarity of their casefolded word 5-grams is at
least 0.5; clusters are the links closed under union-find.
"""

from __future__ import annotations

import re
from collections import defaultdict

_W = re.compile(r"\w+")


def near_duplicate_roots(texts: list[str], jaccard: float = 0.5) -> list[int]:
    """The smallest index among each text's cluster: the benches hash that member's text
    to pick a half, so it must not depend on the order links are found in (a set's
    iteration order changes with each process's hash seed). A text with no word is a
    cluster of its own."""
    shingles = []
    for t in texts:
        w = _W.findall(t.casefold())
        shingles.append({" ".join(w[i : i + 5]) for i in range(max(1, len(w) - 4))} if w else set())
    parent = list(range(len(texts)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    index: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(shingles):
        for g in s:
            index[g].append(i)
    for i, s in enumerate(shingles):
        seen: set[int] = set()
        for g in s:
            for j in index[g]:
                if j < i and j not in seen:
                    seen.add(j)
                    if len(s & shingles[j]) / len(s | shingles[j]) >= jaccard:
                        a, b = find(i), find(j)
                        parent[max(a, b)] = min(a, b)
    return [find(i) for i in range(len(texts))]
