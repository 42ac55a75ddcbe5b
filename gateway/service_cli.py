"""``tunegate serve | token | submit | pull | audit``: the service's commands, thin over it."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import click

from gateway.commands import guarded as _guarded
from gateway.commands import main
from gateway.core.device import DEVICES
from gateway.errors import UsageError

if TYPE_CHECKING:
    from gateway.service.client import Connection
    from gateway.service.store import Store


def _conn_options(fn: Callable[..., None]) -> Callable[..., None]:
    """The six connection options, handed to the command as one ``conn``.

    Goes between ``@_guarded`` and the command, so a missing token or an unreadable
    certificate is reported like any other usage error."""

    def with_connection(
        *args: Any,
        server: str,
        token_file: Path | None,
        ca_cert: Path | None,
        client_cert: Path | None,
        client_key: Path | None,
        insecure: bool,
        **kwargs: Any,
    ) -> None:
        from gateway.service.client import Connection, token_from

        conn = Connection(
            server, token_from(None, token_file), ca_cert, client_cert, client_key, insecure
        )
        fn(*args, conn=conn, **kwargs)

    wrapped: Any = functools.update_wrapper(with_connection, fn)
    for opt in reversed(
        [
            click.option("--server", required=True, help="HOST:PORT of the gateway."),
            click.option(
                "--token-file",
                type=click.Path(path_type=Path),
                help="File holding the token (default: TUNEGATE_TOKEN).",
            ),
            click.option(
                "--ca-cert",
                type=click.Path(path_type=Path),
                help="CA certificate (PEM) to trust for TLS.",
            ),
            click.option(
                "--client-cert",
                type=click.Path(path_type=Path),
                help="Client certificate for mutual TLS.",
            ),
            click.option(
                "--client-key", type=click.Path(path_type=Path), help="Client key for mutual TLS."
            ),
            click.option(
                "--insecure", is_flag=True, help="Allow plaintext to a non-loopback server."
            ),
        ]
    ):
        wrapped = opt(wrapped)
    return cast(Callable[..., None], wrapped)


@main.command()
@click.option(
    "--data-dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Jobs, versions, audit and shards live here.",
)
@click.option(
    "--sign-key",
    required=True,
    type=click.Path(path_type=Path),
    envvar="TUNEGATE_SIGNING_KEY",
    help="Private key that signs every published version.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=50051, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--policy",
    type=click.Path(path_type=Path),
    help="Default policy TOML; named ones live in DATA_DIR/policies/.",
)
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Scans that run at once.",
)
@click.option("--tls-cert", type=click.Path(path_type=Path))
@click.option("--tls-key", type=click.Path(path_type=Path))
@click.option(
    "--client-ca",
    type=click.Path(path_type=Path),
    help="Require client certificates signed by this CA.",
)
@click.option("--insecure", is_flag=True, help="Allow plaintext on a non-loopback address.")
@click.option(
    "--metrics-port",
    type=click.IntRange(0, 65535),
    help="Serve Prometheus /metrics on 127.0.0.1:PORT.",
)
@click.option(
    "--max-message-bytes", default=8 << 20, show_default=True, type=click.IntRange(min=1024)
)
@click.option("--max-scan-bytes", default=2 << 30, show_default=True, type=click.IntRange(min=1))
@click.option("--max-scan-rows", default=10_000_000, show_default=True, type=click.IntRange(min=1))
@click.option(
    "--max-scan-decoded-bytes",
    default=16 << 30,
    show_default=True,
    type=click.IntRange(min=1),
    help="Refuse an upload that decodes to more bytes (gzip, Parquet pages).",
)
@click.option(
    "--max-scan-findings",
    default=1_000_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Refuse a scan that would keep more findings in memory.",
)
@click.option("--max-scans-per-token", default=4, show_default=True, type=click.IntRange(min=1))
@click.option("--max-scan-seconds", default=3600.0, show_default=True, type=click.FloatRange(min=1))
@click.option(
    "--uploader-policy",
    "uploader_policies",
    multiple=True,
    help="A policy name (DATA_DIR/policies/NAME.toml) uploaders may choose; repeatable.",
)
@click.option(
    "--uploader-fields",
    is_flag=True,
    help="Let uploaders name the training-text fields (other columns are still scanned "
    "for secrets and PII).",
)
@click.option(
    "--audit-head-every",
    default=100,
    show_default=True,
    type=click.IntRange(min=1),
    help="Sign the audit chain's head every N entries (and at start and stop).",
)
@click.option(
    "--audit-head-seconds",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=1),
    help="Sign the audit chain's head at least this often while entries are written.",
)
@click.option(
    "--adapter-trusted-keys",
    type=click.Path(path_type=Path),
    help="trusted_keys.json (with roles) for adapter attestations; without it, "
    "RegisterAdapter is refused.",
)
@click.option(
    "--adapter-approvals",
    default="",
    help="Roles whose sign-offs promoting an adapter needs, comma-separated (e.g. security).",
)
@click.option(
    "--adapter-min-approvals",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Distinct signers (with those roles, if named) promoting an adapter needs.",
)
@click.option(
    "--grace",
    default=30.0,
    show_default=True,
    type=click.FloatRange(min=0),
    help="Seconds SIGTERM waits for running scans.",
)
@_guarded
def serve(
    data_dir: Path,
    sign_key: Path,
    host: str,
    port: int,
    policy: Path | None,
    device: str,
    workers: int,
    tls_cert: Path | None,
    tls_key: Path | None,
    client_ca: Path | None,
    insecure: bool,
    metrics_port: int | None,
    max_message_bytes: int,
    max_scan_bytes: int,
    max_scan_rows: int,
    max_scan_decoded_bytes: int,
    max_scan_findings: int,
    max_scans_per_token: int,
    max_scan_seconds: float,
    uploader_policies: tuple[str, ...],
    uploader_fields: bool,
    audit_head_every: int,
    audit_head_seconds: float,
    adapter_trusted_keys: Path | None,
    adapter_approvals: str,
    adapter_min_approvals: int,
    grace: float,
) -> None:
    """Run the gateway: streaming scans in, signed versions out."""
    from gateway.service.jobs import Limits, UploaderChoices
    from gateway.service.registry import AdapterPolicy
    from gateway.service.server import ServeOptions
    from gateway.service.server import serve as run

    opts = ServeOptions(
        data_dir,
        sign_key,
        host,
        port,
        policy,
        device,
        workers,
        tls_cert,
        tls_key,
        client_ca,
        insecure,
        metrics_port,
        max_message_bytes,
        Limits(
            max_scan_bytes,
            max_scan_rows,
            max_scans_per_token,
            max_scan_seconds,
            max_scan_decoded_bytes,
            max_scan_findings,
        ),
        grace,
        UploaderChoices(frozenset(uploader_policies), uploader_fields),
        audit_head_every,
        audit_head_seconds,
        AdapterPolicy.from_options(
            adapter_trusted_keys,
            tuple(r.strip() for r in adapter_approvals.split(",") if r.strip()),
            adapter_min_approvals,
        ),
    )
    run(opts, ready=lambda p: click.echo(f"serving on {host}:{p}", err=True))


@main.group()
def token() -> None:
    """Manage access tokens (stored as hashes in DATA_DIR)."""


@token.command("create")
@click.option("--data-dir", required=True, type=click.Path(path_type=Path))
@click.option(
    "--scopes",
    required=True,
    help="Comma-separated: scan:write, shards:read, jobs:read, adapters:write, admin.",
)
@click.option(
    "--datasets", required=True, help="Comma-separated dataset patterns, e.g. 'finance/*'."
)
@click.option(
    "--expires",
    help="When the token stops working: a duration (90d, 12h) or an ISO date/time (UTC).",
)
@_guarded
def token_create(data_dir: Path, scopes: str, datasets: str, expires: str | None) -> None:
    """Create a token; its secret is printed once, as the last line, and never stored."""
    from gateway.service.auth import create_token
    from gateway.service.store import Store

    until = _expiry(expires) if expires else None
    tok = create_token(
        Store(data_dir),
        [s.strip() for s in scopes.split(",") if s.strip()],
        [d.strip() for d in datasets.split(",") if d.strip()],
        until,
    )
    ends = f", expires {until.isoformat(timespec='seconds')}" if until else ", never expires"
    click.echo(
        f"scopes {scopes} on {datasets}{ends}; keep this token secret, it is shown once:",
        err=True,
    )
    click.echo(tok)


def _expiry(text: str) -> datetime:
    """``90d``/``12h``/``30m`` from now, or an ISO date or time (UTC unless it says)."""
    units = {"d": "days", "h": "hours", "m": "minutes"}
    value, unit = text[:-1], text[-1:]
    if unit in units and value.isdigit():
        return datetime.now(UTC) + timedelta(**{units[unit]: int(value)})
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--expires {text!r}: give a duration such as 90d, 12h or 30m, or an ISO date "
            "such as 2027-03-31"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@token.command("list")
@click.option("--data-dir", required=True, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True)
@_guarded
def token_list(data_dir: Path, as_json: bool) -> None:
    """Every token's id, scopes, dataset patterns, expiry and state (never a secret)."""
    from gateway.service.auth import list_tokens

    tokens = list_tokens(_existing_store(data_dir))
    if as_json:
        click.echo(json.dumps(tokens, indent=2))
        return
    for t in tokens:
        click.echo(
            f"{t['id']}  {t['state']:<7}  {','.join(t['scopes'])}  {','.join(t['datasets'])}  "
            f"created {t['created_at']}  expires {t['expires_at'] or 'never'}"
        )


