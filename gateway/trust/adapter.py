"""Adapter provenance: attest an adapter to its data and base model; verify before use.

The attestation is an in-toto Statement v1 in a DSSE envelope (``provenance.intoto.jsonl``
in the adapter folder). Subjects are every adapter file; the predicate
(``PREDICATE_TYPE``, documented in docs/adapters.md) binds the base model's pinned digests,
each dataset release consumed (verified when attesting), the training config's digest and
the adapter's PEFT parameters, tool versions and the time.

Verifying reads each listed file once, hashes it, and runs every safety check on those
same bytes, so what :func:`verify_adapter` returns is what was checked. Every refusal is a
:class:`~gateway.trust.refusal.Refused` (exit 3) naming the check.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gateway import __version__
from gateway.errors import UsageError, VerificationError
from gateway.trust.adapter_check import MAX_UPDATE_RATIO, CheckedAdapter, check_files
from gateway.trust.approvals import SignOff, payload_sha256, signoff_refusal, verified_signers
from gateway.trust.basepin import BaseModel, pin_folder
from gateway.trust.dsse import PAYLOAD_TYPE, Envelope, parse_envelope, sign_envelope, strict_json
from gateway.trust.keys import Signer
from gateway.trust.manifest import MANIFEST_NAME, STATEMENT_TYPE, root_digest
from gateway.trust.model_files import walk
from gateway.trust.refusal import Refused
from gateway.trust.trusted import TrustedKey, TrustStore, now_utc
from gateway.trust.verify import VerifiedManifest

PREDICATE_TYPE = "https://tunegate.dev/attestation/adapter-provenance/v1"
ATTESTATION_NAME = "provenance.intoto.jsonl"
_PEFT_KEYS = {"r": ("r", "rank", "lora_r"), "lora_alpha": ("lora_alpha", "alpha")}
Revocation = Callable[[dict[str, Any]], None]  # raises for a dataset release withdrawn since
Registry = Callable[[str, dict[str, Any]], None]  # raises for an adapter (payload sha256) withdrawn


@dataclass(frozen=True)
class VerifiedAdapter:
    """An adapter that verified: its statement, who signed, and the checked bytes."""

    statement: dict[str, Any]
    signers: tuple[str, ...]
    files: dict[str, bytes]
    checked: CheckedAdapter
    envelope_sha256: str
    payload_sha256: str

    @property
    def predicate(self) -> dict[str, Any]:
        p: dict[str, Any] = self.statement["predicate"]
        return p


def _read_nofollow(path: Path) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as e:
        if path.is_symlink():
            raise Refused("symlink", f"{path} is a symlink") from e
        raise Refused("missing-file", f"{path}: cannot open ({e.strerror})") from e
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise Refused("unknown-file-type", f"{path} is not a regular file")
        return f.read()


def read_folder(folder: Path, skip: Sequence[str] = ()) -> dict[str, bytes]:
    """Every file of an adapter folder (no links followed), name -> bytes."""
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder; give the adapter's folder")
    return {name: _read_nofollow(folder / name) for name in walk(folder, skip)}


def _check_base_name(config_base: str, base: BaseModel, attested: str | None) -> None:
    """adapter_config.json must name the base the digests pin: by its pinned name, the
    folder it was pinned from, or (attesting) another folder holding the same files."""
    if attested is not None:  # verifying: the name must be the one that was attested
        if config_base != attested:
            raise Refused(
                "base-model-mismatch",
                f"adapter_config.json names base {config_base!r}; the attestation binds "
                f"{attested!r}",
            )
        return
    if config_base in (base.name, base.source):
        return
    p = Path(config_base)
    if p.is_dir() and (
        p.resolve() == Path(base.source) or pin_folder(p).root_digest == base.root_digest
    ):
        return
    raise Refused(
        "base-model-mismatch",
        f"adapter_config.json names base {config_base!r}, but the base given is {base.name!r} "
        f"({base.root_digest}); attest against the model it was trained on, or pin that model "
        "with --name set to this name",
    )


def _check_train_config(data: bytes, cfg: dict[str, Any], where: str) -> dict[str, Any]:
    """The training config's PEFT numbers, where it states them, must be the adapter's."""
    doc = strict_json(data, where)
    if not isinstance(doc, dict):
        raise UsageError(f"{where}: expected a JSON object")
    sections = [doc] + [doc[k] for k in ("peft", "lora") if isinstance(doc.get(k), dict)]
    for field, names in _PEFT_KEYS.items():
        for sec in sections:
            for n in names:
                if n in sec and sec[n] != cfg.get(field):
                    raise Refused(
                        "config-mismatch",
                        f"{where}: {n} is {sec[n]!r}, but adapter_config.json has {field} "
                        f"{cfg.get(field)!r}; this adapter was not made by this config",
                    )
    for sec in sections:
        tm = sec.get("target_modules")
        cm = cfg.get("target_modules")
        if tm is not None and (sorted(tm) if isinstance(tm, list) else tm) != (
            sorted(cm) if isinstance(cm, list) else cm
        ):
            raise Refused(
                "config-mismatch",
                f"{where}: target_modules {tm!r} differ from adapter_config.json's {cm!r}",
            )
    return doc


def _tool_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"tunegate": __version__, "python": platform.python_version()}
    for pkg in ("peft", "torch", "transformers"):
        with contextlib.suppress(PackageNotFoundError):
            out[pkg] = version(pkg)
    return out


def dataset_entry(folder: Path, vm: VerifiedManifest) -> dict[str, Any]:
    """What an attestation records of a verified release. The payload's digest stays the
    same as reviewers add signatures; the envelope's (what the gateway lists) does not."""
    data = (folder / MANIFEST_NAME).read_bytes()
    if hashlib.sha256(data).hexdigest() != vm.envelope_sha256:
        raise VerificationError(f"{folder / MANIFEST_NAME}: changed while it was verified")
    ds = vm.dataset
    return {
        "id": ds["id"],
        "version": ds["version"],
        "sequence": ds["sequence"],
        "manifest": {
            "sha256": vm.envelope_sha256,
            "payload_sha256": payload_sha256(parse_envelope(data)),
        },
        "keyid": vm.keyid,
        "signers": list(vm.signers),
    }


