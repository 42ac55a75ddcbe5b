"""The detector contract.

A detector has two lives. **Loaded once per process**: its parameters, models, rule
tables and classifiers, set up in :meth:`Detector.setup` and read-only afterwards, so one
loaded detector serves every scan and every thread of a gateway. **Per scan**: whatever a
detector accumulates (a hash index, signatures, row vectors, counts) lives in a
:class:`CorpusState` that :meth:`CorpusDetector.start` creates for one scan and that scan
drops; nothing of one scan, or one tenant, is visible to the next. Everything a scan
lends a detector (the device, this scan's embedder, where partitions run, a reference
set) arrives in a :class:`ScanContext`.

Detectors take Arrow batches of *segments* (one row per piece of training text) and
return findings. A detector knows nothing of files, policy, gRPC or other detectors: it
scores and explains, and declares what it reads, whether it rewrites, which rules it has
with which default actions, and which actions it can carry out; the policy decides.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

import numpy as np
import pyarrow as pa

if TYPE_CHECKING:
    from detectors.profile import Profile

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

# The actions a policy may give a rule. ``redact`` only where the detector rewrites.
ACTIONS = ("drop", "flag", "redact", "gate")


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
class RuleDefault:
    """The action a rule gets when no policy names it (a gate needs its fraction)."""

    action: str
    max_fraction: float | None = None

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown action {self.action!r}; use one of {ACTIONS}")
        if (self.action == "gate") != (self.max_fraction is not None):
            raise ValueError("a gate, and only a gate, has a max_fraction")

    def as_toml(self) -> str | dict[str, Any]:
        """The value as a policy file writes it."""
        if self.action == "gate":
            return {"action": "gate", "max_fraction": self.max_fraction}
        return self.action


DROP = RuleDefault("drop")
FLAG = RuleDefault("flag")
REDACT = RuleDefault("redact")


@dataclass(frozen=True, slots=True)
class DetectorInfo:
    """What a detector declares about itself; the policy is checked against it.

    ``defaults`` maps rules (or ``"*"``, every rule not named) to the action the shipped
    policy gives them: a new detector needs its module and a registry line, nothing else.
    """

    name: str
    version: str
    rules: tuple[str, ...]
    description: str = ""
    defaults: Mapping[str, RuleDefault] = field(default_factory=lambda: {"*": DROP})

    def __post_init__(self) -> None:
        unknown = sorted(set(self.defaults) - {*self.rules, "*"})
        if unknown:
            raise ValueError(f"{self.name}: defaults for unknown rule(s) {unknown}")
        if "*" not in self.defaults and set(self.rules) - set(self.defaults):
            raise ValueError(f"{self.name}: some rules have no default action and no '*'")


class Reads(StrEnum):
    """Which text a detector must see."""

    RAW = "raw text"  # as uploaded, before any rewrite: decoders, classifiers of attacks
    REDACTED = "redacted text"  # after every rewrite: what is published and embedded


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
class Edit:
    """A rewriting detector's proposal: replace ``text[start:end]`` of segment ``index``
    (its position in the batch) with ``replacement``, because of ``rule``. The pipeline
    applies it only when the policy's action for that rule says so."""

    index: int
    start: int
    end: int
    replacement: str
    rule: str


@dataclass(frozen=True, slots=True)
class DetectionResult:
    findings: list[Finding]
    edits: tuple[Edit, ...] = ()  # only from detectors with ``rewrites_text``


class TextEmbedder(Protocol):
    """Anything that turns texts into unit float32 vectors, one row per text."""

    def embed(self, texts: list[str]) -> np.ndarray: ...


def run_locally(fn: Callable[..., Any], jobs: Sequence[tuple[Any, ...]]) -> list[Any]:
    """The default :data:`PartitionMap`: every job here, in order."""
    return [fn(*args) for args in jobs]


# Runs ``fn(*args)`` for each job and returns the results in job order. A corpus
# detector hands its independent per-partition work to one, so an engine can run the
# partitions elsewhere (gateway/engines/ray_engine.py runs them as Ray tasks) while the
# detector knows nothing of where. ``fn`` must be a module-level function.
PartitionMap = Callable[[Callable[..., Any], Sequence[tuple[Any, ...]]], list[Any]]


@dataclass(frozen=True, slots=True)
class SetupContext:
    """What a detector may know, once per process, about where it runs."""

    device: str = "cpu"


