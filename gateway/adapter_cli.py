"""``tunegate approve | base-model pin | adapter attest|verify|merge-check`` (thin over
trust) and ``adapter register|list|pull|promote`` (thin over the gateway's registry).

Every refusal is a :class:`~gateway.errors.VerificationError` (exit 3); adapter safety
refusals name their check (``refused [pickle]: ...``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from gateway.commands import guarded as _guarded
from gateway.commands import main
from gateway.errors import UsageError
from gateway.service_cli import _conn_options

if TYPE_CHECKING:
    from gateway.service.client import Connection
    from gateway.service.pb import gateway_pb2 as pb
    from gateway.service.releases import AdapterStatus
    from gateway.trust.adapter import Revocation
    from gateway.trust.trusted import TrustStore


def _trust(keys: tuple[Path, ...], trusted_keys: Path | None) -> TrustStore:
    from gateway.trust.trusted import TrustStore

    if bool(keys) == bool(trusted_keys):
        raise UsageError("give trusted keys with --key or --trusted-keys (one of them)")
    if trusted_keys is not None:
        return TrustStore.from_file(trusted_keys)
    return TrustStore.from_public_keys(list(keys))


def _connection(
    server: str | None, token_file: Path | None, ca_cert: Path | None, insecure: bool
) -> Connection | None:
    if server is None:
        return None
    from gateway.service.client import Connection, token_from

    return Connection(server, token_from(None, token_file), ca_cert, None, None, insecure)


def _revocation(conn: Connection | None) -> Revocation | None:
    from gateway.service.releases import release_check

    return release_check(conn) if conn is not None else None


def _registry(conn: Connection | None, require_promoted: bool) -> AdapterStatus | None:
    from gateway.service.releases import AdapterStatus

    if conn is None:
        if require_promoted:
            raise UsageError("--require-promoted asks a gateway: give --server")
        return None
    return AdapterStatus(conn, require_promoted)


_trust_options = [
    click.option(
        "--key",
        "keys",
        multiple=True,
        type=click.Path(path_type=Path),
        help="Trusted public key (PEM); repeatable.",
    ),
    click.option(
        "--trusted-keys", type=click.Path(path_type=Path), help="trusted_keys.json (with roles)."
    ),
]
_server_options = [
    click.option("--server", help="HOST:PORT of a gateway: refuse data it revoked."),
    click.option(
        "--token-file", type=click.Path(path_type=Path), help="Token (or TUNEGATE_TOKEN)."
    ),
    click.option("--ca-cert", type=click.Path(path_type=Path), help="CA certificate for TLS."),
    click.option("--insecure", is_flag=True, help="Allow plaintext to a non-loopback server."),
]
_promoted_option = click.option(
    "--require-promoted",
    is_flag=True,
    help="Refuse unless the gateway (--server) has promoted this adapter.",
)
_signoff_options = [
    click.option(
        "--require-role",
        "roles",
        multiple=True,
        help="Count only signatures by keys with this role (needs --trusted-keys); repeatable.",
    ),
    click.option(
        "--min-signatures", type=click.IntRange(min=1), default=1, help="Distinct signers needed."
    ),
]


F = TypeVar("F", bound=Callable[..., Any])


def _with(options: list[Callable[[F], F]]) -> Callable[[F], F]:
    """Apply a shared list of click options, in the order they are listed."""

    def deco(fn: F) -> F:
        for opt in reversed(options):
            fn = opt(fn)
        return fn

    return deco


@main.command()
@click.argument("envelope", type=click.Path(path_type=Path))
@click.option(
    "--key", "key", required=True, type=click.Path(path_type=Path), help="Your private key (PEM)."
)
@click.option(
    "--trusted-keys",
    type=click.Path(path_type=Path),
    help="Refuse unless the envelope already carries a signature trusted here.",
)
@_guarded
def approve(envelope: Path, key: Path, trusted_keys: Path | None) -> None:
    """Add your signature to ENVELOPE: a dataset manifest or an adapter attestation.

    The signed statement is not changed; verifiers count approvals with --require-role and
    --min-signatures."""
    from gateway.trust.approvals import approve as add_signature
    from gateway.trust.keys import load_signer
    from gateway.trust.trusted import TrustStore

    signer = load_signer(key)
    trust = TrustStore.from_file(trusted_keys) if trusted_keys else None
    env, what = add_signature(envelope, signer, trust)
    click.echo(f"approved {what}: {len(env.signatures)} signatures, added {signer.keyid}")


@main.group("base-model")
def base_model() -> None:
    """Pin a base model's files, so adapters can be bound to it."""


