"""Reading datasets in bounded batches: Parquet, JSON Lines (optionally gzipped) and JSON arrays.

Every input is read twice, each time as a stream: a first pass (:meth:`Source.survey`)
hashes the bytes, counts rows, finds the column names and, for JSON, infers one Arrow type
per column, so that every output shard has one schema; the second pass
(:meth:`Source.batches`) yields batches for the pipeline. Neither pass holds more than one
batch, so memory stays flat as inputs grow.

A broken *file* (bad JSON syntax, a truncated Parquet footer) is an :class:`InputError`
naming the file and line or row. A bad *row* is never an error here: it is carried along
so the pipeline can quarantine it with a reason.
"""

from __future__ import annotations

import codecs
import gzip
import hashlib
import json
import os
import re
import tempfile
import weakref
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from gateway.core.locations import InputFile, readable, resolve_inputs
from gateway.core.parquet_pages import batch_rows_by_group
from gateway.core.schema import (
    CHAT_COLUMNS,
    ColumnKind,
    TextSchema,
    detect_schema,
    unscanned_text_like,
)
from gateway.errors import InputError, UsageError

# What pyarrow raises when Python values do not fit an Arrow type.
CONVERSION_ERRORS = (
    pa.ArrowInvalid,
    pa.ArrowTypeError,
    pa.ArrowNotImplementedError,
    OverflowError,
    UnicodeEncodeError,
    TypeError,
    ValueError,
)

_CHUNK = 1 << 20
# A batch ends at batch_rows rows or at this many bytes of input, whichever comes first:
# 2,048 rows of 8 MiB each would otherwise be 16 GiB in one batch.
BATCH_BYTES = 64 << 20
# what a JSON array element too long to keep is skipped by, a chunk at a time
_SCALAR_END = re.compile(r"[,\]\s]")
_HASH_CHUNK = 1 << 22


@dataclass(slots=True)
class SourceBatch:
    """One batch of rows from one input.

    ``rows`` holds, per row, the parsed JSON value (any JSON type: a row that is not an
    object is a bad row, not a crash) or, for Parquet, a dict of the text columns only.
    ``raws`` holds the row's original bytes for JSON inputs (kept for quarantine when the
    row cannot be represented in Arrow). ``arrow`` is the batch as read, for Parquet.
    """

    first_row: int
    rows: list[Any]
    raws: list[bytes] | None = None
    arrow: pa.RecordBatch | None = None
    bad_cells: dict[int, list[str]] = field(default_factory=dict)

    def bad_cells_columns(self) -> set[str]:
        return {c for cols in self.bad_cells.values() for c in cols}


@dataclass(slots=True)
class Survey:
    """What the first pass learned about one input."""

    rows: int
    sha256: str
    bytes: int
    schema: pa.Schema  # data columns as read (JSON: inferred)
    json_encoded: frozenset[str] = frozenset()  # JSON columns of mixed type, kept as JSON text


class Source(ABC):
    """One input file; subclasses know its format."""

    format: str = ""

    def __init__(self, path: InputFile, label: str) -> None:
        self.path = path
        self.label = label

    @abstractmethod
    def survey(self, batch_rows: int) -> Survey:
        """Hash, count and type the input in one streaming pass."""

    @abstractmethod
    def batches(self, batch_rows: int, text_columns: Sequence[str]) -> Iterator[SourceBatch]:
        """The rows, in order, ``batch_rows`` at a time."""


# --------------------------------------------------------------------------- JSON


# A JSON line longer than this is refused as it is read, never held (the policy may lower
# it: [detectors.validation.params] max_row_bytes); its row is quarantined, not the file.
MAX_LINE_BYTES = 64 << 20


@dataclass(frozen=True, slots=True)
class RowTooLarge:
    """Stands for a row whose line was too long to read: quarantined with this reason."""

    bytes: int
    limit: int