def attest(
    folder: Path,
    base: BaseModel,
    datasets: Sequence[tuple[Path, VerifiedManifest]],
    signer: Signer,
    *,
    name: str | None = None,
    train_config: Path | None = None,
    out: Path | None = None,
    max_update_ratio: float = MAX_UPDATE_RATIO,
    now: datetime | None = None,
) -> Path:
    """Check the adapter, then write its signed provenance (default: in the folder)."""
    if not datasets:
        raise UsageError("name the data the adapter was trained on: --data OUT (repeatable)")
    out = out or folder / ATTESTATION_NAME
    skip = [ATTESTATION_NAME]
    files = read_folder(folder, skip)
    checked = check_files(files, base, max_update_ratio)
    _check_base_name(checked.config.base, base, None)
    training: dict[str, Any] = {"peft": checked.config.peft()}
    if train_config is not None:
        try:
            data = train_config.read_bytes()
        except OSError as e:
            raise UsageError(f"{train_config}: cannot read ({e.strerror or e})") from e
        _check_train_config(data, checked.config.raw, str(train_config))
        training["config"] = {
            "name": train_config.name,
            "digest": {"sha256": hashlib.sha256(data).hexdigest()},
        }
    subjects = [
        {
            "name": n,
            "digest": {"sha256": hashlib.sha256(b).hexdigest()},
            "annotations": {"bytes": len(b)},
        }
        for n, b in sorted(files.items())
    ]
    entries = [(n, hashlib.sha256(b).hexdigest(), len(b)) for n, b in sorted(files.items())]
    statement = {
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "adapter": {
                "name": name or folder.resolve().name,
                "root_digest": root_digest(entries),
                "base_model_name_or_path": checked.config.base,
                "modules": checked.modules,
            },
            "base_model": base.summary(),
            "datasets": [dataset_entry(d, vm) for d, vm in datasets],
            "training": training,
            "tools": _tool_versions(),
            "created_at": (now or now_utc()).isoformat(),
        },
    }
    payload = json.dumps(statement, sort_keys=True, separators=(",", ":")).encode()
    env = sign_envelope(payload, signer)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    tmp.write_text(env.to_json() + "\n", "utf-8")
    os.replace(tmp, out)
    return out


def _subjects(statement: dict[str, Any], where: str) -> dict[str, tuple[str, int]]:
    from gateway.trust.verify import _check_name  # one rule for subject names

    raw = statement.get("subject")
    if not isinstance(raw, list) or not raw:
        raise VerificationError(f"{where}: lists no subjects")
    out: dict[str, tuple[str, int]] = {}
    for s in raw:
        try:
            name = _check_name(s["name"])
            sha, size = s["digest"]["sha256"], s["annotations"]["bytes"]
        except (KeyError, TypeError) as e:
            raise VerificationError(f"{where}: a subject is malformed ({e})") from e
        if name == ATTESTATION_NAME or name in out:
            raise VerificationError(f"{where}: subject {name!r} is listed twice or is itself")
        if not isinstance(sha, str) or len(sha) != 64 or not isinstance(size, int):
            raise VerificationError(f"{where}: subject {name!r} has a malformed digest or size")
        out[name] = (sha, size)
    return out