@token.command("revoke")
@click.option("--data-dir", required=True, type=click.Path(path_type=Path))
@click.argument("token_id")
@_guarded
def token_revoke(data_dir: Path, token_id: str) -> None:
    """Revoke a token by id (the part of tg_<id>_<secret> after tg_): it stops at once."""
    from gateway.service.auth import revoke_token

    revoke_token(_existing_store(data_dir), token_id)
    click.echo(f"revoked token {token_id}")


def _existing_store(data_dir: Path) -> Store:
    from gateway.service.store import Store

    if not (data_dir / "tunegate.sqlite").exists():
        raise UsageError(
            f"{data_dir}: no gateway data here; pass the --data-dir that tunegate serve uses"
        )
    return Store(data_dir)


@main.group()
def audit() -> None:
    """The hash-chained audit log."""


@audit.command("verify")
@click.option("--data-dir", required=True, type=click.Path(path_type=Path))
@click.option(
    "--key",
    "keys",
    multiple=True,
    type=click.Path(path_type=Path),
    help="The server's public key (repeatable, for rotated keys): check its signed heads, "
    "which a rewritten chain or a cut tail no longer matches.",
)
@_guarded
def audit_verify(data_dir: Path, keys: tuple[Path, ...]) -> None:
    """Check every entry's link and contents, and with --key the server's signed heads;
    exit 3 at the first problem."""
    from gateway.service import audit as log
    from gateway.service.store import Store
    from gateway.trust.keys import load_public_key

    if not (data_dir / "tunegate.sqlite").exists():
        from gateway.errors import UsageError

        raise UsageError(
            f"{data_dir}: no gateway data here; pass the --data-dir that tunegate serve uses"
        )
    check = log.verify(Store(data_dir), [load_public_key(k) for k in keys] if keys else None)
    if check.broken_at is not None:
        click.echo(
            f"audit log BROKEN at entry {check.broken_at}: {check.problem} ({check.entries} entries verify before it); "
            f"{data_dir}/tunegate.sqlite was altered: restore it from a backup and find out who changed it",
            err=True,
        )
        sys.exit(3)
    if not keys:
        click.echo(
            f"audit log ok: {check.entries} entries, head {check.head} (links only: give --key "
            "to check the server's signed heads, without which a rewrite or a cut tail passes)"
        )
        return
    unsigned = check.entries - (check.signed_through or 0)
    click.echo(
        f"audit log ok: {check.entries} entries, head {check.head}, signed through entry "
        f"{check.signed_through or 0}"
        + (f"; the last {unsigned} are not signed yet" if unsigned else "")
    )


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--dataset", required=True)
@click.option(
    "--fields",
    help="Training-text columns, comma-separated; COLUMN=ROLE sets a role "
    "(prompt, context, response, system, text).",
)
@click.option("--policy", default="", help="A policy name the server knows.")
@click.option("--idempotency-key", help="Default: derived from the file and dataset.")
@click.option("--json", "as_json", is_flag=True)
@_guarded
@_conn_options
def submit(
    path: Path,
    dataset: str,
    fields: str | None,
    policy: str,
    idempotency_key: str | None,
    as_json: bool,
    conn: Connection,
) -> None:
    """Stream PATH to the gateway and print the job result (exit 1 if a gate failed)."""
    from gateway.progress import ScanProgress
    from gateway.service.client import job_json
    from gateway.service.client import submit as send

    size = path.stat().st_size if path.exists() else 0
    with ScanProgress(enabled=not as_json) as bar:
        job = send(
            conn,
            path,
            dataset,
            fields=[f.strip() for f in fields.split(",")] if fields else None,
            policy=policy,
            idempotency_key=idempotency_key,
            on_progress=lambda p: (
                bar.update(p.rows, None) if p.rows else bar.update(p.bytes_received, size)
            ),
        )
    doc = job_json(job)
    click.echo(
        json.dumps(doc, indent=2, sort_keys=True)
        if as_json
        else f"job {job.job_id}: {doc['state']}, dataset {job.dataset} version {job.version}, rows in {job.rows_in:,}, clean {job.rows_clean:,}, quarantined {job.rows_quarantined:,}"
        + (f"; error: {job.error}" if job.error else "")
    )
    if job.gate_failed:
        click.echo("a policy gate failed: nothing was published", err=True)
        sys.exit(1)
    if doc["state"] != "JOB_STATE_SUCCEEDED":
        sys.exit(2)


