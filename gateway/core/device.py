"""Choosing where detectors run: ``--device auto|cpu|cuda``."""

from __future__ import annotations

from detectors.base import Detector
from gateway.errors import UsageError

DEVICES = ("auto", "cpu", "cuda")


def _cuda_available() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return bool(torch.cuda.is_available())


def wants_accelerator(det: Detector) -> bool:
    """Whether a detector has work for a GPU: its own (``uses_device``), or vectors from
    the scan's embedding model, which runs on the resolved device."""
    return det.uses_device or det.needs_embeddings


def resolve_device(requested: str, needed: bool) -> str:
    """The device to use; asking for CUDA where there is none is an error, not a fallback.

    When no enabled detector uses an accelerator, ``auto`` is ``cpu`` without importing
    torch, which keeps plain scans fast to start.
    """
    if requested not in DEVICES:
        raise UsageError(f"--device must be one of {', '.join(DEVICES)}, not {requested!r}")
    if requested == "cpu":
        return "cpu"
    if requested == "cuda":
        if not _cuda_available():
            raise UsageError("--device cuda: no CUDA device is available here; use --device cpu")
        return "cuda"
    if not needed:
        return "cpu"
    return "cuda" if _cuda_available() else "cpu"