class _JsonStream:
    """Yields ``(row_value, raw_text, line)`` from JSON Lines or one top-level JSON array."""

    def __init__(self, path: InputFile, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        self.path = path
        self.max_line_bytes = max_line_bytes
        self.kind = "jsonl"  # or "json" once the stream has seen a top-level array
        self._hashing: _Hashing | None = None
        self.digest: tuple[str, int] | None = None  # of the file's bytes, after a full pass

    def _open(self) -> IO[bytes]:
        try:
            raw = self._hashing = _Hashing(self.path.open("rb"))
            if self.path.name.lower().endswith(".gz"):
                return _OwnedGzip(raw)  # type: ignore[arg-type,return-value]
            return raw  # type: ignore[return-value]
        except OSError as e:
            raise InputError(
                f"{self.path}: cannot open ({e.strerror or e}); check the path and that you "
                "may read it"
            ) from e

    def __iter__(self) -> Iterator[tuple[Any, str, int]]:
        with self._open() as f:
            try:
                head = f.read(4096)
            except (OSError, EOFError, gzip.BadGzipFile) as e:
                raise InputError(
                    f"{self.path}: cannot read ({e}); the file looks truncated or damaged: "
                    "copy it again from its source"
                ) from e
            first = head.lstrip()[:1]
            rest = _Prefixed(head, f)
            if first == b"[":
                self.kind = "json"
                yield from self._array(rest)
            else:
                yield from self._lines(rest)
            assert self._hashing is not None
            self.digest = self._hashing.finish()

    def _lines(self, f: _Prefixed) -> Iterator[tuple[Any, str, int]]:
        decoder = json.JSONDecoder()
        for lineno, raw in enumerate(f.lines(self.path, self.max_line_bytes), start=1):
            if isinstance(raw, int):
                yield RowTooLarge(raw, self.max_line_bytes), "", lineno
                continue
            text = raw.decode("utf-8", "surrogateescape").strip()
            if not text:
                continue
            try:
                value, end = decoder.raw_decode(text)
            except json.JSONDecodeError as e:
                raise InputError(
                    f"{self.path}: line {lineno}: not valid JSON ({e.msg} at column {e.colno}); "
                    "fix or remove that line"
                ) from None
            except (ValueError, RecursionError) as e:
                raise InputError(f"{self.path}: line {lineno}: {_unreadable(e)}") from None
            _check_keys(value, text, f"{self.path}: line {lineno}")
            if end != len(text):
                raise InputError(
                    f"{self.path}: line {lineno}: extra data after the JSON value at column "
                    f"{end + 1}; JSON Lines holds one value per line"
                )
            yield value, text, lineno

    def _array(self, f: _Prefixed) -> Iterator[tuple[Any, str, int]]:
        decoder = json.JSONDecoder()
        inc = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        buf = ""
        pos = 0
        dropped_lines = 0
        eof = False

        def fill() -> bool:
            nonlocal buf, pos, dropped_lines, eof
            if eof:
                return False
            chunk = f.read(_CHUNK, self.path)
            eof = not chunk
            dropped_lines += buf.count("\n", 0, pos)
            buf = buf[pos:] + inc.decode(chunk, final=eof)
            pos = 0
            return True

        def line() -> int:
            return dropped_lines + buf.count("\n", 0, pos) + 1

        def skip_ws() -> str:
            nonlocal pos
            while True:
                while pos < len(buf) and buf[pos] in " \t\r\n":
                    pos += 1
                if pos < len(buf):
                    return buf[pos]
                if not fill():
                    return ""

        def fail(what: str) -> InputError:
            return InputError(
                f"{self.path}: line {line()}: {what}; the file is not a valid JSON array"
            )

        def skip_element() -> int:
            """Move past one element too long to keep, holding at most a chunk of it: its
            length in characters. Only strings and brackets are tracked (vectorised, so a
            gigabyte of escapes or brackets costs seconds); the element is quarantined
            unread, so its inner syntax does not matter."""
            nonlocal pos
            skipped = 0
            if buf[pos] not in '{["':  # a number or literal
                while True:
                    m = _SCALAR_END.search(buf, pos)
                    skipped += (m.start() if m else len(buf)) - pos
                    if m:
                        pos = m.start()
                        return skipped
                    pos = len(buf)
                    if not fill():
                        return skipped
            state = _ElementState()
            while True:
                if pos >= len(buf):
                    if not fill():
                        raise fail("unexpected end of file inside an element (truncated?)")
                    continue
                end = state.scan(buf, pos)
                if end is not None:
                    skipped += end - pos
                    pos = end
                    return skipped
                skipped += state.consumed
                pos += state.consumed

        def find_end() -> int | None:
            """Where the element at ``pos`` ends (filling the buffer as needed), or None
            once it is longer than the read limit. Linear: each character is scanned once,
            strings and brackets by numpy, numbers and literals by a regular expression."""
            state = _ElementState()
            scalar = buf[pos] not in '{["'
            rel = 0  # scanned so far, from pos (pos moves to 0 when the buffer is filled)
            while True:
                if rel > self.max_line_bytes:
                    return None
                if pos + rel >= len(buf):
                    if not fill():
                        if scalar:
                            return len(buf)
                        raise fail("unexpected end of file inside an element (truncated?)")
                    continue
                if scalar:
                    m = _SCALAR_END.search(buf, pos + rel)
                    if m is not None:
                        return m.start() if m.start() - pos <= self.max_line_bytes else None
                    rel = len(buf) - pos
                else:
                    found = state.scan(buf, pos + rel)
                    if found is not None:
                        return found if found - pos <= self.max_line_bytes else None
                    rel += state.consumed

        skip_ws()
        pos += 1  # the '[' seen by __iter__
        if skip_ws() == "]":
            pos += 1
        else:
            while True:
                if skip_ws() == "":
                    raise fail("unexpected end of file (truncated?)")
                end: int | None
                try:  # the usual case: the element is whole in the buffer, and small
                    value, end = decoder.raw_decode(buf, pos)
                    ready = end < len(buf) and end - pos <= self.max_line_bytes
                except (ValueError, RecursionError):
                    ready = False
                if not ready:  # its end is found before anything is decoded again
                    end = find_end()
                if end is None:  # longer than the read limit: skipped, not held
                    yield RowTooLarge(skip_element(), self.max_line_bytes), "", 0
                else:
                    try:
                        if not ready:
                            value, decoded_end = decoder.raw_decode(buf, pos)
                        else:
                            decoded_end = end
                    except json.JSONDecodeError as e:
                        raise InputError(
                            f"{self.path}: line {line()}: element starting here is not valid "
                            f"JSON ({e.msg}); fix it, or copy the file again from its source"
                        ) from None
                    except (ValueError, RecursionError) as e:
                        raise InputError(f"{self.path}: line {line()}: {_unreadable(e)}") from None
                    if decoded_end != end:
                        raise fail("an element is not valid JSON (something follows its value)")
                    text = buf[pos:end]
                    if _SURROGATE.search(text):  # the line number only when it is needed
                        _check_keys(value, text, f"{self.path}: line {line()}")
                    yield value, text, 0  # line numbers are counted only for errors
                    pos = end
                nxt = skip_ws()
                if nxt == ",":
                    pos += 1
                    continue
                if nxt == "]":
                    pos += 1
                    break
                raise fail(
                    f"expected ',' or ']' but found {nxt[:1]!r}"
                    if nxt
                    else "missing ']' at the end (truncated?)"
                )
        if skip_ws() != "":
            raise fail("extra data after the closing ']'")


class _ElementState:
    """Strings and bracket depth of a JSON value read a slice at a time, with numpy."""

    SLICE = 1 << 20  # characters per scan: about 40 MB of numpy temporaries

    def __init__(self) -> None:
        self.in_string = False
        self.depth = 0
        self.backslashes = 0  # the run of backslashes that ended the last slice
        self.consumed = 0  # characters of the last slice, when the value did not end in it

    def scan(self, buf: str, pos: int) -> int | None:
        """The index in ``buf`` just past the value's end, or None when it does not end
        in ``buf[pos:pos + SLICE]``."""
        text = buf[pos : pos + self.SLICE]
        self.consumed = len(text)
        if '"' not in text and "\\" not in text:  # the usual slice of a long cell
            if self.in_string:
                self.backslashes = 0
                return None
            closers = text.count("]") + text.count("}")
            if self.depth - closers > 0:
                self.depth += text.count("[") + text.count("{") - closers
                self.backslashes = 0
                return None
        a = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        n = len(a)
        idx = np.arange(n, dtype=np.int64)
        backslash = a == 92
        last_plain = np.maximum.accumulate(np.where(backslash, -1, idx))
        run_before = np.empty(n, dtype=np.int64)  # backslashes just before each character
        run_before[0] = self.backslashes
        run_before[1:] = idx[:-1] - last_plain[:-1]
        run_before[1:] += np.where(last_plain[:-1] < 0, self.backslashes, 0)
        quote = (a == 34) & ((run_before & 1) == 0)
        inside = (((np.cumsum(quote) - quote) & 1) == 1) ^ self.in_string
        opens = ((a == 91) | (a == 123)) & ~inside
        closes = ((a == 93) | (a == 125)) & ~inside
        depth = self.depth + np.cumsum(opens.astype(np.int64) - closes.astype(np.int64))
        ends = np.flatnonzero((closes | (quote & inside)) & (depth == 0))
        if len(ends):
            return pos + int(ends[0]) + 1
        self.in_string = bool(inside[-1] ^ quote[-1])
        self.depth = int(depth[-1])
        tail = n - 1 - int(last_plain[-1])
        self.backslashes = tail + self.backslashes if last_plain[-1] < 0 else tail
        return None


class _Hashing:
    """The file's bytes hashed as the parser reads them: the digest a scan signs is of the
    bytes its rows came from, not of another read of the same path."""

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self._sha = hashlib.sha256()
        self._size = 0

    def read(self, n: int = -1) -> bytes:
        data = self._raw.read(n)
        self._sha.update(data)
        self._size += len(data)
        return data

    def finish(self) -> tuple[str, int]:
        """Hash to the end (bytes after the last row count too) and give the digest."""
        while self.read(_HASH_CHUNK):
            pass
        return self._sha.hexdigest(), self._size

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> _Hashing:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _OwnedGzip(gzip.GzipFile):
    """A gzip reader over an open stream that it also closes (GzipFile leaves it open)."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__(fileobj=raw, mode="rb")
        self._raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


class _Prefixed:
    """A binary stream with some bytes already read from its head pushed back."""

    def __init__(self, head: bytes, f: IO[bytes]) -> None:
        self._head = head
        self._f = f

    def read(self, n: int, path: InputFile) -> bytes:
        if self._head:
            out, self._head = self._head, b""
            return out
        try:
            return self._f.read(n)
        except (OSError, EOFError, gzip.BadGzipFile) as e:
            raise InputError(
                f"{path}: cannot read ({e}); the file looks truncated or damaged: copy it "
                "again from its source"
            ) from e

    def lines(self, path: InputFile, max_bytes: int) -> Iterator[bytes | int]:
        """Each line's bytes, or, for a line longer than ``max_bytes``, its length alone.

        Linear in the input: each chunk is searched once, and a line is joined once, at its
        end (appending to one growing buffer and splitting it again made a 2 GiB line
        quadratic). An oversized line is never held: its bytes are dropped as they come."""
        parts: list[bytes] = []
        size = 0
        while chunk := self.read(_CHUNK, path):
            start = 0
            while (end := chunk.find(b"\n", start)) >= 0:
                size += end - start
                if size > max_bytes:
                    yield size
                else:
                    yield b"".join(parts) + chunk[start:end]
                parts, size, start = [], 0, end + 1
            size += len(chunk) - start
            if size > max_bytes:
                parts = []  # past the limit: count the rest, keep none of it
            else:
                parts.append(chunk[start:])
        if size > max_bytes:
            yield size
        elif size:  # a last line without its newline
            yield b"".join(parts)


# Arrow IPC (the spool) stops at 64 levels of nesting; deeper columns are kept as JSON text
MAX_NESTING = 32


def _parquet_writable(t: pa.DataType, depth: int = 0) -> bool:
    """Whether Parquet can store the type: not a struct with no fields, and not nested
    past MAX_NESTING (such a column is kept as JSON text instead)."""
    if depth > MAX_NESTING:
        return False
    if pa.types.is_struct(t):
        return t.num_fields > 0 and all(
            _parquet_writable(t.field(i).type, depth + 1) for i in range(t.num_fields)
        )
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return _parquet_writable(t.value_type, depth + 1)
    return True


def _infer_type(values: list[Any]) -> pa.DataType | None:
    """The Arrow type of a column of JSON values, or None if they have no single type."""
    try:
        return pa.array(values).type
    except CONVERSION_ERRORS:
        return None


# Nested training-text columns, by name: their types are inferred only over values of
# the right shape, since a malformed value there makes a bad row, not a mixed column.
_NESTED_KINDS = {name: ColumnKind.CHAT for name in CHAT_COLUMNS} | {
    "instances": ColumnKind.INSTANCES,
    "turns": ColumnKind.TURNS,
}


def _candidate_for(key: str, value: Any) -> bool:
    kind = _NESTED_KINDS.get(key)
    if kind is None:
        return True
    if not isinstance(value, list):
        return False
    if kind is ColumnKind.TURNS:
        return all(isinstance(v, str) for v in value)
    return all(isinstance(v, dict) for v in value)


class JsonSource(Source):
    format = "jsonl"

    def __init__(self, path: InputFile, label: str, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        super().__init__(path, label)
        self._stream = _JsonStream(path, max_line_bytes)
        self._surveyed: tuple[str, int] | None = None

    def survey(self, batch_rows: int) -> Survey:
        """Hash, count and type the file in one streaming pass."""
        order: dict[str, None] = {}
        types: dict[str, pa.DataType] = {}
        mixed: set[str] = set()
        rows = 0
        pending: list[Any] = []

        def flush() -> None:
            cols: dict[str, list[Any]] = {}
            for obj in pending:
                if isinstance(obj, dict):
                    for k, v in obj.items():
                        if v is not None and _candidate_for(k, v):
                            cols.setdefault(k, []).append(v)
            for k, vals in cols.items():
                if k in mixed:
                    continue
                t = _infer_type(vals)
                if t is None:
                    mixed.add(k)
                    continue
                prev = types.get(k)
                if prev is None or prev == t:
                    types[k] = t
                    continue
                try:
                    merged = pa.unify_schemas(
                        [pa.schema([(k, prev)]), pa.schema([(k, t)])], promote_options="permissive"
                    )
                    types[k] = merged.field(k).type
                except CONVERSION_ERRORS:
                    mixed.add(k)
            pending.clear()

        size = 0
        for value, raw, _line in self._stream:
            rows += 1
            if isinstance(value, dict):
                for k in value:
                    order.setdefault(k, None)
            pending.append(value)
            size += len(raw)
            if len(pending) >= batch_rows or size >= BATCH_BYTES:
                flush()
                size = 0
        flush()
        mixed.update(k for k, t in types.items() if not _parquet_writable(t))
        fields = []
        for k in order:
            if k in mixed:
                fields.append(pa.field(k, pa.string()))
            else:
                fields.append(pa.field(k, types.get(k, pa.null())))
        self.format = self._stream.kind
        assert self._stream.digest is not None
        sha, size = self._surveyed = self._stream.digest
        return Survey(rows, sha, size, pa.schema(fields), frozenset(mixed))

    def batches(self, batch_rows: int, text_columns: Sequence[str] = ()) -> Iterator[SourceBatch]:
        rows: list[Any] = []
        raws: list[bytes] = []
        first = 0
        size = 0
        for value, raw, _line in self._stream:
            rows.append(value)
            raws.append(raw.encode("utf-8", "surrogateescape"))
            size += len(raws[-1])
            if len(rows) >= batch_rows or size >= BATCH_BYTES:
                yield SourceBatch(first, rows, raws)
                first += len(rows)
                rows, raws, size = [], [], 0
        self._check_unchanged()
        if rows:
            yield SourceBatch(first, rows, raws)

    def _check_unchanged(self) -> None:
        """The rows just read came from the bytes the survey hashed, which the manifest
        signs: a file changed between the two passes gives no rows at all."""
        if self._surveyed is not None and self._stream.digest != self._surveyed:
            raise InputError(
                f"{self.path}: the file changed while it was being scanned (its sha256 is "
                "not the one surveyed); nothing was published: scan it again once it is "
                "no longer being written"
            )


# --------------------------------------------------------------------------- Parquet


def _safe_pylist(arr: pa.Array) -> tuple[list[Any], list[int]]:
    """Python values of an Arrow column, with cells holding invalid UTF-8 set to None."""
    try:
        arr.validate(full=True)
        return arr.to_pylist(), []
    except pa.ArrowInvalid:
        values: list[Any] = []
        bad: list[int] = []
        for i in range(len(arr)):
            try:
                arr.slice(i, 1).validate(full=True)
                values.append(arr[i].as_py())
            except (pa.ArrowInvalid, UnicodeDecodeError):
                values.append(None)
                bad.append(i)
        return values, bad


# A page may decode to at most this, or the read limit if that is larger. pyarrow checks
# its page size only every 1,024 values, so a file of 200 KB rows has 200 MiB pages;
# this bounds what one page header can make the reader allocate, not a row.
PAGE_BYTES = 256 << 20
_BYTES_TYPES = (pa.string(), pa.large_string(), pa.binary(), pa.large_binary())


class ParquetSource(Source):
    """Parquet, read so that what a batch costs in memory is known before it is decoded.

    Page headers bound every page (:mod:`gateway.core.parquet_pages`). Dictionary pages are
    the other way a few bytes become many (one 8 MiB value repeated by a run of indices):
    top-level text columns stored with a dictionary are read as dictionaries, each row's
    decoded length is summed from them first, a row over the read limit is quarantined
    unread (``row_too_large``), and a batch is cut where its decoded bytes would pass
    :data:`BATCH_BYTES`."""

    format = "parquet"

    def __init__(self, path: InputFile, label: str, max_line_bytes: int = MAX_LINE_BYTES) -> None:
        super().__init__(path, label)
        self.max_line_bytes = max_line_bytes
        self._copy: Path | None = None

    def _snapshot(self) -> Path:
        """A private copy of the file, hashed as it is copied: Parquet is read by offset,
        several times, so the bytes the rows come from and the bytes the manifest signs
        are one copy nobody else can change (a remote file is fetched once, too)."""
        if self._copy is not None:
            return self._copy
        fd, name = tempfile.mkstemp(prefix="tunegate-input-", suffix=".parquet")  # 0600
        copy = Path(name)
        weakref.finalize(self, copy.unlink, missing_ok=True)
        sha = hashlib.sha256()
        size = 0
        with os.fdopen(fd, "wb") as dst:
            try:
                src = self.path.open("rb")
            except OSError as e:
                raise InputError(f"{self.path}: cannot open ({e.strerror or e})") from e
            with src:
                while True:
                    try:
                        chunk = src.read(_HASH_CHUNK)
                    except OSError as e:
                        raise InputError(f"{self.path}: cannot read ({e.strerror or e})") from e
                    if not chunk:
                        break
                    sha.update(chunk)
                    size += len(chunk)
                    try:
                        dst.write(chunk)
                    except OSError as e:
                        raise UsageError(
                            f"cannot copy {self.path} to {tempfile.gettempdir()} "
                            f"({e.strerror or e}); free space there or set TMPDIR"
                        ) from e
        self._copy, self._surveyed = copy, (sha.hexdigest(), size)
        return copy

    def _file(self, read_dictionary: Sequence[str] = ()) -> pq.ParquetFile:
        try:
            return pq.ParquetFile(self._snapshot(), read_dictionary=read_dictionary)
        except (pa.ArrowInvalid, OSError) as e:
            raise InputError(
                f"{self.path}: not a readable Parquet file ({e}); "
                "it is truncated or not Parquet: copy it again, or give it its real extension"
            ) from e

    def survey(self, batch_rows: int) -> Survey:
        pf = self._file()
        self._group_rows = self._plan(pf)
        sha, size = self._surveyed
        return Survey(pf.metadata.num_rows, sha, size, pf.schema_arrow)

    def _plan(self, pf: pq.ParquetFile) -> list[int]:
        # only the columns pyarrow really reads as dictionaries (it ignores the request for
        # some logical types, JSON among them): the others decode whole, and their
        # dictionary pages count in the plan
        candidates = self._dictionary_columns(pf)
        read_as = _dictionary_paths(self._file(candidates).schema_arrow) if candidates else set()
        self._dict_columns = [c for c in candidates if c in read_as]
        return batch_rows_by_group(
            pf.metadata,
            lambda: self._snapshot().open("rb"),
            max(PAGE_BYTES, self.max_line_bytes),
            BATCH_BYTES,
            frozenset(self._dict_columns),
            str(self.path),
        )

    def _dictionary_columns(self, pf: pq.ParquetFile) -> list[str]:
        """Byte columns, nested ones included, that hold a dictionary page somewhere."""
        md = pf.metadata
        out: set[str] = set()
        for g in range(md.num_row_groups):
            rg = md.row_group(g)
            for c in range(rg.num_columns):
                col = rg.column(c)
                if col.has_dictionary_page and col.physical_type == "BYTE_ARRAY":
                    out.add(col.path_in_schema)
        return sorted(out)

    def batches(self, batch_rows: int, text_columns: Sequence[str] = ()) -> Iterator[SourceBatch]:
        group_rows = getattr(self, "_group_rows", None) or self._plan(self._file())
        pf = self._file(self._dict_columns)
        first = 0
        pending: list[tuple[pa.RecordBatch, dict[int, int]]] = []
        pending_rows = pending_bytes = 0

        def flush() -> SourceBatch:
            nonlocal pending, pending_rows, pending_bytes, first
            too_large: dict[int, int] = {}
            offset = 0
            for part, big in pending:
                too_large.update({offset + i: n for i, n in big.items()})
                offset += part.num_rows
            merged = (
                pending[0][0] if len(pending) == 1 else pa.concat_batches([p for p, _ in pending])
            )
            out = self._source_batch(first, merged, too_large, text_columns)
            first += merged.num_rows
            pending, pending_rows, pending_bytes = [], 0, 0
            return out

        for batch in self._read(pf, group_rows, batch_rows):
            for part, too_large in self._decoded_parts(batch):
                # small reads (a dense row group is read a few rows at a time) are joined
                # again, so the detectors still see batches of batch_rows
                if pending and (
                    pending_rows + part.num_rows > batch_rows
                    or pending_bytes + part.nbytes > BATCH_BYTES
                ):
                    yield flush()
                pending.append((part, too_large))
                pending_rows += part.num_rows
                pending_bytes += part.nbytes
        if pending:
            yield flush()

    def _read(
        self, pf: pq.ParquetFile, group_rows: list[int], batch_rows: int
    ) -> Iterator[pa.RecordBatch]:
        first = 0
        for g, rows in enumerate(group_rows):
            # see trust/loader.py for use_threads
            it = pf.iter_batches(
                batch_size=min(rows, batch_rows), row_groups=[g], use_threads=False
            )
            while True:
                try:
                    batch = next(it)
                except StopIteration:
                    break
                except (pa.ArrowInvalid, OSError) as e:
                    raise InputError(
                        f"{self.path}: cannot read rows after row {first} ({e}); the file is "
                        "damaged: copy it again from its source"
                    ) from e
                first += batch.num_rows
                yield batch

    def _decoded_parts(
        self, batch: pa.RecordBatch
    ) -> Iterator[tuple[pa.RecordBatch, dict[int, int]]]:
        """The batch with dictionaries decoded, in parts of at most BATCH_BYTES, and the rows
        (index in the part -> decoded bytes) too large to read."""
        if not any(_has_dictionary(f.type) for f in batch.schema):
            yield batch, {}
            return
        sizes = np.zeros(batch.num_rows, dtype=np.int64)
        for col in batch.columns:
            sizes += _row_bytes(col)
        over = sizes > self.max_line_bytes
        too_large_at = sizes.copy()
        if over.any():  # null before decoding, so a cell too large to read never is
            keep = pa.array([None if o else i for i, o in enumerate(over)], pa.int64())
            batch = pa.RecordBatch.from_arrays(
                [col.take(keep) for col in batch.columns], schema=batch.schema
            )
            sizes = np.where(over, 0, sizes)
        start = 0
        while start < batch.num_rows:
            stop, total = start, 0
            while stop < batch.num_rows and (stop == start or total + sizes[stop] <= BATCH_BYTES):
                total += int(sizes[stop])
                stop += 1
            part = batch.slice(start, stop - start)
            decoded = pa.RecordBatch.from_arrays(
                [
                    col.cast(_dense(col.type)) if _has_dictionary(col.type) else col
                    for col in part.columns
                ],
                names=part.schema.names,
            )
            too_large = {
                int(i) - start: int(too_large_at[i])
                for i in np.flatnonzero(over[start:stop]) + start
            }
            yield decoded, too_large
            start = stop

    def _source_batch(
        self,
        first: int,
        batch: pa.RecordBatch,
        too_large: dict[int, int],
        text_columns: Sequence[str],
    ) -> SourceBatch:
        rows: list[Any] = [{} for _ in range(batch.num_rows)]
        bad_cells: dict[int, list[str]] = {}
        for name in text_columns:
            values, bad = _safe_pylist(batch.column(name))
            for r, v in zip(rows, values, strict=True):
                r[name] = v
            for i in bad:
                bad_cells.setdefault(i, []).append(name)
        for i, size in too_large.items():
            rows[i] = RowTooLarge(size, self.max_line_bytes)
        return SourceBatch(first, rows, arrow=batch, bad_cells=bad_cells)


def _dictionary_paths(schema: pa.Schema) -> set[str]:
    """Parquet column paths (``messages.list.element.content``) of the dictionary leaves."""
    out: set[str] = set()

    def walk(t: pa.DataType, path: str) -> None:
        if pa.types.is_dictionary(t):
            out.add(path)
        elif pa.types.is_list(t) or pa.types.is_large_list(t):
            walk(t.value_type, f"{path}.list.{t.value_field.name}")
        elif pa.types.is_map(t):
            walk(t.key_type, f"{path}.key_value.key")
            walk(t.item_type, f"{path}.key_value.value")
        elif pa.types.is_struct(t):
            for f in t:
                walk(f.type, f"{path}.{f.name}")

    for f in schema:
        walk(f.type, f.name)
    return out


def _has_dictionary(t: pa.DataType) -> bool:
    return pa.types.is_dictionary(t) or any(
        _has_dictionary(t.field(i).type) for i in range(t.num_fields)
    )


def _dense(t: pa.DataType) -> pa.DataType:
    """``t`` with every dictionary replaced by its value type."""
    if pa.types.is_dictionary(t):
        return t.value_type
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        f = t.value_field
        make = pa.list_ if pa.types.is_list(t) else pa.large_list
        return make(pa.field(f.name, _dense(f.type), f.nullable))
    if pa.types.is_struct(t):
        return pa.struct([pa.field(f.name, _dense(f.type), f.nullable) for f in t])
    return t


def _row_bytes(col: pa.Array) -> np.ndarray:
    """Bytes of text each row of ``col`` decodes to, read from offsets, lengths and
    dictionary indices, without decoding anything."""
    n = len(col)
    t = col.type
    if pa.types.is_dictionary(t):
        lengths = _row_bytes(col.dictionary)
        idx = col.indices.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        out = lengths[idx] if len(lengths) else np.zeros(n, dtype=np.int64)
        return np.where(col.is_null().to_numpy(zero_copy_only=False), 0, out)
    if t in _BYTES_TYPES:
        lengths_np: np.ndarray = pc.binary_length(col).fill_null(0).to_numpy(zero_copy_only=False)
        return lengths_np.astype(np.int64)
    if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_map(t):
        inner = _row_bytes(col.values)
        cum = np.concatenate([[0], np.cumsum(inner)])
        offsets = col.offsets.to_numpy(zero_copy_only=False).astype(np.int64)
        out = cum[offsets[1:]] - cum[offsets[:-1]]
        return np.where(col.is_null().to_numpy(zero_copy_only=False), 0, out)
    if pa.types.is_struct(t):
        out = np.zeros(n, dtype=np.int64)
        for child in col.flatten():
            out += _row_bytes(child)
        return out
    return np.zeros(n, dtype=np.int64)


# --------------------------------------------------------------------------- planning


def open_source(path: InputFile, label: str, max_line_bytes: int = MAX_LINE_BYTES) -> Source:
    name = path.name.lower()
    if isinstance(path, Path) and not path.exists():
        raise InputError(f"{path}: no such file; check the path")
    if isinstance(path, Path) and path.is_dir():
        raise InputError(f"{path}: is a directory; name the files to scan")
    if name.endswith(".parquet"):
        return ParquetSource(path, label, max_line_bytes)
    if readable(name):
        return JsonSource(path, label, max_line_bytes)
    raise InputError(
        f"{path}: unknown file type; tunegate reads .parquet, .jsonl, .jsonl.gz, .ndjson and .json"
    )


@dataclass(slots=True)
class InputPlan:
    """All inputs of one job, surveyed, with one text schema and one output schema."""

    sources: list[Source]
    surveys: list[Survey]
    text_schema: TextSchema
    data_schema: pa.Schema
    json_encoded: frozenset[str]
    warnings: list[str]
    exempt: tuple[str, ...] = ()  # columns the server's policy exempts from every scan

    @property
    def passthrough(self) -> tuple[str, ...]:
        """Columns published as uploaded, whose strings the secrets and PII detectors read."""
        text = set(self.text_schema.column_names) | set(self.exempt)
        return tuple(f.name for f in self.data_schema if f.name not in text)

    @property
    def rows(self) -> int:
        return sum(s.rows for s in self.surveys)


def _labels(paths: Sequence[InputFile]) -> list[str]:
    names = [p.name for p in paths]
    if len(set(names)) == len(names):
        return names
    return [str(p) for p in paths]


def plan_inputs(
    items: Sequence[Path | str],
    fields: Sequence[str] | None,
    batch_rows: int,
    exempt: Sequence[str] = (),
    *,
    reference: bool = False,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> InputPlan:
    """Survey every input and agree on one text schema and one Arrow schema for the output.

    An item is a file, a folder, or a URI pyarrow.fs opens; folders and prefixes expand
    to the files under them (see gateway/core/locations.py)."""
    if not items:
        raise InputError("no input files given; name the files or folders to scan")
    paths = resolve_inputs(list(items))
    labels = _labels(paths)
    sources = [open_source(p, lbl, max_line_bytes) for p, lbl in zip(paths, labels, strict=True)]
    surveys: list[Survey] = []
    text_schema: TextSchema | None = None
    for src in sources:
        survey = src.survey(batch_rows)
        if not reference:  # a reference may be tunegate's own output; an upload may not
            _refuse_reserved(src.path, survey.schema.names)
        surveys.append(survey)
        if survey.rows == 0:
            continue  # an empty input has no schema to agree with
        schema = detect_schema(survey.schema.names, fields)
        if text_schema is None:
            text_schema = schema
        elif schema.column_names != text_schema.column_names:
            raise InputError(
                f"{src.path}: its training text is {schema.kind} "
                f"({', '.join(schema.column_names)}) but {sources[0].path} is {text_schema.kind} "
                f"({', '.join(text_schema.column_names)}); scan them separately or pass --fields"
            )
    if text_schema is None:
        raise InputError(
            f"{', '.join(str(p) for p in paths)}: no rows to scan (every input is empty); "
            "check you gave the right files"
        )
    data_schema = _unify([s.schema for s in surveys], sources, text_schema)
    if reference:  # tunegate's own columns of an earlier output are not data
        data_schema = pa.schema(
            [f for f in data_schema if not f.name.lower().startswith(RESERVED_PREFIX)]
        )
    flat_text = {c.name for c in text_schema.columns if c.kind is ColumnKind.FLAT}
    json_encoded = frozenset().union(*(s.json_encoded for s in surveys)) - flat_text
    warnings = []
    unscanned = unscanned_text_like(data_schema.names, text_schema)
    if unscanned:
        warnings.append(
            f"columns {unscanned} look like training text but are not in the text schema: "
            "they are scanned for secrets and PII only (not for injection, duplicates or "
            "poisoning); name them with --fields to scan them as training text"
        )
    if json_encoded:
        warnings.append(
            f"columns {sorted(json_encoded)} hold values of mixed types; "
            "they are written as JSON text"
        )
    clash = sorted(set(exempt) & set(text_schema.column_names))
    if clash:
        raise InputError(
            f"the policy's [input].exempt names training-text column(s) {clash}; training "
            "text is always scanned: remove them from exempt"
        )
    present = tuple(c for c in exempt if c in data_schema.names)
    return InputPlan(sources, surveys, text_schema, data_schema, json_encoded, warnings, present)


def _unreadable(e: BaseException) -> str:
    """Why Python's JSON parser gave up on a value that is valid JSON text."""
    if isinstance(e, RecursionError):
        return (
            "the value is nested deeper than tunegate reads (about 900 levels); flatten it "
            "or remove the row"
        )
    return f"a value cannot be read ({e}); remove the row or write the number as a string"


# a lone surrogate (from a \udXXX escape or invalid UTF-8 read with surrogateescape)
_SURROGATE = re.compile(r"[\ud800-\udfff]|\\u[dD][89a-fA-F]")


def _check_keys(value: Any, text: str, where: str) -> None:
    """Refuse a key that no column or field name can hold; cheap unless the text has a
    surrogate at all."""
    if not _SURROGATE.search(text):
        return
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            for k, x in v.items():
                try:
                    k.encode("utf-8")
                except UnicodeEncodeError:
                    raise InputError(
                        f"{where}: the key {k.encode('utf-8', 'backslashreplace').decode()!r} "
                        "holds invalid UTF-8 or a lone surrogate; fix the key"
                    ) from None
                stack.append(x)
        elif isinstance(v, list):
            stack.extend(v)


RESERVED_PREFIX = "tunegate_"


def _refuse_reserved(path: object, names: list[str]) -> None:
    """Columns the firewall writes (row id, flags, reasons) cannot come from the upload:
    an uploaded ``tunegate_flags`` would pass for the firewall's own verdict on the row."""
    reserved = sorted(n for n in names if n.lower().startswith(RESERVED_PREFIX))
    if reserved:
        raise InputError(
            f"{path}: column names starting with {RESERVED_PREFIX!r} are reserved for "
            f"what tunegate writes ({', '.join(reserved)}); rename them before scanning"
        )


def _unify(schemas: list[pa.Schema], sources: list[Source], text: TextSchema) -> pa.Schema:
    fixed = []
    for schema in schemas:
        fields = []
        for f in schema:
            if f.name in text.column_names and pa.types.is_null(f.type):
                kind = next(c.kind for c in text.columns if c.name == f.name)
                if kind is ColumnKind.FLAT:
                    f = pa.field(f.name, pa.string())
            fields.append(f)
        fixed.append(pa.schema(fields))
    try:
        unified = pa.unify_schemas(fixed, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise InputError(
            f"inputs {[str(s.path) for s in sources]} have columns of incompatible types ({e}); "
            "scan them separately"
        ) from e
    for c in text.columns:
        t = unified.field(c.name).type
        if c.kind is ColumnKind.FLAT and not (
            pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t)
        ):
            raise InputError(
                f"{', '.join(str(s.path) for s in sources)}: column {c.name!r} is training "
                f"text but has type {t}; it must hold strings: fix the column, or name the "
                "training-text columns with --fields"
            )
        if pa.types.is_null(t):
            i = unified.get_field_index(c.name)
            unified = unified.set(i, pa.field(c.name, pa.string()))
    return pa.schema([pa.field(f.name, f.type, nullable=True) for f in unified])