@base_model.command("pin")
@click.argument("model_dir", type=click.Path(path_type=Path))
@click.option("--out", required=True, type=click.Path(path_type=Path), help="The pin (JSON).")
@click.option("--name", help="The name adapters use for it (default: config.json's).")
@_guarded
def pin(model_dir: Path, out: Path, name: str | None) -> None:
    """Write every file's sha256 and the tensors' shapes to OUT; refuses pickles and links."""
    from gateway.trust.basepin import pin_folder, write_pin

    base = pin_folder(model_dir, name)
    write_pin(base, out)
    click.echo(f"pinned {base.name}: {len(base.files)} files, {base.root_digest} -> {out}")


@main.group()
def adapter() -> None:
    """Attest, verify and merge-check LoRA adapters against their data and base model;
    register, list, pull and promote them at a gateway."""


@adapter.command()
@click.argument("adapter_dir", type=click.Path(path_type=Path))
@click.option(
    "--base", required=True, type=click.Path(path_type=Path), help="Base model folder or pin."
)
@click.option(
    "--data",
    "data",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path),
    help="A verified dataset release it was trained on (output folder); repeatable.",
)
@click.option("--config", type=click.Path(path_type=Path), help="The training config (JSON).")
@click.option(
    "--sign-key",
    required=True,
    type=click.Path(path_type=Path),
    envvar="TUNEGATE_SIGNING_KEY",
    help="The trainer's private key.",
)
@click.option("--name", help="The adapter's name (default: its folder's).")
@click.option(
    "--out", type=click.Path(path_type=Path), help="Default: ADAPTER_DIR/provenance.intoto.jsonl."
)
@click.option("--max-update-ratio", type=float, default=1.0, show_default=True)
@_with(_trust_options + _signoff_options + _server_options)
@_guarded
def attest(
    adapter_dir: Path,
    base: Path,
    data: tuple[Path, ...],
    config: Path | None,
    sign_key: Path,
    name: str | None,
    out: Path | None,
    max_update_ratio: float,
    keys: tuple[Path, ...],
    trusted_keys: Path | None,
    roles: tuple[str, ...],
    min_signatures: int,
    server: str | None,
    token_file: Path | None,
    ca_cert: Path | None,
    insecure: bool,
) -> None:
    """Check ADAPTER_DIR and sign its provenance: base digests, data releases, config.

    Each --data release is verified against --key/--trusted-keys (and the sign-offs asked
    for) first; with --server, one the gateway revoked is refused."""
    from gateway.trust.adapter import attest as write_attestation
    from gateway.trust.adapter import dataset_entry
    from gateway.trust.approvals import SignOff
    from gateway.trust.basepin import load_base
    from gateway.trust.keys import load_signer
    from gateway.trust.verify import verify_output

    trust = _trust(keys, trusted_keys)
    signer = load_signer(sign_key)
    check = _revocation(_connection(server, token_file, ca_cert, insecure))
    releases = []
    for d in data:
        vm = verify_output(d, trust, signoff=SignOff(roles, min_signatures))
        if check is not None:
            check(dataset_entry(d, vm))
        releases.append((d, vm))
    path = write_attestation(
        adapter_dir,
        load_base(base),
        releases,
        signer,
        name=name,
        train_config=config,
        out=out,
        max_update_ratio=max_update_ratio,
    )
    click.echo(f"attested {adapter_dir} -> {path} (signed by {signer.keyid})")


