"""The corpus stage: detectors that need the whole dataset, each with one state per scan.

The scan starts a fresh :class:`~detectors.base.CorpusState` for every corpus detector,
feeds it every chunk in row order after the row stage, and asks it for its findings once
the last chunk is in. States are dropped with the scan: a hash index, a set of
signatures or a matrix of vectors never outlives the scan that built it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from typing import Any

import pyarrow as pa

from detectors.base import CorpusDetector, CorpusState, ScanContext
from gateway.core.scan_types import Findings


class CorpusRun:
    """One scan's corpus states."""

    def __init__(self, detectors: tuple[CorpusDetector, ...], ctx: ScanContext) -> None:
        self.states: list[tuple[str, CorpusState]] = [
            (d.info.name, d.start(ctx)) for d in detectors
        ]

    def observe(
        self, segments: pa.RecordBatch, findings: Findings, timings: defaultdict[str, float]
    ) -> None:
        for name, state in self.states:
            t = time.perf_counter()
            findings.extend(name, state.observe(segments))
            timings[name] += time.perf_counter() - t

    def finalize(self, findings: Findings, timings: defaultdict[str, float]) -> None:
        for name, state in self.states:
            t = time.perf_counter()
            findings.extend(name, state.finalize())
            timings[f"finalize:{name}"] += time.perf_counter() - t

    def summaries(self) -> dict[str, Any]:
        """Dataset-level results by detector (drift's comparison), after finalize."""
        out = {}
        for name, state in self.states:
            summary = state.summary()
            if summary is not None:
                out[name] = summary
        return out
