"""Pinning a base model: every file's sha256, and what its safetensors hold.

``base.pin.json`` is what an adapter's attestation binds to, and what the adapter checks
read the base's modules from (names, shapes and weight norms), so an adapter can be
checked against a base without the base's gigabytes at hand. A pin is made from the
model's bytes in one pass; a folder that holds a pickle or a symlink is refused, since a
pinned model must be loadable without running code.
"""

from __future__ import annotations

import hashlib
import json
import mmap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np

from gateway.errors import UsageError, VerificationError
from gateway.trust.dsse import strict_json
from gateway.trust.manifest import root_digest
from gateway.trust.model_files import check_kind, read_head, walk
from gateway.trust.safetensors_check import FLOATS, parse

PIN_TYPE = "https://tunegate.dev/base-model-pin/v1"


@dataclass(frozen=True, slots=True)
class PinnedFile:
    name: str
    sha256: str
    bytes: int


@dataclass(frozen=True)
class BaseModel:
    """A pinned base model: its files, and each tensor's dtype, shape and (2-D floats) norm."""

    name: str
    source: str  # the folder it was pinned from, resolved (a hint, never trusted)
    files: tuple[PinnedFile, ...]
    tensors: dict[str, dict[str, Any]]  # tensor name -> {"file", "dtype", "shape", "norm"?}
    from_pin: bool = False  # read from a pin file, not from the model's bytes

    @property
    def root_digest(self) -> str:
        return root_digest([(f.name, f.sha256, f.bytes) for f in self.files])

    @property
    def tensors_sha256(self) -> str:
        """Digest of the tensor table: binds a pin file's table to an attestation."""
        blob = json.dumps(self.tensors, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()

    def weights(self) -> dict[str, dict[str, Any]]:
        """Module name -> its ``.weight`` tensor's entry (what LoRA layers attach to)."""
        return {n[: -len(".weight")]: t for n, t in self.tensors.items() if n.endswith(".weight")}

    def to_json(self) -> dict[str, Any]:
        return {
            "_type": PIN_TYPE,
            "name": self.name,
            "source": self.source,
            "root_digest": self.root_digest,
            "files": [{"name": f.name, "sha256": f.sha256, "bytes": f.bytes} for f in self.files],
            "tensors": self.tensors,
        }

    def summary(self) -> dict[str, Any]:
        """What an attestation records of the base."""
        return {
            "name": self.name,
            "root_digest": self.root_digest,
            "tensors_sha256": self.tensors_sha256,
            "files": [
                {"name": f.name, "digest": {"sha256": f.sha256}, "bytes": f.bytes}
                for f in self.files
            ],
        }


def _default_name(folder: Path) -> str:
    cfg = folder / "config.json"
    if cfg.is_file():
        try:
            name = json.loads(cfg.read_text("utf-8")).get("_name_or_path")
        except (ValueError, OSError, AttributeError):
            name = None
        if isinstance(name, str) and name:
            return name
    return folder.resolve().name


def _table(where: str, data: bytes, file: str) -> dict[str, dict[str, Any]]:
    st = parse(data, where)
    out: dict[str, dict[str, Any]] = {}
    for t in st.tensors:
        entry: dict[str, Any] = {"file": file, "dtype": t.dtype, "shape": list(t.shape)}
        if t.dtype in FLOATS and len(t.shape) == 2:
            a = st.array(t).astype(np.float64, copy=False)
            entry["norm"] = float(np.sqrt(np.einsum("ij,ij->", a, a)))
        out[t.name] = entry
    return out


def pin_folder(folder: Path, name: str | None = None, skip: Sequence[str] = ()) -> BaseModel:
    """Hash every file under ``folder`` and read its safetensors headers and norms."""
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder; give the base model's folder (or a pin file)")
    files: list[PinnedFile] = []
    tensors: dict[str, dict[str, Any]] = {}
    for rel in walk(folder, skip):
        path = folder / rel
        kind = check_kind(rel, read_head(path), str(path))
        with open(path, "rb") as f:
            size = f.seek(0, 2)
            if size == 0:
                files.append(PinnedFile(rel, hashlib.sha256(b"").hexdigest(), 0))
                continue
            with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
                sha = hashlib.sha256(m).hexdigest()
                if kind == "safetensors":
                    for tname, entry in _table(str(path), cast(bytes, m), rel).items():
                        if tname in tensors:
                            raise VerificationError(
                                f"{path}: tensor {tname!r} is also in "
                                f"{tensors[tname]['file']}; a model's shards must not overlap"
                            )
                        tensors[tname] = entry
        files.append(PinnedFile(rel, sha, size))
    if not tensors:
        raise UsageError(
            f"{folder}: no .safetensors weights here; pin the folder that holds the base "
            "model's safetensors files"
        )
    return BaseModel(name or _default_name(folder), str(folder.resolve()), tuple(files), tensors)


def load_pin(path: Path) -> BaseModel:
    """A pin written by :func:`pin_folder`; its files are checked against an attestation."""
    try:
        doc = strict_json(path.read_bytes(), str(path))
    except OSError as e:
        raise UsageError(f"{path}: cannot read the pin ({e.strerror or e})") from e
    try:
        if doc["_type"] != PIN_TYPE:
            raise VerificationError(f"{path}: not a base-model pin (_type {doc['_type']!r})")
        files = tuple(PinnedFile(f["name"], f["sha256"], int(f["bytes"])) for f in doc["files"])
        base = BaseModel(
            str(doc["name"]), str(doc["source"]), files, dict(doc["tensors"]), from_pin=True
        )
    except (KeyError, TypeError, ValueError) as e:
        raise VerificationError(
            f"{path}: malformed pin ({e}); make it again with tunegate base-model pin"
        ) from e
    if doc.get("root_digest") != base.root_digest:
        raise VerificationError(f"{path}: root_digest does not match its files; pin it again")
    return base


def load_base(path: Path, name: str | None = None) -> BaseModel:
    """A folder is pinned now; a file is read as a pin."""
    return pin_folder(path, name) if path.is_dir() else load_pin(path)


def write_pin(base: BaseModel, out: Path) -> Path:
    out.write_text(json.dumps(base.to_json(), indent=1, sort_keys=True) + "\n", "utf-8")
    return out
