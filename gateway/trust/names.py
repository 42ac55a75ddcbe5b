"""One grammar for dataset ids and the token patterns that match them, CLI and gateway alike.

A dataset id names what a signature vouches for and what a token may touch, so two ids
must never look alike: ids are lowercase ASCII segments separated by ``/``, each starting
with a letter or digit, then letters, digits, ``.``, ``_`` or ``-`` (``finance/faq-v2``).
That rules out control characters (a trailing newline once made a look-alike dataset),
``..`` segments (``acme/../finance/payroll`` once signed under an ``acme/*`` key), empty
segments, and case look-alikes (``Finance/faq`` is refused, not a second dataset).

A token pattern is an id in which ``*`` matches any run of characters (``/`` included) and
``?`` one character; nothing else (no character classes, no newlines).
"""

from __future__ import annotations

import re

from gateway.errors import UsageError

MAX_LENGTH = 200
_SEGMENT = r"[a-z0-9][a-z0-9._-]*"
_ID = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})*")
_PATTERN = re.compile(r"[a-z0-9._*?/-]+")
GRAMMAR = (
    "lowercase segments of a-z, 0-9, '.', '_' or '-' separated by '/', each starting with "
    f"a letter or digit, at most {MAX_LENGTH} characters (e.g. finance/faq)"
)


def dataset_id(value: str) -> str:
    """``value`` if it is a valid dataset id; a UsageError naming the rule otherwise."""
    if (
        not isinstance(value, str)
        or len(value) > MAX_LENGTH
        or not _ID.fullmatch(value)
        or any(part in (".", "..") for part in value.split("/"))
    ):
        raise UsageError(f"dataset id {value!r} is not valid: use {GRAMMAR}")
    return value


def dataset_pattern(value: str) -> str:
    """``value`` if it is a valid token pattern over dataset ids."""
    if (
        not isinstance(value, str)
        or len(value) > MAX_LENGTH
        or not _PATTERN.fullmatch(value)
        or any(part in (".", "..") for part in value.split("/"))
    ):
        raise UsageError(
            f"dataset pattern {value!r} is not valid: use dataset ids ({GRAMMAR}) with '*' "
            "for any run of characters and '?' for one, e.g. 'finance/*' or '*'"
        )
    return value
