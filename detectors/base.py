"""The detector contract.

Detectors take Arrow batches of *segments* (one row per piece of training text) and
return findings. A detector knows nothing of files, policy, gRPC or other detectors: it
scores and explains, and the policy decides. Heavy assets load in :meth:`setup`, once per
process; constructors stay cheap so that a policy can be validated without loading models.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pyarrow as pa

# One row per piece of training text. ``row`` is the row's index within the job (dense,
# from 0), ``row_id`` its stable name (``file:row``), ``field`` the path of the text in
# the row (``output``, ``messages[2].content``) and ``role`` what the text is for.
SEGMENT_SCHEMA = pa.schema(
    [
        pa.field("row", pa.int64(), nullable=False),
        pa.field("row_id", pa.string(), nullable=False),
        pa.field("field", pa.string(), nullable=False),
        pa.field("role", pa.string(), nullable=False),
        pa.field("text", pa.string(), nullable=False),
    ]
)


def row_runs(rows: list[int]) -> Iterator[tuple[int, int, int]]:
    """``(row, start, end)`` for each row's run of consecutive segments in a batch."""
    i, n = 0, len(rows)
    while i < n:
        start = i
        while i < n and rows[i] == rows[start]:
            i += 1
        yield rows[start], start, i


@dataclass(frozen=True, slots=True)
class ModelDigest:
    """A model file a detector loaded, pinned by digest; it goes into the manifest."""

    name: str
    file: str
    sha256: str


@dataclass(frozen=True, slots=True)
class DetectorInfo:
    name: str
    version: str
    rules: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason to look at one row: what matched, how strongly, and where.

    ``evidence`` must let a person check the finding (the row it duplicates, the rule and
    span) and must never repeat a secret or a personal value. Other rows are named in
    ``refs`` as ``(relation, row index)``, since a detector knows rows, not files; the
    pipeline renders them as ``relation=<row id>``. They are never parsed out of text,
    which may hold anything a dataset author wrote.
    """

    row: int
    rule: str
    score: float
    evidence: str
    field: str | None = None
    refs: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class DetectionResult:
    findings: list[Finding]
    rewrites: pa.Array | None = None  # replacement for the batch's ``text`` column


@dataclass(frozen=True, slots=True)
class SetupContext:
    """What a detector may know about where it runs."""

    device: str = "cpu"


@dataclass(frozen=True, slots=True)
class NoParams:
    pass


class Detector(ABC):
    info: ClassVar[DetectorInfo]
    Params: ClassVar[type[Any]] = NoParams
    uses_device: ClassVar[bool] = False  # True when setup() puts work on an accelerator
    rewrites_text: ClassVar[bool] = False  # True when detect() returns rewrites (PII, secrets)
    needs_embeddings: bool = False  # True to receive an ``embedding`` column (may be per instance)
    # True when detect() keeps state across batches (a hash index, corpus arrays): such a
    # detector must see every batch, in order, in one place (the job's own process)
    dataset_wide: ClassVar[bool] = False

    def __init__(self, params: Any = None) -> None:
        self.params = params if params is not None else self.Params()

    def setup(self, ctx: SetupContext) -> None:  # noqa: B027 - most detectors load nothing
        """Load models and other heavy assets; called once per process before ``detect``."""

    def models(self) -> tuple[ModelDigest, ...]:
        """The model files in use, with their verified digests (after ``setup``)."""
        return ()

    def describe(self) -> dict[str, Any]:
        """Name, version, parameters and models, for the report and the manifest."""
        from dataclasses import asdict

        return {
            "name": self.info.name,
            "version": self.info.version,
            "params": asdict(self.params),
            "models": [asdict(m) for m in self.models()],
        }

    @abstractmethod
    def detect(self, segments: pa.RecordBatch) -> DetectionResult:
        """Score one batch of segments (schema :data:`SEGMENT_SCHEMA`)."""


def run_locally(fn: Callable[..., Any], jobs: Sequence[tuple[Any, ...]]) -> list[Any]:
    """The default :data:`PartitionMap`: every job here, in order."""
    return [fn(*args) for args in jobs]


# Runs ``fn(*args)`` for each job and returns the results in job order. A corpus
# detector hands its independent per-partition work to one, so an engine can run the
# partitions elsewhere (gateway/engines/ray_engine.py runs them as Ray tasks) while the
# detector knows nothing of where. ``fn`` must be a module-level function.
PartitionMap = Callable[[Callable[..., Any], Sequence[tuple[Any, ...]]], list[Any]]


class CorpusDetector(Detector):
    """A detector that needs the whole dataset: it observes every batch, then decides once."""

    dataset_wide = True
    # where independent partitions of finalize() run; engines replace it
    partition_map: PartitionMap = staticmethod(run_locally)

    @abstractmethod
    def observe(self, segments: pa.RecordBatch) -> None:
        """Take what is needed from one batch (signatures, embeddings) into columnar state."""

    @abstractmethod
    def finalize(self) -> list[Finding]:
        """Findings over the whole dataset, after the last batch."""

    def detect(self, segments: pa.RecordBatch) -> DetectionResult:
        self.observe(segments)
        return DetectionResult([])


@dataclass(slots=True)
class FindingBuffer:
    """Collects findings while a detector walks a batch."""

    items: list[Finding] = field(default_factory=list)

    def add(
        self,
        row: int,
        rule: str,
        score: float,
        evidence: str,
        fld: str | None = None,
        refs: tuple[tuple[str, int], ...] = (),
    ) -> None:
        self.items.append(Finding(row, rule, score, evidence, fld, refs))
