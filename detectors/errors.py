"""Errors a detector raises; the CLI and the servicer translate them like tunegate's own.

They live here, not in ``gateway.errors``, because detectors never import the gateway.
"""

from __future__ import annotations


class DetectorError(Exception):
    """A detector cannot run as configured."""

    exit_code: int = 2


class ModelError(DetectorError):
    """A model file is missing or its digest does not match the pinned one."""


class DetectorConfigError(DetectorError):
    """Detector parameters that parse but cannot work (say, pseudonyms without a key)."""
