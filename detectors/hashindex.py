"""A set of 64-bit keys with the row that first had each, held in sorted numpy runs.

Per-row state in columnar arrays (16 bytes a row) rather than Python objects (~200),
so exact dedup over tens of millions of rows stays in memory. Runs merge like a binary
counter, so inserts cost O(log n) amortised merges and lookups search O(log n) runs.
"""

from __future__ import annotations

import numpy as np


class HashIndex:
    def __init__(self) -> None:
        self._keys: list[np.ndarray] = []
        self._rows: list[np.ndarray] = []

    def __len__(self) -> int:
        return sum(len(k) for k in self._keys)

    def lookup(self, keys: np.ndarray) -> np.ndarray:
        """The first row for each key, or -1 where the key is new."""
        out = np.full(len(keys), -1, dtype=np.int64)
        for run_keys, run_rows in zip(self._keys, self._rows, strict=True):
            pos = np.searchsorted(run_keys, keys)
            pos[pos == len(run_keys)] = 0
            hit = (run_keys[pos] == keys) & (out < 0)
            out[hit] = run_rows[pos[hit]]
        return out

    def add(self, keys: np.ndarray, rows: np.ndarray) -> None:
        """Insert keys that are not yet present (the caller checks with :meth:`lookup`)."""
        if len(keys) == 0:
            return
        order = np.argsort(keys, kind="stable")
        self._keys.append(keys[order])
        self._rows.append(rows[order])
        while len(self._keys) > 1 and len(self._keys[-1]) >= len(self._keys[-2]):
            k = np.concatenate([self._keys.pop(-2), self._keys.pop()])
            r = np.concatenate([self._rows.pop(-2), self._rows.pop()])
            order = np.argsort(k, kind="stable")
            self._keys.append(k[order])
            self._rows.append(r[order])

    def first_rows(self, keys: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """For each (key, row) in order: the earliest row with that key, counting this batch.

        Rows whose key is new become the first row for it; the index is updated.
        """
        first = self.lookup(keys)
        new = first < 0
        if new.any():
            uniq, idx, inverse = np.unique(keys[new], return_index=True, return_inverse=True)
            new_rows = rows[new]
            first_in_batch = new_rows[idx]
            first[new] = first_in_batch[inverse]
            self.add(uniq, first_in_batch)
        return first
