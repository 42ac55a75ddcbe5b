"""One exception hierarchy for the whole product.

Errors are raised deep in the core and translated only at the edges: the CLI maps
``exit_code`` to the process exit status, the gRPC servicer maps the class to a status
code. Messages say what went wrong, where (file, row, field) and what to do about it.
"""

from __future__ import annotations

from detectors.errors import DetectorConfigError, DetectorError, ModelError

__all__ = [
    "DetectorConfigError",
    "DetectorError",
    "GateFailed",
    "InputError",
    "LimitExceeded",
    "ModelError",
    "PolicyError",
    "TunegateError",
    "UsageError",
    "VerificationError",
]


class TunegateError(Exception):
    """Base of every error tunegate raises on purpose."""

    exit_code: int = 2


class InputError(TunegateError):
    """An input file cannot be read as a dataset (bad format, unknown schema, I/O)."""

    exit_code = 2


class LimitExceeded(InputError):
    """The input is larger than the scan may take (rows counted as parsed, not lines)."""


class PolicyError(TunegateError):
    """The policy file is invalid: unknown keys, wrong types, impossible values."""

    exit_code = 2


class UsageError(TunegateError):
    """The command was called in a way that cannot work (bad flags, existing output)."""

    exit_code = 2


class GateFailed(TunegateError):
    """A dataset-level gate tripped: the job ran, but its clean set must not be used."""

    exit_code = 1


class VerificationError(TunegateError):
    """Published output does not verify against its manifest and trusted keys."""

    exit_code = 3
