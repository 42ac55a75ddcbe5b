"""Verifying an output folder against its signed manifest and the verifier's keys.

Checks, in order, each a refusal with its own message: the envelope parses strictly; its
payloadType is in-toto's; a signature verifies under a key the verifier trusts, valid
now by the verifier's clock, not revoked, allowed for this dataset; the statement is ours;
the dataset id, sequence and policy are what the verifier expects; the manifest is inside
its validity window; every subject name is a plain relative path; the root digest
matches; every file exists, is no symlink, and has the listed size and sha256; and no
other file is in the folder.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from gateway.errors import VerificationError
from gateway.trust.approvals import SignOff, signoff_refusal
from gateway.trust.dsse import PAYLOAD_TYPE, pae, parse_envelope, strict_json
from gateway.trust.keys import verify_signature
from gateway.trust.manifest import MANIFEST_NAME, PREDICATE_TYPE, STATEMENT_TYPE, root_digest
from gateway.trust.trusted import TrustedKey, TrustStore, now_utc, parse_time

WEAK_DIGESTS = {"md5", "sha1"}
# what to do when a folder does not verify: its bytes are not the ones that were signed
_REFETCH = "do not train on this folder; pull or scan it again from the source"


@dataclass(frozen=True, slots=True)
class VerifiedSubject:
    name: str
    sha256: str
    bytes: int
    rows: int | None
    split: str


@dataclass(frozen=True)
class VerifiedManifest:
    statement: dict[str, Any]
    keyid: str
    subjects: tuple[VerifiedSubject, ...]
    envelope_sha256: str  # of the manifest bytes that were verified: what a run records
    signers: tuple[str, ...] = ()  # every trusted, usable key whose signature verified

    @property
    def dataset(self) -> dict[str, Any]:
        d: dict[str, Any] = self.statement["predicate"]["dataset"]
        return d

    def split(self, name: str) -> list[VerifiedSubject]:
        return [s for s in self.subjects if s.split == name]


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise VerificationError(
            f"{MANIFEST_NAME}: subject name {name!r} is not a non-empty string; {_REFETCH}"
        )
    if "\0" in name or "\\" in name:
        raise VerificationError(
            f"{MANIFEST_NAME}: subject name {name!r} contains NUL or a backslash; {_REFETCH}"
        )
    p = PurePosixPath(name)
    if p.is_absolute() or name.startswith("/"):
        raise VerificationError(
            f"{MANIFEST_NAME}: subject name {name!r} is an absolute path; {_REFETCH}"
        )
    if any(part in ("..", ".", "") for part in name.split("/")):
        raise VerificationError(
            f"{MANIFEST_NAME}: subject name {name!r} is not a plain relative path; {_REFETCH}"
        )
    if name == MANIFEST_NAME:
        raise VerificationError(f"{MANIFEST_NAME} lists itself as a subject; {_REFETCH}")
    return name


def _subjects(statement: dict[str, Any]) -> tuple[VerifiedSubject, ...]:
    raw = statement.get("subject")
    if not isinstance(raw, list) or not raw:
        raise VerificationError(f"{MANIFEST_NAME} lists no subjects; {_REFETCH}")
    seen: set[str] = set()
    out = []
    for s in raw:
        if not isinstance(s, dict):
            raise VerificationError(f"{MANIFEST_NAME}: a subject is not an object; {_REFETCH}")
        name = _check_name(s.get("name"))
        if name in seen:
            raise VerificationError(
                f"{MANIFEST_NAME}: subject {name!r} is listed twice; {_REFETCH}"
            )
        seen.add(name)
        digest = s.get("digest")
        if not isinstance(digest, dict) or "sha256" not in digest:
            algos = sorted(digest) if isinstance(digest, dict) else []
            weak = " (weak digests only)" if set(algos) & WEAK_DIGESTS else ""
            raise VerificationError(
                f"{MANIFEST_NAME}: subject {name!r} has no sha256 digest{weak}: {algos}; {_REFETCH}"
            )
        sha = digest["sha256"]
        if (
            not isinstance(sha, str)
            or len(sha) != 64
            or not all(c in "0123456789abcdef" for c in sha)
        ):
            raise VerificationError(
                f"{MANIFEST_NAME}: subject {name!r} has a malformed sha256; {_REFETCH}"
            )
        ann = s.get("annotations")
        if not isinstance(ann, dict):
            raise VerificationError(
                f"{MANIFEST_NAME}: subject {name!r} has no annotations; {_REFETCH}"
            )
        size, rows, split = ann.get("bytes"), ann.get("rows"), ann.get("split")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise VerificationError(
                f"{MANIFEST_NAME}: subject {name!r} has no valid byte count; {_REFETCH}"
            )
        if rows is not None and (not isinstance(rows, int) or isinstance(rows, bool)):
            raise VerificationError(
                f"{MANIFEST_NAME}: subject {name!r} has an invalid row count; {_REFETCH}"
            )
        if not isinstance(split, str):
            raise VerificationError(f"{MANIFEST_NAME}: subject {name!r} has no split; {_REFETCH}")
        out.append(VerifiedSubject(name, sha, size, rows, split))
    if not any(s.split == "clean" and s.name.endswith(".parquet") for s in out):
        raise VerificationError(f"{MANIFEST_NAME} lists zero clean shards; {_REFETCH}")
    return tuple(out)


def _authenticate(
    sigs: tuple[tuple[str, bytes], ...], message: bytes, trust: TrustStore
) -> list[TrustedKey]:
    """Trusted keys whose signature over ``message`` verifies."""
    good = []
    problems = []
    for keyid, sig in sigs:
        key = trust.find(keyid)
        if key is None:
            problems.append(
                f"{MANIFEST_NAME}: signed by unknown key {keyid}; check you have the right key "
                "(the signer's .pub)"
            )
            continue
        if verify_signature(key.public, sig, message):
            good.append(key)
        else:
            problems.append(
                f"{MANIFEST_NAME}: signature by {keyid} does not verify (the manifest was "
                f"altered); {_REFETCH}"
            )
    if not good:
        raise VerificationError(
            "; ".join(problems) or f"{MANIFEST_NAME}: no signatures; {_REFETCH}"
        )
    return good


def verify_statement(
    out: Path,
    trust: TrustStore,
    *,
    dataset: str | None = None,
    min_sequence: int | None = None,
    expect_policy: str | None = None,
    now: datetime | None = None,
    signoff: SignOff | None = None,
) -> VerifiedManifest:
    """Everything but the files' contents: envelope, signatures and sign-offs, statement,
    names."""
    now = now or now_utc()
    path = out / MANIFEST_NAME
    try:
        if path.is_symlink():
            raise VerificationError(f"{path} is a symlink; {_REFETCH}")
        data = path.read_bytes()
    except OSError as e:
        raise VerificationError(
            f"{path}: cannot read the manifest ({e.strerror or e}); verify a folder written by a "
            "signed scan (--dataset and --sign-key) or by tunegate pull"
        ) from e
    env = parse_envelope(data)
    if env.payload_type != PAYLOAD_TYPE:
        raise VerificationError(
            f"{path}: payloadType is {env.payload_type!r}, expected {PAYLOAD_TYPE!r}; {_REFETCH}"
        )
    keys = _authenticate(env.signatures, pae(env.payload_type, env.payload), trust)
    statement = strict_json(env.payload, "manifest payload")
    if not isinstance(statement, dict) or statement.get("_type") != STATEMENT_TYPE:
        raise VerificationError(f"{path}: the payload is not an in-toto Statement v1; {_REFETCH}")
    if statement.get("predicateType") != PREDICATE_TYPE:
        raise VerificationError(
            f"{path}: predicateType is {statement.get('predicateType')!r}, "
            f"expected {PREDICATE_TYPE!r}; {_REFETCH}"
        )
    pred = statement.get("predicate")
    if not isinstance(pred, dict):
        raise VerificationError(f"{path}: the statement has no predicate; {_REFETCH}")
    try:
        ds = pred["dataset"]
        ds_id, seq = ds["id"], ds["sequence"]
        policy_digest = pred["policy"]["digest"]
        validity = pred["validity"]
        claimed_root = pred["output"]["root_digest"]
    except (KeyError, TypeError) as e:
        raise VerificationError(
            f"{path}: the predicate lacks a required field ({e}); {_REFETCH}"
        ) from e
    if not isinstance(ds_id, str) or not isinstance(seq, int) or isinstance(seq, bool):
        raise VerificationError(
            f"{path}: the predicate's dataset id or sequence is malformed; {_REFETCH}"
        )

    refusals = [r for k in keys if (r := k.refusal(now, ds_id)) is not None]
    usable = [k for k in keys if k.refusal(now, ds_id) is None]
    if not usable:
        raise VerificationError(f"{path}: " + "; ".join(refusals))
    if signoff is not None and (why := signoff_refusal(usable, signoff)) is not None:
        raise VerificationError(f"{path}: {why}")
    if dataset is not None and ds_id != dataset:
        raise VerificationError(
            f"{path}: the manifest is for dataset {ds_id!r}, not {dataset!r}; check the dataset "
            "id you asked for, or that this is the folder you meant"
        )
    if min_sequence is not None and seq < min_sequence:
        raise VerificationError(
            f"{path}: sequence {seq} is older than the minimum {min_sequence} (rollback refused); "
            "get the newest release of this dataset"
        )
    if expect_policy is not None and policy_digest != expect_policy:
        raise VerificationError(
            f"{path}: policy digest {policy_digest} is not the expected {expect_policy}; "
            "scan the data again under the expected policy, or check the digest you expect"
        )
    not_before = parse_time(validity.get("not_before"), "validity.not_before")
    not_after = parse_time(validity.get("not_after"), "validity.not_after")
    if not not_before <= now <= not_after:
        raise VerificationError(
            f"{path}: the manifest is valid from {not_before.isoformat()} to "
            f"{not_after.isoformat()}; it is now {now.isoformat()}; get a newer release from its "
            "source, or check this machine's clock"
        )
    subjects = _subjects(statement)
    root = root_digest([(s.name, s.sha256, s.bytes) for s in subjects])
    if root != claimed_root:
        raise VerificationError(f"{path}: the root digest does not match the subjects; {_REFETCH}")
    return VerifiedManifest(
        statement,
        usable[0].keyid,
        subjects,
        hashlib.sha256(data).hexdigest(),
        tuple(dict.fromkeys(k.keyid for k in usable)),
    )


def open_subject(out: Path, subject: VerifiedSubject) -> BinaryIO:
    """Open a listed file without following a symlink anywhere on its path."""
    real_out = out.resolve()
    path = out / subject.name
    cur = out
    for part in PurePosixPath(subject.name).parts:
        cur = cur / part
        try:
            st = cur.lstat()
        except OSError as e:
            raise VerificationError(
                f"{out / subject.name}: missing ({e.strerror}); {_REFETCH}"
            ) from e
        if stat.S_ISLNK(st.st_mode):
            raise VerificationError(
                f"{out / subject.name}: is or passes through a symlink; {_REFETCH}"
            )
    if not path.resolve().is_relative_to(real_out):
        raise VerificationError(
            f"{out / subject.name}: resolves outside the output folder; {_REFETCH}"
        )
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as e:
        raise VerificationError(
            f"{out / subject.name}: cannot open ({e.strerror}); check that you may read it"
        ) from e
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise VerificationError(f"{out / subject.name}: is not a regular file; {_REFETCH}")
    return os.fdopen(fd, "rb")


def read_verified(out: Path, subject: VerifiedSubject) -> Iterator[bytes]:
    """The file's bytes in chunks; raises at the end if size or sha256 differ."""
    h = hashlib.sha256()
    size = 0
    with open_subject(out, subject) as f:
        while chunk := f.read(1 << 22):
            h.update(chunk)
            size += len(chunk)
            if size > subject.bytes:
                raise VerificationError(
                    f"{out / subject.name}: larger than the {subject.bytes} bytes listed; "
                    f"{_REFETCH}"
                )
            yield chunk
    if size != subject.bytes:
        raise VerificationError(
            f"{out / subject.name}: {size} bytes, the manifest lists {subject.bytes}; {_REFETCH}"
        )
    if h.hexdigest() != subject.sha256:
        raise VerificationError(
            f"{out / subject.name}: sha256 does not match the manifest (tampered?); {_REFETCH}"
        )


