"""Walking a model or adapter folder: no symlinks, no pickles, only file types we read.

Loading a pickle runs code, so a folder that holds one is refused whatever it is called:
by extension (``.bin``, ``.pt``, ...) and by its first bytes (a pickle's protocol header,
or the zip that ``torch.save`` writes around one). The walk never follows a link: a
symlink can point a verified name at bytes outside the folder, after the check.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Collection
from pathlib import Path, PurePosixPath

from gateway.trust.refusal import Refused

PICKLE_SUFFIXES = {".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib", ".npy", ".npz"}
# the file types an adapter or base model folder may hold, and how each is read
TEXT_SUFFIXES = {".json", ".md", ".txt", ".jsonl", ".gitattributes", ".model", ".py"}
TEXT_NAMES = {"LICENSE", "README", "NOTICE", ".gitattributes"}
SAFETENSORS = ".safetensors"
_PICKLE_0 = (b"(dp", b"(lp", b"(tp", b"ccopy_reg", b"c__builtin__", b"cnumpy", b"ctorch", b"}q")


def pickle_reason(name: str, head: bytes) -> str | None:
    """Why a file with this name and these first bytes unpickles, or None."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in PICKLE_SUFFIXES:
        return f"its extension {suffix} is a pickle format"
    if len(head) >= 2 and head[0] == 0x80 and 1 <= head[1] <= 5:
        return f"it starts with a pickle protocol {head[1]} header"
    if head.startswith(b"PK\x03\x04"):
        return "it is a zip archive (torch.save writes a pickle inside one)"
    if head.startswith(_PICKLE_0):
        return "it starts like a protocol-0 pickle"
    return None


def check_kind(name: str, head: bytes, where: str) -> str:
    """``safetensors`` or ``text``; refuses pickles and unknown types."""
    why = pickle_reason(name, head)
    if why is not None:
        raise Refused(
            "pickle",
            f"{where}: {why}; loading it could run code: save the weights with safetensors "
            "(save_pretrained(..., safe_serialization=True)) and delete this file",
        )
    p = PurePosixPath(name)
    if p.suffix == SAFETENSORS:
        return "safetensors"
    if p.suffix.lower() in TEXT_SUFFIXES or p.name in TEXT_NAMES:
        return "text"
    raise Refused(
        "unknown-file-type",
        f"{where}: tunegate does not read {p.suffix or 'extensionless'} files, so it cannot "
        "vouch for this one: remove it, or keep it outside the folder",
    )


def walk(folder: Path, skip: Collection[str] = ()) -> list[str]:
    """Every regular file under ``folder`` as a relative POSIX name, sorted; refuses links."""
    if folder.is_symlink():
        raise Refused("symlink", f"{folder} is a symlink; give the folder itself")
    found = []
    for root, dirs, files in os.walk(folder, followlinks=False):
        rel_root = Path(root).relative_to(folder)
        for name in sorted(dirs) + sorted(files):
            path = Path(root) / name
            rel = (rel_root / name).as_posix()
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                raise Refused(
                    "symlink",
                    f"{path} is a symlink; a link can point a checked name at other bytes "
                    "later: copy the file in its place",
                )
            if name in files and rel not in skip:
                if not stat.S_ISREG(st.st_mode):
                    raise Refused("unknown-file-type", f"{path} is not a regular file")
                found.append(rel)
    return sorted(found)


def read_head(path: Path, n: int = 16) -> bytes:
    with open(path, "rb") as f:
        return f.read(n)
