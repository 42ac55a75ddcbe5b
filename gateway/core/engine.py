"""Where a scan's work runs: the engine protocol, and the local engine.

As datatrove keeps executors apart from steps, the pipeline is handed an engine and never
picks one: the CLI chooses (``--engine local|ray``), the gateway uses the local one. An
engine maps chunks to row-stage results, in input order, and says where the corpus
detectors' independent partitions run. gateway/engines/ray_engine.py implements it on
Ray actors; this module knows nothing of Ray.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from detectors.base import PartitionMap, run_locally
from gateway.core.policy import Policy
from gateway.core.row_stage import RowScan, RowStage
from gateway.core.rows import Chunk
from gateway.core.scan_types import RowResult


@dataclass(frozen=True, slots=True)
class RowJob:
    """What an engine needs to run one scan's row stage, here or elsewhere."""

    stage: RowStage  # loaded in this process
    scan: RowScan  # this scan's embedder and contexts, in this process
    policy: Policy  # to load the same stage elsewhere
    device: str  # the device this process resolved
    cache: Path | None  # the scan's embedding cache folder
    embeds: bool  # whether the scan embeds redacted text


class Engine(Protocol):
    name: str

    def row_results(self, chunks: Iterable[Chunk], job: RowJob) -> Iterator[RowResult]:
        """Row-stage results for ``chunks``, in their order."""
        ...

    def partition_map(self, device: str) -> PartitionMap:
        """Where corpus detectors' partitions run."""
        ...

    def row_device(self, device: str) -> str:
        """The device the row stage runs on, for the report (after row_results began)."""
        ...


class LocalEngine:
    """Everything in this process: the default, and what the gateway uses."""

    name = "local"

    def row_results(self, chunks: Iterable[Chunk], job: RowJob) -> Iterator[RowResult]:
        for chunk in chunks:
            yield job.stage.run(chunk, job.scan)

    def partition_map(self, device: str) -> PartitionMap:
        return run_locally

    def row_device(self, device: str) -> str:
        return device