@adapter.command("verify")
@click.argument("adapter_dir", type=click.Path(path_type=Path))
@click.option(
    "--base", required=True, type=click.Path(path_type=Path), help="Base model folder or pin."
)
@click.option("--attestation", type=click.Path(path_type=Path), help="If not in ADAPTER_DIR.")
@click.option("--max-update-ratio", type=float, default=1.0, show_default=True)
@_with(_trust_options + _signoff_options + _server_options + [_promoted_option])
@_guarded
def verify_cmd(
    adapter_dir: Path,
    base: Path,
    attestation: Path | None,
    max_update_ratio: float,
    keys: tuple[Path, ...],
    trusted_keys: Path | None,
    roles: tuple[str, ...],
    min_signatures: int,
    server: str | None,
    token_file: Path | None,
    ca_cert: Path | None,
    insecure: bool,
    require_promoted: bool,
) -> None:
    """Verify ADAPTER_DIR: signatures and sign-offs, every file's digest, every safety check.

    With --server, also refuse an adapter the gateway revoked (a dataset version it was
    trained on was revoked there) and a dataset release it no longer stands behind."""
    from gateway.trust.adapter import verify_adapter
    from gateway.trust.approvals import SignOff
    from gateway.trust.basepin import load_base

    if roles and trusted_keys is None:
        raise UsageError("--require-role needs --trusted-keys: keys given with --key hold no roles")
    conn = _connection(server, token_file, ca_cert, insecure)
    registry = _registry(conn, require_promoted)
    va = verify_adapter(
        adapter_dir,
        load_base(base),
        _trust(keys, trusted_keys),
        attestation=attestation,
        signoff=SignOff(roles, min_signatures),
        revocation=_revocation(conn),
        registry=registry,
        max_update_ratio=max_update_ratio,
    )
    ds = ", ".join(f"{d['id']}@{d['sequence']}" for d in va.predicate["datasets"])
    click.echo(
        f"verified: adapter {va.predicate['adapter']['name']} ({len(va.files)} files) on base "
        f"{va.predicate['base_model']['name']}, trained on {ds}, signed by "
        + ", ".join(va.signers)
        + (f"; {registry.status} (id {va.payload_sha256})" if registry is not None else "")
    )


@adapter.command("merge-check")
@click.argument("adapter_dir", type=click.Path(path_type=Path))
@click.option("--base", required=True, type=click.Path(path_type=Path), help="Base model folder.")
@click.option(
    "--merged", required=True, type=click.Path(path_type=Path), help="The merged model folder."
)
@click.option(
    "--sign-key", required=True, type=click.Path(path_type=Path), envvar="TUNEGATE_SIGNING_KEY"
)
@click.option("--out", type=click.Path(path_type=Path), help="Default: MERGED/merged.intoto.jsonl.")
@click.option("--tolerance", type=float, default=1e-3, show_default=True, help="Relative error.")
@click.option("--attestation", type=click.Path(path_type=Path), help="If not in ADAPTER_DIR.")
@_with(_trust_options + _signoff_options + _server_options + [_promoted_option])
@_guarded
def merge_check(
    adapter_dir: Path,
    base: Path,
    merged: Path,
    sign_key: Path,
    out: Path | None,
    tolerance: float,
    attestation: Path | None,
    keys: tuple[Path, ...],
    trusted_keys: Path | None,
    roles: tuple[str, ...],
    min_signatures: int,
    server: str | None,
    token_file: Path | None,
    ca_cert: Path | None,
    insecure: bool,
    require_promoted: bool,
) -> None:
    """Verify adapter and base together, check MERGED is base + adapter, and attest it."""
    from gateway.trust.adapter import verify_adapter
    from gateway.trust.approvals import SignOff
    from gateway.trust.basepin import pin_folder
    from gateway.trust.keys import load_signer
    from gateway.trust.merge import MERGED_NAME, attest_merge, check_merged

    if not base.is_dir():
        raise UsageError(f"{base}: merge-check reads the base's weights: give its folder")
    signer = load_signer(sign_key)
    pinned = pin_folder(base)
    conn = _connection(server, token_file, ca_cert, insecure)
    va = verify_adapter(
        adapter_dir,
        pinned,
        _trust(keys, trusted_keys),
        attestation=attestation,
        signoff=SignOff(roles, min_signatures),
        revocation=_revocation(conn),
        registry=_registry(conn, require_promoted),
    )
    report = check_merged(merged, base, pinned, va, tolerance)
    path = attest_merge(report, pinned, va, signer, out or merged / MERGED_NAME, tolerance)
    click.echo(
        f"merge checked: {report.modules_changed} modules changed, {report.tensors_checked} "
        f"tensors, max relative error {report.max_rel_error:.2g}; attested -> {path}"
    )


