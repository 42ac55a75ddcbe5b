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
    """The index of each text's cluster root. Which member is the root depends on the
    order links are found (the benches hash it to pick a half, so it must not change);
    use the roots for membership, not as the smallest member."""
    shingles = []
    for t in texts:
        w = _W.findall(t.casefold())
        shingles.append({" ".join(w[i : i + 5]) for i in range(max(1, len(w) - 4))})
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
                        parent[find(i)] = find(j)
    return [find(i) for i in range(len(texts))]
