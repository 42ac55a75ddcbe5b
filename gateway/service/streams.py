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


HEALTH_THREADS = 2  # threads no authenticated call may take: health and reflection only


class CallGate:
    """Authenticated calls running at once, capped below the server's threads.

    A gRPC server has one thread pool for every service; a slow reader of PullShard or a
    flood of unary calls could otherwise take every thread and leave health checks
    queued. A call past the cap is refused at once (RESOURCE_EXHAUSTED) on the thread it
    was given, and counted only while its handler runs, so a call cancelled before it
    starts can never leak a slot."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._running = 0
        self._lock = threading.Lock()

    def enter(self) -> bool:
        with self._lock:
            if self._running >= self.limit:
                return False
            self._running += 1
            return True

    def leave(self) -> None:
        with self._lock:
            self._running -= 1

    @property
    def running(self) -> int:
        return self._running
