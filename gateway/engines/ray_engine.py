"""``--engine ray``: the per-row stage on Ray actors, the partitions of the dataset-wide
analysis as Ray tasks.

Each actor holds a ``Pipeline`` with its models loaded once (the embedding model on the
actor's GPU when the cluster gives it one) and runs the row stage (validation findings,
secrets, injection, PII rewriting, embeddings) on the chunks the driver reads. Results
come back in input order, at most ``2 × actors`` chunks in flight, so memory stays
bounded; the driver feeds them to the corpus detectors exactly as the local engine does.
Exact and near duplicates group by hash and LSH band keys in the driver (16 and 256 bytes
a row). Past their thresholds, semantic duplicates and the poisoning kNN graphs partition
by k-means on a sample, and each partition runs as a Ray task (:class:`RayPartitionMap`).
The same code on the same chunks in the same order: the clean row set is the local
engine's, which a test checks with partitioning forced on.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from detectors.base import PartitionMap
from gateway.errors import UsageError

if TYPE_CHECKING:
    from gateway.core.engine import RowJob
    from gateway.core.policy import Policy
    from gateway.core.rows import Chunk
    from gateway.core.scan_types import RowResult


class RowStageWorker:
    """The body of a Ray actor: one loaded pipeline and one scan's row-stage state (its
    own embedder and cache handle), run on one chunk at a time. Actors live for one scan."""

    def __init__(self, policy: Policy, device: str, cache: str | None, embeds: bool) -> None:
        from dataclasses import replace
        from pathlib import Path

        from detectors.base import ScanContext
        from detectors.embeddings import EmbeddingEngine
        from gateway.core.pipeline import Pipeline
        from gateway.core.row_stage import RowScan

        self.pipe = Pipeline(policy)
        self.pipe.setup(device)
        ctx = ScanContext(device=device)
        wanted = embeds or any(d.needs_embeddings_in(ctx) for d in self.pipe.plan.all)
        embedder = (
            EmbeddingEngine.get(device).session(Path(cache) if cache else None) if wanted else None
        )
        ctx = replace(ctx, embedder=embedder)
        raw_ctx = replace(ctx, embedder=embedder.raw if embedder is not None else None)
        self.scan = RowScan(embedder, ctx, raw_ctx, embeds)

    def run(self, chunk: Chunk) -> RowResult:
        return self.pipe.row_stage.run(chunk, self.scan)


def start(address: str | None, cpus: int | None) -> Any:
    try:
        import ray
    except ImportError:
        raise UsageError(
            "--engine ray needs Ray: pip install 'tunegate[ray]' (scripts/test installs it)"
        ) from None
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    if not ray.is_initialized():
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if address:
            ray.init(address=address, **kwargs)
        else:
            ray.init(num_cpus=cpus, **kwargs)
    return ray


class RayPartitionMap:
    """A :data:`detectors.base.PartitionMap` that runs each partition of a corpus
    detector's analysis (semantic duplicates, poisoning neighbours) as a Ray task, so the
    dataset-wide stage spreads over the cluster as the row stage does."""

    def __init__(self, ray: Any, device: str) -> None:
        self.ray = ray
        self.gpus = 1 if device.startswith("cuda") else 0

    def __call__(self, fn: Callable[..., Any], jobs: Sequence[tuple[Any, ...]]) -> list[Any]:
        if len(jobs) < 2:  # one partition: shipping it out gains nothing
            return [fn(*args) for args in jobs]
        task = self.ray.remote(num_cpus=1, num_gpus=self.gpus)(fn)
        return list(self.ray.get([task.remote(*args) for args in jobs]))


class RayEngine:
    """The :class:`gateway.core.engine.Engine` on a Ray cluster: a pool of actors per scan
    maps chunks to row-stage results, in order, at most ``2 × actors`` in flight."""

    name = "ray"

    def __init__(
        self, address: str | None = None, workers: int | None = None, device: str = "auto"
    ) -> None:
        self.address = address
        self.workers = workers
        self.requested = device
        self._row_device: str | None = None

    def _ray(self) -> Any:
        return start(self.address, self.workers)

    def actor_device(self, ray: Any) -> str:
        """The actors' device: a GPU only where the cluster has one; asking for CUDA on a
        cluster without one is an error, never a quiet fall back to the CPU."""
        gpus = ray.cluster_resources().get("GPU", 0)
        if self.requested == "cuda" and gpus < 1:
            raise UsageError(
                "--device cuda: the Ray cluster has no GPU; use --device cpu or add GPU nodes"
            )
        return "cuda" if self.requested in ("cuda", "auto") and gpus >= 1 else "cpu"

    def partition_map(self, device: str) -> PartitionMap:
        return RayPartitionMap(self._ray(), device)

    def row_device(self, device: str) -> str:
        return self._row_device or self.actor_device(self._ray())

    def row_results(self, chunks: Iterable[Chunk], job: RowJob) -> Iterator[RowResult]:
        ray = self._ray()
        device = self.actor_device(ray)
        self._row_device = device
        gpus = ray.cluster_resources().get("GPU", 0)
        n = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        actor = ray.remote(num_cpus=1, num_gpus=(min(1.0, gpus / n) if device == "cuda" else 0))(
            RowStageWorker
        )
        cache = str(job.cache) if job.cache else None
        actors = [actor.remote(job.policy, device, cache, job.embeds) for _ in range(n)]
        try:
            pending: deque[Any] = deque()
            for i, chunk in enumerate(chunks):
                pending.append(actors[i % len(actors)].run.remote(chunk))
                if len(pending) >= 2 * len(actors):
                    yield ray.get(pending.popleft())
            while pending:
                yield ray.get(pending.popleft())
        finally:
            for a in actors:
                ray.kill(a)
