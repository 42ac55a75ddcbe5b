"""Exclusive, non-blocking locks on a file, held by an open descriptor for as long as a
process needs them: one scan per output folder, one server per data dir."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from gateway.errors import UsageError


def hold(path: Path, busy: str) -> int:
    """Lock ``path`` (created 0600 if missing) or raise UsageError(``busy``) at once.

    The lock is released when the returned descriptor is closed, or the process ends; the
    file stays, since removing it would race the next holder. It holds nothing."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise UsageError(busy) from None
    return fd
