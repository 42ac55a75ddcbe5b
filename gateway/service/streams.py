"""How many ``Scan`` streams may be open at once, per token and in all.

Each open stream holds one of the server's RPC threads until its last message. Idle
streams once held all sixteen, and every other call (health checks included) hung. The
gate counts streams from the moment the handler runs and refuses past either cap, leaving
``RESERVED`` threads for every other call.
"""

from __future__ import annotations

import threading
from collections import Counter

RESERVED = 4  # threads no Scan stream may take: health, status, pulls


class StreamGate:
    def __init__(self, per_token: int, total: int) -> None:
        self.per_token, self.total = per_token, total
        self._open: Counter[str] = Counter()
        self._lock = threading.Lock()

    def enter(self, token_id: str) -> str | None:
        """None when the stream may proceed (and is counted); otherwise why not."""
        with self._lock:
            if self._open[token_id] >= self.per_token:
                return (
                    f"this token already has {self._open[token_id]} Scan streams open (limit "
                    f"{self.per_token}); finish or cancel one first"
                )
            if sum(self._open.values()) >= self.total:
                return f"the server has {self.total} Scan streams open, its limit; retry later"
            self._open[token_id] += 1
            return None

    def leave(self, token_id: str) -> None:
        with self._lock:
            self._open[token_id] -= 1
            if self._open[token_id] <= 0:
                del self._open[token_id]
