"""What a Parquet file's pages will decode to, read from their headers before any is decoded.

Parquet's metadata states each column chunk's sizes, but the reader allocates per *page*,
by the ``uncompressed_page_size`` of the page's own header: an 18 KB file can hold one
page that decompresses to 200 MiB. The only honest bound is those headers, so they are
read here (Thrift compact protocol, a few hundred bytes each) and a page past the limit
refuses the file, naming column and row group, before pyarrow decodes anything.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

import pyarrow.parquet as pq

from gateway.errors import InputError

# A page header is a few hundred bytes; statistics (min and max values) can make it more.
_HEADER_READ = 1 << 10
_MAX_HEADER = 1 << 20

# Thrift compact protocol field types
_STOP, _TRUE, _FALSE, _BYTE, _I16, _I32, _I64, _DOUBLE = 0, 1, 2, 3, 4, 5, 6, 7
_BINARY, _LIST, _SET, _MAP, _STRUCT = 8, 9, 10, 11, 12


class _Short(Exception):
    """The header runs past the bytes read so far."""


class _Malformed(Exception):
    pass


DICTIONARY_PAGE = 2


@dataclass(frozen=True, slots=True)
class PageHeader:
    type: int
    uncompressed: int
    compressed: int
    length: int  # bytes of the header itself
    values: int  # values in a data page (0 for others)


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise _Short
        b = self.data[self.pos]
        self.pos += 1
        return b

    def varint(self) -> int:
        shift = result = 0
        while True:
            b = self.byte()
            result |= (b & 0x7F) << shift
            if not b & 0x80:
                return result
            shift += 7
            if shift > 63:
                raise _Malformed("varint too long")

    def zigzag(self) -> int:
        n = self.varint()
        return (n >> 1) ^ -(n & 1)

    def skip(self, n: int) -> None:
        if n < 0:
            raise _Malformed("negative length")
        if self.pos + n > len(self.data):
            raise _Short
        self.pos += n

    def skip_value(self, kind: int, depth: int) -> None:
        if depth > 32:
            raise _Malformed("nested too deep")
        if kind in (_TRUE, _FALSE):
            return
        if kind == _BYTE:
            self.skip(1)
        elif kind in (_I16, _I32, _I64):
            self.varint()
        elif kind == _DOUBLE:
            self.skip(8)
        elif kind == _BINARY:
            self.skip(self.varint())
        elif kind in (_LIST, _SET):
            head = self.byte()
            size, elem = head >> 4, head & 0x0F
            if size == 15:
                size = self.varint()
            for _ in range(size):
                if elem in (_TRUE, _FALSE):
                    self.skip(1)  # booleans in a collection take a byte each
                else:
                    self.skip_value(elem, depth + 1)
        elif kind == _MAP:
            size = self.varint()
            if size:
                types = self.byte()
                for _ in range(size):
                    self.skip_value(types >> 4, depth + 1)
                    self.skip_value(types & 0x0F, depth + 1)
        elif kind == _STRUCT:
            self.struct({}, depth + 1)
        else:
            raise _Malformed(f"unknown field type {kind}")

    def struct(self, wanted: dict[int, int], depth: int = 0) -> dict[int, int]:
        """Read a struct, keeping the integer fields whose ids are in ``wanted``, and the
        first field (``num_values``) of the data page headers (fields 5 and 8) as 100 + id."""
        out: dict[int, int] = {}
        last = 0
        while True:
            head = self.byte()
            kind = head & 0x0F
            if kind == _STOP:
                return out
            delta = head >> 4
            fid = last + delta if delta else self.zigzag()
            last = fid
            if fid in wanted and kind in (_I32, _I64):
                out[fid] = self.zigzag()
            elif depth == 0 and fid in (5, 8) and kind == _STRUCT:
                inner = self.struct({1: 0}, depth + 1)
                if 1 in inner:
                    out[100 + fid] = inner[1]
            else:
                self.skip_value(kind, depth)


def read_header(f: IO[bytes], offset: int) -> PageHeader:
    size = _HEADER_READ
    while True:
        f.seek(offset)
        data = f.read(size)
        r = _Reader(data)
        try:
            fields = r.struct({1: 0, 2: 0, 3: 0})
        except _Short:
            if len(data) < size or size >= _MAX_HEADER:
                raise _Malformed("page header truncated or too long") from None
            size *= 4
            continue
        if not {1, 2, 3} <= fields.keys():
            raise _Malformed("page header without its sizes")
        values = fields.get(105, fields.get(108, 0))
        return PageHeader(fields[1], fields[2], fields[3], r.pos, max(0, values))


def batch_rows_by_group(
    metadata: pq.FileMetaData,
    open_file: Callable[[], IO[bytes]],
    limit: int,
    budget: int,
    dictionary_columns: frozenset[str],
    where: str,
) -> list[int]:
    """Refuse a file any of whose pages decodes to more than ``limit`` bytes; else, per row
    group, how many rows to decode at once so a batch stays near ``budget`` bytes.

    A batch of k rows holds at most the pages it covers whole (at most k times the densest
    page's bytes per row) and two partly covered pages per column. A page of a nested
    column may hold one row however many values it has, so its density is its size. The
    dictionary pages of ``dictionary_columns`` are left out: those columns are read as
    dictionaries and their rows measured before decoding."""
    sizes: list[int] = []
    with open_file() as f:
        for g in range(metadata.num_row_groups):
            rg = metadata.row_group(g)
            if rg.num_rows == 0:
                sizes.append(1)  # nothing to read (its pages, if any, are never decoded)
                continue
            per_row = 0.0
            for c in range(rg.num_columns):
                col = rg.column(c)
                nested = "." in col.path_in_schema
                # a run of nulls or repeats encodes to a few bytes, but each value still
                # decodes to its Arrow width (and an index, for a dictionary)
                width = _ARROW_WIDTH.get(col.physical_type, 8)
                if col.physical_type == "FIXED_LEN_BYTE_ARRAY":
                    width = max(width, _fixed_length(col))
                densest = 0.0
                for h in _pages(f, col, limit, f"{where}: row group {g}"):
                    if h.type == DICTIONARY_PAGE:
                        if col.path_in_schema not in dictionary_columns:
                            densest = max(densest, float(h.uncompressed))
                        continue
                    decoded = max(float(h.uncompressed), h.values * width)
                    rows = 1 if nested else max(1, h.values)
                    densest = max(densest, decoded / rows)
                per_row += densest
            sizes.append(max(1, min(rg.num_rows, int(budget // max(per_row, 1.0)))))
    return sizes


# bytes one value takes in Arrow once decoded (a string: its offset; its bytes are in the
# page), plus a validity bit rounded up
_ARROW_WIDTH = {
    "BOOLEAN": 1,
    "INT32": 5,
    "INT64": 9,
    "INT96": 17,
    "FLOAT": 5,
    "DOUBLE": 9,
    "BYTE_ARRAY": 9,
    "FIXED_LEN_BYTE_ARRAY": 1,
}


def _fixed_length(col: Any) -> int:
    """A FIXED_LEN_BYTE_ARRAY's length is in the schema, not the chunk; statistics hold a
    value of it when present. Decimals and UUIDs are at most 32 bytes."""
    stats = col.statistics
    if stats is not None and stats.has_min_max and isinstance(stats.min, bytes):
        return len(stats.min) + 1
    return 33


def _pages(f: IO[bytes], col: Any, limit: int, where: str) -> Iterator[PageHeader]:
    # a dictionary page, when there is one, comes first; a chunk of no rows may have only
    # that, with data_page_offset 0, which is the file's magic and no page at all
    start = col.data_page_offset
    if col.has_dictionary_page and (col.dictionary_page_offset or 0) > 0:
        start = col.dictionary_page_offset
    if col.num_values == 0 and col.total_compressed_size == 0:
        return
    end = start + col.total_compressed_size
    pos = start
    while pos < end:
        try:
            h = read_header(f, pos)
        except (_Malformed, OSError, ValueError) as e:
            raise InputError(
                f"{where}, column {col.path_in_schema!r}: cannot read a page header at byte "
                f"{pos:,} ({e}); the file is damaged: copy it again from its source"
            ) from None
        if h.uncompressed > limit or h.uncompressed < 0 or h.compressed < 0:
            raise InputError(
                f"{where}, column {col.path_in_schema!r}: a page decodes to "
                f"{h.uncompressed:,} bytes, over this scan's limit of {limit:,} per page; "
                "nothing was read: write it with smaller pages (pyarrow: "
                "write_table(..., write_batch_size=64)) or smaller cells"
            )
        yield h
        pos += h.length + h.compressed
