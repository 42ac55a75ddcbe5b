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
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from gateway.errors import UsageError

if TYPE_CHECKING:
    from detectors.base import Finding
    from gateway.core.policy import Policy
    from gateway.core.rows import Chunk

# chunk, its findings, rows touched, stage timings, segments cut to the model window
RowResult = tuple["Chunk", list[tuple[str, "Finding"]], int, dict[str, float], int]


class RowStageWorker:
    """The body of a Ray actor: one loaded pipeline, run on one chunk at a time."""

    def __init__(self, policy: Policy, device: str, cache: str | None) -> None:
        from pathlib import Path

        from gateway.core.pipeline import Pipeline

        self.pipe = Pipeline(policy)
        self.pipe.setup(device)
        if self.pipe.embeds:
            self.pipe.use_embedding_cache(Path(cache) if cache else None)

    def run(self, chunk: Chunk) -> RowResult:
        from gateway.core.pipeline import Findings

        findings = Findings()
        timings: defaultdict[str, float] = defaultdict(float)
        before = self.pipe.segments_truncated
        chunk, touched = self.pipe.row_stage(chunk, findings, timings)
        cut = self.pipe.segments_truncated - before
        return chunk, findings.items, touched, dict(timings), cut


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


class RayRowStage:
    """A pool of actors that maps chunks to row-stage results, in order."""

    def __init__(
        self,
        policy: Policy,
        device: str,
        cache: str | None,
        address: str | None = None,
        workers: int | None = None,
    ) -> None:
        ray = start(address, workers)
        self.ray = ray
        gpus = ray.cluster_resources().get("GPU", 0)
        n = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        use_gpu = device in ("cuda", "auto") and gpus >= 1
        actor_device = "cuda" if use_gpu else "cpu"
        actor = ray.remote(num_cpus=1, num_gpus=(min(1.0, gpus / n) if use_gpu else 0))(
            RowStageWorker
        )
        self.actors = [actor.remote(policy, actor_device, cache) for _ in range(n)]

    def map(self, chunks: Iterable[Chunk]) -> Iterator[RowResult]:
        pending: deque[Any] = deque()
        for i, chunk in enumerate(chunks):
            pending.append(self.actors[i % len(self.actors)].run.remote(chunk))
            if len(pending) >= 2 * len(self.actors):
                yield self.ray.get(pending.popleft())
        while pending:
            yield self.ray.get(pending.popleft())

    def close(self) -> None:
        for a in self.actors:
            self.ray.kill(a)