# ---------------------------------------------------------------------- the gateway's registry
def _adapter_line(a: pb.Adapter) -> str:
    state = (
        f"REVOKED ({a.revoked_reason})" if a.revoked else "promoted" if a.promoted else "registered"
    )
    ds = ", ".join(f"{d.dataset}@{d.version}" for d in a.datasets)
    return (
        f"{a.adapter_id}  {a.name}  {state}  trained on {ds}  base {a.base_model}  "
        f"{len(a.files)} files  signed by {len(a.signers)} trusted keys"
    )


def _adapter_json(a: pb.Adapter) -> dict[str, Any]:
    from gateway.service.client import job_json

    doc = job_json(a)  # any message: MessageToDict with every field
    doc.pop("attestation", None)
    return doc


@adapter.command("register")
@click.argument("attestation", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@_guarded
@_conn_options
def register_cmd(attestation: Path, as_json: bool, conn: Connection) -> None:
    """Register an adapter at the gateway by its attestation (ATTESTATION: the file, or the
    adapter folder holding provenance.intoto.jsonl).

    The gateway checks its signatures against its trusted keys, and that every dataset
    version it names is one the gateway published and has not revoked. It keeps the
    attestation and the files' digests, not the files."""
    from gateway.service.releases import register_adapter

    a = register_adapter(conn, attestation)
    click.echo(
        json.dumps(_adapter_json(a), indent=2, sort_keys=True)
        if as_json
        else f"registered adapter {a.name}: id {a.adapter_id}"
    )


@adapter.command("list")
@click.option("--dataset", default="", help="Only adapters trained on this dataset.")
@click.option("--json", "as_json", is_flag=True)
@_guarded
@_conn_options
def list_cmd(dataset: str, as_json: bool, conn: Connection) -> None:
    """The adapters this token may see: trained only on datasets it may see."""
    from gateway.service.releases import list_adapters

    got = list_adapters(conn, dataset)
    if as_json:
        click.echo(json.dumps([_adapter_json(a) for a in got], indent=2, sort_keys=True))
        return
    for a in got:
        click.echo(_adapter_line(a))


@adapter.command("pull")
@click.argument("adapter_id")
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Where to write the attestation: a file, or the adapter's folder.",
)
@_guarded
@_conn_options
def pull_cmd(adapter_id: str, out: Path, conn: Connection) -> None:
    """Fetch an adapter's attestation, with every approval the gateway holds. The files
    come from wherever the adapter is stored; check them with tunegate adapter verify."""
    from gateway.service.releases import pull_adapter

    a, dest = pull_adapter(conn, adapter_id, out)
    click.echo(
        f"saved the attestation of adapter {a.name} ({len(a.files)} files, "
        f"{len(a.signers)} trusted signatures) to {dest}; verify the adapter's files with "
        "tunegate adapter verify"
    )


@adapter.command("promote")
@click.argument("adapter_id")
@click.option(
    "--attestation",
    type=click.Path(path_type=Path),
    help="The attestation with approvals added (tunegate approve): its signatures are added "
    "to the gateway's.",
)
@_guarded
@_conn_options
def promote_cmd(adapter_id: str, attestation: Path | None, conn: Connection) -> None:
    """Promote a registered adapter: the gateway refuses (exit 3) unless its signatures
    hold the approvals the gateway's policy names (serve --adapter-approvals)."""
    from gateway.service.releases import promote_adapter

    a = promote_adapter(conn, adapter_id, attestation)
    click.echo(f"promoted adapter {a.name} ({a.adapter_id}), signed by {', '.join(a.signers)}")