def read_attestation(
    data: bytes,
    trust: TrustStore,
    where: str,
    *,
    signoff: SignOff | None = None,
    now: datetime | None = None,
) -> tuple[Envelope, dict[str, Any], list[TrustedKey]]:
    """Parse an adapter attestation and check its signatures: the envelope, the statement,
    and the trusted keys whose signatures verify and that may vouch for every dataset it
    names (refused if none, or if they fall short of ``signoff``). The files are not read:
    :func:`verify_adapter` does that; the gateway's registry stops here."""
    now = now or now_utc()
    env = parse_envelope(data)
    if env.payload_type != PAYLOAD_TYPE:
        raise VerificationError(f"{where}: payloadType is {env.payload_type!r}, not in-toto's")
    keys = verified_signers(env, trust)
    if not keys:
        ids = ", ".join(k for k, _ in env.signatures)
        raise VerificationError(
            f"{where}: no signature verifies under a trusted key (signed by {ids}); check you "
            "have the trainer's .pub, or the adapter or its attestation was altered"
        )
    st = strict_json(env.payload, f"{where} payload")
    if not isinstance(st, dict) or st.get("_type") != STATEMENT_TYPE:
        raise VerificationError(f"{where}: the payload is not an in-toto Statement v1")
    if st.get("predicateType") != PREDICATE_TYPE:
        raise VerificationError(
            f"{where}: predicateType is {st.get('predicateType')!r}, expected {PREDICATE_TYPE!r}"
        )
    try:
        pred = st["predicate"]
        ds_ids = [str(d["id"]) for d in pred["datasets"]]
        for field in ("base_model", "adapter"):
            if not isinstance(pred[field], dict):
                raise TypeError(f"{field} is not an object")
        for field in ("base_model_name_or_path", "root_digest"):
            if field not in pred["adapter"]:
                raise KeyError(field)
    except (KeyError, TypeError) as e:
        raise VerificationError(f"{where}: the predicate lacks a required field ({e})") from e
    refusals = [r for k in keys for d in ds_ids if (r := k.refusal(now, d)) is not None]
    usable = [k for k in keys if all(k.refusal(now, d) is None for d in ds_ids)]
    if not usable:
        raise VerificationError(f"{where}: " + "; ".join(refusals))
    if signoff is not None and (why := signoff_refusal(usable, signoff)) is not None:
        raise VerificationError(f"{where}: {why}")
    return env, st, usable


def verify_adapter(
    folder: Path,
    base: BaseModel,
    trust: TrustStore,
    *,
    attestation: Path | None = None,
    signoff: SignOff | None = None,
    revocation: Revocation | None = None,
    registry: Registry | None = None,
    max_update_ratio: float = MAX_UPDATE_RATIO,
    now: datetime | None = None,
) -> VerifiedAdapter:
    """Verify the attestation, the folder's bytes against it, and every safety check.

    With ``registry`` (a gateway's adapter status, by the payload's sha256) and
    ``revocation`` (a gateway's answer for each dataset release), a withdrawn adapter or
    release is refused after the local checks pass."""
    now = now or now_utc()
    path = attestation or folder / ATTESTATION_NAME
    if path.is_symlink():
        raise Refused("symlink", f"{path} is a symlink")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise VerificationError(
            f"{path}: cannot read the attestation ({e.strerror or e}); attest the adapter with "
            "tunegate adapter attest, or pass --attestation"
        ) from e
    env, st, usable = read_attestation(data, trust, str(path), signoff=signoff, now=now)
    pred = st["predicate"]
    attested_base = pred["base_model"]
    base_name = pred["adapter"]["base_model_name_or_path"]
    claimed_root = pred["adapter"]["root_digest"]
    if attested_base.get("root_digest") != base.root_digest:
        raise Refused(
            "base-model-mismatch",
            f"the base model given ({base.name}, {base.root_digest}) is not the one attested "
            f"({attested_base.get('name')}, {attested_base.get('root_digest')}); give the base "
            "the adapter was trained on",
        )
    if base.from_pin and attested_base.get("tensors_sha256") != base.tensors_sha256:
        raise Refused("base-model-mismatch", "the pin's tensor table is not the one attested")
    subjects = _subjects(st, str(path))
    if root_digest([(n, s, b) for n, (s, b) in subjects.items()]) != claimed_root:
        raise VerificationError(f"{path}: the root digest does not match the subjects")
    if not folder.is_dir():
        raise UsageError(f"{folder}: not a folder; give the adapter's folder")
    present = walk(folder, [ATTESTATION_NAME] if attestation is None else [])
    for name in present:
        if name not in subjects:
            raise Refused(
                "unlisted-file",
                f"{folder / name}: not in the attestation; delete it if you added it, "
                "otherwise get the adapter again from its source",
            )
    files: dict[str, bytes] = {}
    for name, (sha, size) in sorted(subjects.items()):
        if name not in present:
            raise Refused("missing-file", f"{folder / name}: listed in the attestation, missing")
        b = _read_nofollow(folder / name)
        if len(b) != size or hashlib.sha256(b).hexdigest() != sha:
            raise Refused(
                "digest-mismatch",
                f"{folder / name}: its bytes are not the attested ones (tampered?); get the "
                "adapter again from its source",
            )
        files[name] = b
    checked = check_files(files, base, max_update_ratio)
    _check_base_name(checked.config.base, base, base_name)
    if registry is not None:
        registry(payload_sha256(env), pred)
    if revocation is not None:
        for d in pred["datasets"]:
            revocation(d)
    return VerifiedAdapter(
        st,
        tuple(k.keyid for k in usable),
        files,
        checked,
        hashlib.sha256(data).hexdigest(),
        payload_sha256(env),
    )