@main.command()
@click.argument("dataset")
@click.argument("version", type=click.IntRange(min=1))
@click.option("--reason", required=True, help="Why (recorded, and shown to whoever is refused).")
@_guarded
@_conn_options
def revoke(dataset: str, version: int, reason: str, conn: Connection) -> None:
    """Withdraw VERSION of DATASET at the gateway (needs an admin token).

    Pulls and trainers that ask the gateway refuse it from now on, and so does `adapter
    verify --server` for every adapter trained on it. A copy already pulled still
    verifies offline: revocation is news only the gateway has."""
    from gateway.service.client import revoke as withdraw

    got = withdraw(conn, dataset, version, reason)
    click.echo(f"revoked {got.dataset} version {got.version}: {got.revoked_reason}")


@main.command()
@click.argument("dataset")
@click.option("--version", "version", default="latest", show_default=True)
@click.option("--out", required=True, type=click.Path(path_type=Path))
@click.option(
    "--key",
    "keys",
    multiple=True,
    required=True,
    type=click.Path(path_type=Path),
    help="Trusted public key (repeatable).",
)
@click.option(
    "--min-sequence",
    type=click.IntRange(min=1),
    help="Refuse a release older than this sequence (a rollback).",
)
@click.option("--expect-policy", help="Refuse unless the policy digest is this (sha256:…).")
@_guarded
@_conn_options
def pull(
    dataset: str,
    version: str,
    out: Path,
    keys: tuple[Path, ...],
    min_sequence: int | None,
    expect_policy: str | None,
    conn: Connection,
) -> None:
    """Download a version, verify it against KEY, and only then place it in OUT."""
    from gateway.service.client import pull as fetch

    got = fetch(
        conn,
        dataset,
        version,
        out,
        keys=list(keys),
        min_sequence=min_sequence,
        expect_policy=expect_policy,
    )
    click.echo(
        f"verified and saved {dataset} version {got['version']} ({got['files']} files) to {out}, signed by {got['keyid']}"
    )
