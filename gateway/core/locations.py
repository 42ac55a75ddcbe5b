"""Where inputs live: local paths, or URIs that pyarrow.fs opens (s3://, gs://, hdfs://, file://).

A large adaptation set is usually many Parquet files under one prefix in an object store.
Readers only need a name, a way to open the bytes, and something to put in messages, so
a remote file is reduced to exactly that; a folder or prefix expands to the files under
it that tunegate can read, in sorted order, so the same prefix always gives the same
row order (and the same row ids). Credentials come from the environment as pyarrow.fs
reads them, or from the URI itself; either way no message, report or manifest repeats
them (:func:`display_uri`).
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import IO, Any, cast

from gateway.errors import InputError

READABLE_SUFFIXES = (
    ".parquet",
    ".jsonl",
    ".jsonl.gz",
    ".ndjson",
    ".ndjson.gz",
    ".json",
    ".json.gz",
)
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_uri(text: str) -> bool:
    return bool(_URI.match(text))


def display_uri(uri: str) -> str:
    """The URI as messages and reports show it: no user, password or query string, since
    object-store URIs may carry credentials (s3://KEY:SECRET@bucket/...)."""
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(uri)
        host = parts.hostname or ""
        netloc = host + (f":{parts.port}" if parts.port else "")
    except ValueError:
        return uri.split("://", 1)[0] + "://<unparseable>"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _scrub(message: str, uri: str) -> str:
    """An error from pyarrow with the raw URI (and any credentials in it) taken out."""
    from urllib.parse import urlsplit

    message = message.replace(uri, display_uri(uri))
    try:
        parts = urlsplit(uri)
        secrets = [parts.username, parts.password, parts.query]
    except ValueError:
        secrets = []
    for secret in secrets:
        if secret:
            message = message.replace(secret, "***")
    return message


class RemoteFile:
    """One file behind a pyarrow filesystem, with the few methods readers use of a Path.
    ``uri`` is the display form (no credentials): the filesystem object holds those."""

    def __init__(self, fs: Any, path: str, uri: str) -> None:
        self.fs = fs
        self.fs_path = path
        self.uri = uri
        self.name = PurePosixPath(path).name

    def open(self, mode: str = "rb") -> IO[bytes]:
        if mode != "rb":
            raise ValueError("remote inputs are read-only")
        return cast(IO[bytes], self.fs.open_input_file(self.fs_path))

    def __str__(self) -> str:
        return self.uri

    def __repr__(self) -> str:
        return f"RemoteFile({self.uri!r})"


InputFile = Path | RemoteFile


def readable(name: str) -> bool:
    return name.lower().endswith(READABLE_SUFFIXES)


def resolve_inputs(items: list[str | Path]) -> list[InputFile]:
    """Files to scan, in order: a folder or prefix becomes its readable files, sorted."""
    out: list[InputFile] = []
    for item in items:
        if isinstance(item, str) and is_uri(item):
            out.extend(_resolve_uri(item))
        else:
            out.extend(_resolve_local(Path(item)))
    return out


def _resolve_local(path: Path) -> list[InputFile]:
    if path.exists() and not path.is_dir() and not path.is_file():
        # a FIFO, socket or device: read once, it cannot be hashed and re-read, and a FIFO
        # with no writer hangs the scan
        raise InputError(
            f"{path}: not a regular file (a pipe, socket or device); copy it to a file first"
        )
    if not path.is_dir():
        return [path]  # a missing or unreadable file is reported when it is opened
    found = sorted(p for p in path.rglob("*") if p.is_file() and readable(p.name))
    if not found:
        raise InputError(
            f"{path}: a folder with no .parquet, .jsonl or .json files in it; "
            "name the files to scan"
        )
    return list(found)


def _resolve_uri(uri: str) -> list[InputFile]:
    import pyarrow.fs as pafs

    shown = display_uri(uri)
    try:
        fs, root = pafs.FileSystem.from_uri(uri)
    except (ValueError, OSError, NotImplementedError) as e:
        raise InputError(
            f"{shown}: cannot open this location ({_scrub(str(e), uri)}); check the URI's scheme "
            "(s3://, gs://, hdfs://, file://) and that its filesystem is installed"
        ) from None
    try:
        info = fs.get_file_info(root)
    except OSError as e:
        raise InputError(
            f"{shown}: cannot read this location ({_scrub(str(e), uri)}); check the URI and your "
            "credentials for it"
        ) from None
    if info.type == pafs.FileType.NotFound:
        raise InputError(f"{shown}: no such file or prefix; check the URI")
    if info.type == pafs.FileType.File:
        return [RemoteFile(fs, root, shown)]
    try:
        infos = fs.get_file_info(pafs.FileSelector(root, recursive=True))
    except OSError as e:
        raise InputError(
            f"{shown}: cannot list this prefix ({_scrub(str(e), uri)}); check your permission to "
            "list it, or name the files"
        ) from None
    base = shown.rstrip("/")
    files = sorted(i.path for i in infos if i.type == pafs.FileType.File and readable(i.base_name))
    if not files:
        raise InputError(
            f"{shown}: a prefix with no .parquet, .jsonl or .json files under it; "
            "check the prefix, or name the files"
        )
    prefix = root.rstrip("/")
    return [
        RemoteFile(fs, p, base + p[len(prefix) :] if p.startswith(prefix) else p) for p in files
    ]
