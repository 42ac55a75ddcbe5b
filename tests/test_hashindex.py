from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from detectors.hashindex import HashIndex


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), max_size=30), max_size=12))
def test_first_rows_matches_a_dict(batches: list[list[int]]) -> None:
    index = HashIndex()
    reference: dict[int, int] = {}
    row = 0
    for batch in batches:
        keys = np.array(batch, dtype=np.uint64)
        rows = np.arange(row, row + len(batch), dtype=np.int64)
        got = index.first_rows(keys, rows)
        want = []
        for k, r in zip(batch, rows.tolist(), strict=True):
            want.append(reference.setdefault(k, r))
        assert got.tolist() == want
        row += len(batch)
    assert len(index) == len(reference)
