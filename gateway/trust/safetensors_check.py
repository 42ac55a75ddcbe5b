"""Parsing safetensors ourselves, strictly, from bytes already hashed.

The format is small: 8 bytes of little-endian header length, a JSON header mapping each
tensor name to ``{"dtype", "shape", "data_offsets": [begin, end]}`` (plus an optional
``__metadata__`` of strings), then the data. We do not hand validation to the
``safetensors`` library: what it tolerates is not our contract, and the checks here must
refuse the shapes of file an attacker makes two readers disagree on: a header past a
bound, duplicate names (JSON parsers keep the first or the last), ranges that overlap
(one write changes two tensors), gaps and trailing bytes (room for a payload no reader
sees), ranges past the end, and byte lengths that do not match the dtype and shape.
"""

from __future__ import annotations

import json
import math
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from gateway.trust.refusal import Refused

MAX_HEADER_BYTES = 16 * 1024 * 1024  # a LoRA header is a few KiB; a 70B model's is ~1 MiB
ITEMSIZE = {
    "F64": 8,
    "F32": 4,
    "F16": 2,
    "BF16": 2,
    "I64": 8,
    "I32": 4,
    "I16": 2,
    "I8": 1,
    "U8": 1,
    "U16": 2,
    "U32": 4,
    "U64": 8,
    "BOOL": 1,
    "F8_E4M3": 1,
    "F8_E5M2": 1,
}
FLOATS = {"F64", "F32", "F16", "BF16"}  # the ones we can read to check values
_NUMPY = {
    **{"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2"},
    **{"I8": "i1", "U8": "u1", "U16": "<u2", "U32": "<u4", "U64": "<u8", "BOOL": "?"},
}


@dataclass(frozen=True, slots=True)
class TensorInfo:
    name: str
    dtype: str
    shape: tuple[int, ...]
    begin: int  # offsets into the data section, which starts at data_start
    end: int


@dataclass(frozen=True)
class SafetensorsFile:
    """A parsed, checked file: its tensors in offset order, and the bytes they live in."""

    where: str
    data: bytes
    data_start: int
    tensors: tuple[TensorInfo, ...]
    metadata: dict[str, str]

    def by_name(self) -> dict[str, TensorInfo]:
        return {t.name: t for t in self.tensors}

    def array(self, t: TensorInfo) -> np.ndarray[Any, Any]:
        """The tensor as a numpy array (float32 for BF16), copied out of the checked bytes."""
        raw = self.data[self.data_start + t.begin : self.data_start + t.end]
        if t.dtype == "BF16":
            u16 = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            return u16.view(np.float32).reshape(t.shape)
        if t.dtype not in _NUMPY:
            raise Refused(
                "malformed-safetensors",
                f"{self.where}: tensor {t.name!r} has dtype {t.dtype}, which tunegate cannot "
                "check; convert the adapter to F32, F16 or BF16",
            )
        return np.frombuffer(raw, dtype=_NUMPY[t.dtype]).reshape(t.shape).copy()


def _no_duplicate_tensors(where: str) -> Any:
    def hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in pairs:
            if k in out:
                raise Refused(
                    "duplicate-tensor",
                    f"{where}: the header names {k!r} twice; readers disagree on which one "
                    "counts: rebuild the file with safetensors' own writer",
                )
            out[k] = v
        return out

    return hook


def _bad(where: str, why: str) -> Refused:
    return Refused("malformed-safetensors", f"{where}: {why}; the file is damaged or was altered")


def _tensor(where: str, name: str, entry: Any) -> TensorInfo:
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise _bad(where, f"tensor {name!r} needs exactly dtype, shape and data_offsets")
    dtype, shape, offs = entry["dtype"], entry["shape"], entry["data_offsets"]
    if dtype not in ITEMSIZE:
        raise _bad(where, f"tensor {name!r} has unknown dtype {dtype!r}")
    if not isinstance(shape, list) or not all(
        isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape
    ):
        raise _bad(where, f"tensor {name!r} has a malformed shape {shape!r}")
    if (
        not isinstance(offs, list)
        or len(offs) != 2
        or not all(isinstance(o, int) and not isinstance(o, bool) and o >= 0 for o in offs)
        or offs[0] > offs[1]
    ):
        raise _bad(where, f"tensor {name!r} has malformed data_offsets {offs!r}")
    expected = math.prod(shape) * ITEMSIZE[dtype]
    if offs[1] - offs[0] != expected:
        raise Refused(
            "dtype-length",
            f"{where}: tensor {name!r} is {dtype} {shape}, which is {expected} bytes, but its "
            f"offsets span {offs[1] - offs[0]}; the file is damaged or was altered",
        )
    return TensorInfo(name, dtype, tuple(shape), offs[0], offs[1])