def check_no_extra_files(out: Path, vm: VerifiedManifest) -> None:
    listed = {s.name for s in vm.subjects} | {MANIFEST_NAME}
    for root, dirs, files in os.walk(out, followlinks=False):
        rel_root = Path(root).relative_to(out)
        for name in files + [d for d in dirs if (Path(root) / d).is_symlink()]:
            rel = (rel_root / name).as_posix()
            if rel not in listed:
                raise VerificationError(
                    f"{out / rel}: not listed in the manifest (extra file); delete it if you "
                    f"added it, otherwise {_REFETCH}"
                )


def verify_output(
    out: Path,
    trust: TrustStore,
    *,
    dataset: str | None = None,
    min_sequence: int | None = None,
    expect_policy: str | None = None,
    now: datetime | None = None,
    signoff: SignOff | None = None,
) -> VerifiedManifest:
    """Verify the folder completely; returns the statement, or raises :class:`VerificationError`."""
    if not out.is_dir():
        raise VerificationError(
            f"{out}: not a folder; give the output folder of a signed scan or of tunegate pull"
        )
    vm = verify_statement(
        out,
        trust,
        dataset=dataset,
        min_sequence=min_sequence,
        expect_policy=expect_policy,
        now=now,
        signoff=signoff,
    )
    check_no_extra_files(out, vm)
    for s in vm.subjects:
        for _ in read_verified(out, s):
            pass
    return vm