@dataclass(frozen=True, slots=True)
class ScanContext:
    """What one scan lends its detectors; created when the scan starts, dropped at its end.

    ``embedder`` is this scan's: for detectors that read redacted text it is the scan's
    cached path, for those that read raw text a path whose vectors are never written to
    the cache. ``reference`` is a profile of the set to compare with, when the scan names
    one.
    """

    device: str = "cpu"
    embedder: TextEmbedder | None = None
    partition_map: PartitionMap = run_locally
    reference: Profile | None = None


NO_SCAN = ScanContext()  # for calling a row detector outside a scan (tests, benches)


@dataclass(frozen=True, slots=True)
class NoParams:
    pass


class Detector(ABC):
    """A detector as loaded once per process: parameters and models, read-only in scans."""

    info: ClassVar[DetectorInfo]
    Params: ClassVar[type[Any]] = NoParams
    # True when setup() puts work on an accelerator (per instance: it may depend on
    # parameters, but never changes after construction)
    uses_device: bool = False
    reads: ClassVar[Reads] = Reads.REDACTED
    # True when detect() proposes edits (PII, secrets): such a detector reads raw text
    # (or the output of the rewriters named in ``rewrites_after``) and may be given redact
    rewrites_text: ClassVar[bool] = False
    rewrites_after: ClassVar[tuple[str, ...]] = ()
    # True when detect() is also given the strings of the columns that are not training
    # text (role ``metadata``): they are published too, so secrets and PII read them; a
    # row detector that says so gets them in a second detect() call, never embedded
    reads_metadata: ClassVar[bool] = False
    enabled_by_default: ClassVar[bool] = True
    # True when the detector reads an ``embedding`` column (per instance: it may depend
    # on parameters, but never changes after construction)
    needs_embeddings: bool = False
    # the roles whose vectors it reads (None: every role); a raw reader's other segments
    # get a zero vector where their text was rewritten, so none is computed for nothing
    embedding_roles: ClassVar[frozenset[str] | None] = None

    def __init__(self, params: Any = None) -> None:
        self.params = params if params is not None else self.Params()

    @classmethod
    def allowed_actions(cls) -> frozenset[str]:
        """The actions this detector can carry out: ``redact`` only where it rewrites."""
        return frozenset(ACTIONS if cls.rewrites_text else (a for a in ACTIONS if a != "redact"))

    def setup(self, ctx: SetupContext) -> None:  # noqa: B027 - most detectors load nothing
        """Load models and other heavy assets; called once per process before any scan."""

    def needs_embeddings_in(self, scan: ScanContext) -> bool:
        """Whether this scan must hand the detector embeddings (drift: only with a reference)."""
        return self.needs_embeddings

    def models(self) -> tuple[ModelDigest, ...]:
        """The model files in use, with their verified digests (after ``setup``)."""
        return ()

    def describe(self) -> dict[str, Any]:
        """Name, version, parameters and models, for the report and the manifest."""
        return {
            "name": self.info.name,
            "version": self.info.version,
            "params": asdict(self.params),
            "models": [asdict(m) for m in self.models()],
        }


class RowDetector(Detector):
    """A detector that judges each batch on its own and keeps nothing between batches."""

    @abstractmethod
    def detect(self, segments: pa.RecordBatch, scan: ScanContext = NO_SCAN) -> DetectionResult:
        """Score one batch of segments (schema :data:`SEGMENT_SCHEMA`)."""


class CorpusState(ABC):
    """What one corpus detector accumulates over one scan; never shared, never reused."""

    @abstractmethod
    def observe(self, segments: pa.RecordBatch) -> list[Finding]:
        """Take what is needed from one batch into columnar state; findings that can be
        decided at once (an exact duplicate of an earlier row) are returned now."""

    @abstractmethod
    def finalize(self) -> list[Finding]:
        """Findings over the whole dataset, after the last batch."""

    def summary(self) -> dict[str, Any] | None:
        """A dataset-level result for the report (drift), after :meth:`finalize`."""
        return None


class CorpusDetector(Detector):
    """A detector that needs the whole dataset: a fresh state per scan sees every batch,
    in row order, then decides once."""

    @abstractmethod
    def start(self, scan: ScanContext) -> CorpusState:
        """A new, empty state for one scan."""


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