def parse(data: bytes, where: str, max_header: int = MAX_HEADER_BYTES) -> SafetensorsFile:
    """Parse and check ``data`` (a whole .safetensors file); raises :class:`Refused`."""
    if len(data) < 8:
        raise _bad(where, f"{len(data)} bytes is too short for a header length")
    (n,) = struct.unpack("<Q", data[:8])
    if n > max_header:
        raise Refused(
            "header-too-large",
            f"{where}: the header claims {n:,} bytes, over the {max_header:,}-byte bound; "
            "a real adapter's header is a few KiB: the file is damaged or was altered",
        )
    if 8 + n > len(data):
        raise Refused(
            "offset-past-end",
            f"{where}: the header claims {n:,} bytes but the file has {len(data) - 8:,} after "
            "the length; the file is truncated or was altered",
        )
    raw = data[8 : 8 + n]
    if not raw.startswith(b"{"):
        raise _bad(where, "the header does not start with '{'")
    try:
        header = json.loads(
            raw.decode("utf-8").rstrip(" "), object_pairs_hook=_no_duplicate_tensors(where)
        )
    except UnicodeDecodeError as e:
        raise _bad(where, "the header is not UTF-8") from e
    except json.JSONDecodeError as e:
        raise _bad(where, f"the header is not JSON ({e.msg})") from e
    if not isinstance(header, dict):
        raise _bad(where, "the header is not a JSON object")
    meta = header.pop("__metadata__", {})
    if not isinstance(meta, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in meta.items()
    ):
        raise _bad(where, "__metadata__ must map strings to strings")
    tensors = sorted(
        (_tensor(where, name, entry) for name, entry in header.items()),
        key=lambda t: (t.begin, t.end),
    )
    data_len = len(data) - 8 - n
    pos = 0
    for t in tensors:
        if t.begin < pos:
            raise Refused(
                "offset-overlap",
                f"{where}: tensor {t.name!r} starts at byte {t.begin}, inside the tensor before "
                f"it (which ends at {pos}); one write would change both: the file was altered",
            )
        if t.begin > pos:
            raise Refused(
                "offset-gap",
                f"{where}: bytes {pos}..{t.begin} before tensor {t.name!r} belong to no tensor; "
                "no reader would see what is hidden there: the file was altered",
            )
        if t.end > data_len:
            raise Refused(
                "offset-past-end",
                f"{where}: tensor {t.name!r} ends at byte {t.end}, past the {data_len} bytes of "
                "data; the file is truncated or was altered",
            )
        pos = t.end
    if pos != data_len:
        raise Refused(
            "offset-past-end",
            f"{where}: {data_len - pos} bytes follow the last tensor and belong to none; the "
            "file was altered",
        )
    return SafetensorsFile(where, data, 8 + n, tuple(tensors), dict(meta))


def build(
    tensors: dict[str, np.ndarray[Any, Any]], metadata: dict[str, str] | None = None
) -> bytes:
    """A well-formed safetensors file (F32/F16/F64 arrays), for merged models and tests."""
    kinds = {np.dtype("<f4"): "F32", np.dtype("<f2"): "F16", np.dtype("<f8"): "F64"}
    header: dict[str, Any] = {"__metadata__": metadata} if metadata else {}
    chunks, pos = [], 0
    for name in sorted(tensors):
        a = np.ascontiguousarray(tensors[name])
        raw = a.astype(a.dtype.newbyteorder("<")).tobytes()
        header[name] = {
            "dtype": kinds[a.dtype.newbyteorder("<")],
            "shape": list(a.shape),
            "data_offsets": [pos, pos + len(raw)],
        }
        chunks.append(raw)
        pos += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * (-len(h) % 8)
    return struct.pack("<Q", len(h)) + h + b"".join(chunks)
