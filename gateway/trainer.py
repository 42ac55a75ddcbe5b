"""What training code imports: ``from gateway.trainer import load_verified``, and
``load_verified_adapter`` for the adapters trained on what it loaded.

``load_verified`` needs neither torch nor transformers, so importing this module does not
load them: the streaming dataset, the Trainer callback and the record come from
:mod:`gateway.trust.training` on first use. Asking a gateway whether a version was
revoked needs the gRPC client, which the trust layer may not import; it is wired in here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.trust.loader import KeyArg, load_verified

if TYPE_CHECKING:
    from gateway.trust.training import (
        DatasetRecord,
        RevocationCheck,
        VerifiedDatasetCallback,
        VerifiedIterableDataset,
    )

__all__ = [
    "DatasetRecord",
    "VerifiedDatasetCallback",
    "VerifiedIterableDataset",
    "gateway_revocation",
    "load_verified",
    "load_verified_adapter",
    "verify_dataset",
]

_LAZY = {"DatasetRecord", "VerifiedDatasetCallback", "VerifiedIterableDataset"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        from gateway.trust import training

        return getattr(training, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def gateway_revocation(
    server: str,
    *,
    token: str | None = None,
    token_file: str | Path | None = None,
    ca_cert: str | Path | None = None,
    client_cert: str | Path | None = None,
    client_key: str | Path | None = None,
    insecure: bool = False,
) -> RevocationCheck:
    """A check that asks the gateway at ``server`` whether a verified release is still good.

    The token is ``token``, else ``token_file``'s, else ``$TUNEGATE_TOKEN`` (it needs
    ``shards:read`` on the dataset). Plaintext goes only to loopback unless ``insecure``.
    Pass it as ``revocation=`` to the dataset or the callback.
    """
    from gateway.service.client import Connection, check_version, token_from

    def path(p: str | Path | None) -> Path | None:
        return Path(p) if p is not None else None

    conn = Connection(
        server,
        token_from(token, path(token_file)),
        ca_cert=path(ca_cert),
        client_cert=path(client_cert),
        client_key=path(client_key),
        insecure=insecure,
    )

    def check(record: DatasetRecord) -> None:
        check_version(conn, record.dataset, record.sequence, record.manifest_sha256)

    return check


def verify_dataset(
    out: str | Path,
    *,
    key: KeyArg = None,
    trusted_keys: str | Path | None = None,
    dataset: str | None = None,
    min_sequence: int | None = None,
    expect_policy: str | None = None,
    server: str | None = None,
    token: str | None = None,
    token_file: str | Path | None = None,
    ca_cert: str | Path | None = None,
    client_cert: str | Path | None = None,
    client_key: str | Path | None = None,
    insecure: bool = False,
    now: datetime | None = None,
) -> DatasetRecord:
    """Verify ``out`` and, given a gateway ``server``, refuse a version it revoked.

    Raises :class:`~gateway.errors.VerificationError` (or ``ServiceError`` when the gateway
    cannot be asked: no answer is not a yes). Returns which release verified.
    """
    from gateway.trust import training

    revocation = (
        gateway_revocation(
            server,
            token=token,
            token_file=token_file,
            ca_cert=ca_cert,
            client_cert=client_cert,
            client_key=client_key,
            insecure=insecure,
        )
        if server is not None
        else None
    )
    return training.verify_dataset(
        out,
        key=key,
        trusted_keys=trusted_keys,
        dataset=dataset,
        min_sequence=min_sequence,
        expect_policy=expect_policy,
        revocation=revocation,
        now=now,
    )


def load_verified_adapter(
    adapter_dir: str | Path,
    *,
    base: str | Path,
    key: KeyArg = None,
    trusted_keys: str | Path | None = None,
    require_roles: Sequence[str] = (),
    min_signatures: int = 1,
    model: Any = None,
    attestation: str | Path | None = None,
    server: str | None = None,
    token: str | None = None,
    token_file: str | Path | None = None,
    ca_cert: str | Path | None = None,
    insecure: bool = False,
    now: datetime | None = None,
) -> Any:
    """Verify an adapter as ``tunegate adapter verify`` does, then hand it over.

    ``base`` is the base model's folder or its pin. Returns the adapter's state dict
    (``torch.Tensor`` values built from the bytes that were hashed and checked), or, given
    a peft ``model``, loads it into that model and returns the model. With ``server``, a
    dataset release the gateway revoked is refused. Raises
    :class:`~gateway.errors.VerificationError` (``Refused`` for a safety check); nothing
    is returned from an adapter that does not verify.
    """
    from gateway.trust.adapter import verify_adapter
    from gateway.trust.adapter_load import load_into, state_dict
    from gateway.trust.approvals import SignOff
    from gateway.trust.basepin import load_base
    from gateway.trust.loader import trust_from

    revocation = None
    if server is not None:
        from gateway.service.client import Connection, token_from
        from gateway.service.releases import release_check

        conn = Connection(
            server,
            token_from(token, Path(token_file) if token_file is not None else None),
            ca_cert=Path(ca_cert) if ca_cert is not None else None,
            insecure=insecure,
        )
        revocation = release_check(conn)
    va = verify_adapter(
        Path(adapter_dir),
        load_base(Path(base)),
        trust_from(key, trusted_keys),
        attestation=Path(attestation) if attestation is not None else None,
        signoff=SignOff(tuple(require_roles), min_signatures),
        revocation=revocation,
        now=now,
    )
    tensors = state_dict(va)
    return tensors if model is None else load_into(model, tensors)
