"""The ``tunegate`` command: parse, call the core, report. No decisions are made here.

The scan, keygen, verify and report commands; the service's are in service_cli.py, and
both attach to the group in commands.py.

Exit codes: 0 ok, 1 a gate failed, 2 bad input or usage, 3 verification failed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from gateway import (
    adapter_cli,  # noqa: F401 - attaches approve, base-model, adapter
    service_cli,  # noqa: F401 - attaches serve, token, submit, pull, audit
)
from gateway.commands import guarded as _guarded
from gateway.commands import main
from gateway.core.device import DEVICES
from gateway.errors import UsageError

if TYPE_CHECKING:
    from gateway.trust.keys import KeySigner
    from gateway.trust.manifest import DatasetRelease
    from gateway.trust.trusted import TrustStore

__all__ = ["main"]  # the console script's entry point, with every command attached


def _split_fields(value: str | None) -> list[str] | None:
    if not value:
        return None
    fields = [f.strip() for f in value.split(",") if f.strip()]
    return fields or None


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Output folder.")
@click.option(
    "--policy", type=click.Path(path_type=Path), help="Policy TOML laid over the default."
)
@click.option(
    "--fields",
    help="Training-text columns, comma-separated (overrides recognition); COLUMN=ROLE sets "
    "a role (prompt, context, response, system, text).",
)
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True)
@click.option("--overwrite", is_flag=True, help="Replace a non-empty output folder.")
@click.option("--job-id", help="Name the job (default: a random id).")
@click.option("--dataset", help="Dataset id the signed manifest vouches for (e.g. acme/support).")
@click.option("--dataset-version", help="Version label (default: the sequence number).")
@click.option("--sequence", type=click.IntRange(min=1), help="Release sequence number (default 1).")
@click.option(
    "--previous",
    type=click.Path(path_type=Path),
    help="The previous release's output folder: sequence + 1, chained to its manifest, "
    "which must verify under the signing key (or --trusted-keys).",
)
@click.option(
    "--trusted-keys",
    type=click.Path(path_type=Path),
    help="trusted_keys.json to verify --previous with (default: the signing key's own).",
)
@click.option(
    "--sign-key",
    type=click.Path(path_type=Path),
    envvar="TUNEGATE_SIGNING_KEY",
    help="Private key (PEM) to sign the manifest; or TUNEGATE_SIGNING_KEY.",
)
@click.option("--valid-days", type=click.IntRange(min=1), default=365, show_default=True)
@click.option(
    "--cache", type=click.Path(path_type=Path), help="Keep embeddings here by content hash."
)
@click.option(
    "--reference",
    "references",
    multiple=True,
    help="A reference set (file, folder or URI; repeatable) to measure drift against.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "ray"]),
    default="local",
    show_default=True,
    help="Where the per-row stage runs: here, or on Ray actors.",
)
@click.option(
    "--ray-address", help="An existing Ray cluster ('auto' finds it); default: start one here."
)
@click.option(
    "--ray-workers", type=click.IntRange(min=1), help="Ray actors (default: the cluster's CPUs)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON, nothing else.")
@_guarded
def scan(
    inputs: tuple[str, ...],
    out: Path,
    policy: Path | None,
    fields: str | None,
    device: str,
    overwrite: bool,
    job_id: str | None,
    dataset: str | None,
    dataset_version: str | None,
    sequence: int | None,
    previous: Path | None,
    trusted_keys: Path | None,
    sign_key: Path | None,
    valid_days: int,
    cache: Path | None,
    references: tuple[str, ...],
    engine: str,
    ray_address: str | None,
    ray_workers: int | None,
    as_json: bool,
) -> None:
    """Scan Parquet/JSONL files; write clean and quarantine shards and a report to OUT.

    INPUTS are files, folders (every .parquet/.jsonl/.json under them, sorted) or URIs that
    pyarrow.fs opens: s3://bucket/prefix/, gs://..., hdfs://..., file:///..."""
    from gateway.core.engine import Engine, LocalEngine
    from gateway.core.pipeline import Pipeline
    from gateway.core.policy import load_policy
    from gateway.core.scan_types import ScanRequest
    from gateway.progress import ScanProgress
    from gateway.report_html import write as write_report_page
    from gateway.summary import print_summary
    from gateway.trust.keys import load_signer
    from gateway.trust.manifest import DatasetRelease
    from gateway.trust.names import dataset_id

    if sequence is not None and previous is not None:
        raise UsageError("give --sequence or --previous, not both")
    if (sequence or previous or dataset_version) and not dataset:
        raise UsageError("--sequence, --previous and --dataset-version need --dataset")
    if trusted_keys is not None and previous is None:
        raise UsageError("--trusted-keys verifies --previous; give --previous too, or drop it")
    if dataset is not None:
        dataset_id(dataset)
    signer = load_signer(sign_key) if sign_key else None
    release = None
    if dataset:
        if previous is not None:
            release = _release_after(previous, dataset, dataset_version, signer, trusted_keys)
        else:
            seq = sequence or 1
            release = DatasetRelease(dataset, dataset_version or str(seq), seq)
        release = DatasetRelease(
            release.id,
            release.version,
            release.sequence,
            release.previous_manifest_sha256,
            valid_days,
        )
    pol = load_policy(policy)
    pipeline = Pipeline(pol)
    request = ScanRequest(
        inputs=list(inputs),
        out=out,
        overwrite=overwrite,
        fields=_split_fields(fields),
        device=device,
        job_id=job_id,
        release=release,
        signer=signer,
        cache=cache,
        reference=list(references) or None,
    )
    runner: Engine = LocalEngine()
    if engine == "ray":
        from gateway.engines.ray_engine import RayEngine

        runner = RayEngine(ray_address, ray_workers, device)
    elif ray_address or ray_workers:
        raise UsageError("--ray-address and --ray-workers need --engine ray")
    with ScanProgress(enabled=not as_json) as progress:
        result = pipeline.scan(
            request, progress=progress.update, engine=runner, pages=[write_report_page]
        )
    if as_json:
        click.echo(json.dumps(result.report, indent=2, sort_keys=True))
    else:
        print_summary(result.report, result.out)
    if result.gate_failed:
        sys.exit(1)


@main.command()
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="Path prefix: writes OUT.key and OUT.pub.",
)
@_guarded
def keygen(out: Path) -> None:
    """Make an Ed25519 signing key (OUT.key, mode 0600) and its public key (OUT.pub).

    The private key is encrypted when TUNEGATE_KEY_PASSPHRASE is set.
    """
    import os

    from gateway.trust.keys import PASSPHRASE_ENV, generate_keypair

    key, pub, keyid = generate_keypair(out, os.environ.get(PASSPHRASE_ENV) or None)
    click.echo(f"private key: {key}\npublic key:  {pub}\nkeyid:       {keyid}")


@main.command()
@click.argument("out", type=click.Path(path_type=Path))
@click.option(
    "--key",
    "keys",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Trusted public key (PEM); repeatable.",
)
@click.option(
    "--trusted-keys",
    type=click.Path(path_type=Path),
    help="trusted_keys.json with validity, revocation and dataset scopes.",
)
@click.option("--dataset", help="Refuse a manifest for any other dataset id.")
@click.option(
    "--min-sequence", type=click.IntRange(min=0), help="Refuse older releases (rollback)."
)
@click.option("--expect-policy", help="Refuse unless the policy digest is this (sha256:…).")
@click.option(
    "--require-role",
    "roles",
    multiple=True,
    help="Count only signatures by keys with this role in --trusted-keys; repeatable.",
)
@click.option(
    "--min-signatures", type=click.IntRange(min=1), default=1, help="Distinct signers needed."
)
@click.option(
    "--json", "as_json", is_flag=True, help="Print the verified statement's summary as JSON."
)
@_guarded
def verify(
    out: Path,
    keys: tuple[Path, ...],
    trusted_keys: Path | None,
    dataset: str | None,
    min_sequence: int | None,
    expect_policy: str | None,
    roles: tuple[str, ...],
    min_signatures: int,
    as_json: bool,
) -> None:
    """Verify OUT against its signed manifest: signature, digests, no missing or extra files."""
    from gateway.trust.approvals import SignOff
    from gateway.trust.verify import verify_output

    if roles and trusted_keys is None:
        raise UsageError("--require-role needs --trusted-keys: keys given with --key hold no roles")
    trust = _trust_store(keys, trusted_keys)
    vm = verify_output(
        out,
        trust,
        dataset=dataset,
        min_sequence=min_sequence,
        expect_policy=expect_policy,
        signoff=SignOff(roles, min_signatures),
    )
    ds = vm.dataset
    summary = {
        "verified": True,
        "dataset": ds["id"],
        "version": ds["version"],
        "sequence": ds["sequence"],
        "keyid": vm.keyid,
        "signers": list(vm.signers),
        "policy": vm.statement["predicate"]["policy"]["digest"],
        "files": len(vm.subjects),
        "clean_rows": sum(s.rows or 0 for s in vm.split("clean")),
    }
    if as_json:
        click.echo(json.dumps(summary, indent=2, sort_keys=True))
    else:
        click.echo(
            f"verified: {ds['id']} version {ds['version']} (sequence {ds['sequence']}), "
            f"{summary['files']} files, {summary['clean_rows']:,} clean rows, signed by "
            + ", ".join(vm.signers)
        )


def _release_after(
    previous: Path,
    dataset: str,
    version: str | None,
    signer: KeySigner | None,
    trusted_keys: Path | None,
) -> DatasetRelease:
    """The release after ``previous``, whose manifest must verify first: chaining to an
    unsigned or forged manifest once made the real key sign sequence 1,000,000."""
    from gateway.errors import VerificationError
    from gateway.trust.manifest import DatasetRelease
    from gateway.trust.trusted import TrustedKey, TrustStore
    from gateway.trust.verify import verify_statement

    if signer is None:
        raise UsageError("--previous chains a signed release: give --sign-key too")
    trust = (
        TrustStore.from_file(trusted_keys)
        if trusted_keys is not None
        else TrustStore((TrustedKey(signer.keyid, signer.private.public_key()),))
    )
    try:
        vm = verify_statement(previous, trust, dataset=dataset)
    except VerificationError as e:
        raise VerificationError(
            f"--previous {previous} does not verify, so nothing is chained to it: {e}"
            + ("" if trusted_keys else "; if another key signed it, pass --trusted-keys")
        ) from e
    seq = int(vm.dataset["sequence"]) + 1
    return DatasetRelease(dataset, version or str(seq), seq, vm.envelope_sha256)


def _trust_store(keys: tuple[Path, ...], trusted_keys: Path | None) -> TrustStore:
    from gateway.trust.trusted import TrustStore

    if bool(keys) == bool(trusted_keys):
        raise UsageError("give trusted keys with --key or --trusted-keys (one of them)")
    if trusted_keys is not None:
        return TrustStore.from_file(trusted_keys)
    return TrustStore.from_public_keys(list(keys))


@main.command()
@click.argument("out", type=click.Path(path_type=Path))
@_guarded
def report(out: Path) -> None:
    """Re-render OUT/report.html from report.json and the quarantine shards.

    The page is deterministic, so a signed folder still verifies after a re-render."""
    from gateway.errors import InputError
    from gateway.report_html import write

    if not (out / "report.json").is_file():
        raise InputError(f"{out}: no report.json here; give the --out folder of a tunegate scan")
    click.echo(f"wrote {write(out)}")


@main.command()
@click.option("--policy", type=click.Path(path_type=Path), help="Check this policy's detectors.")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True)
@click.option("--out", type=click.Path(path_type=Path), help="Check that scans can write here.")
@click.option("--browser", is_flag=True, help="Check the headless browser (report page tests).")
@click.option("--sign-key", type=click.Path(path_type=Path), help="Check a signing key loads.")
@click.option("--tls-cert", type=click.Path(path_type=Path), help="A gateway's certificate.")
@click.option("--tls-key", type=click.Path(path_type=Path), help="A gateway's private key.")
@click.option("--client-ca", type=click.Path(path_type=Path), help="A gateway's client CA.")
@_guarded
def doctor(
    policy: Path | None,
    device: str,
    out: Path | None,
    browser: bool,
    sign_key: Path | None,
    tls_cert: Path | None,
    tls_key: Path | None,
    client_ca: Path | None,
) -> None:
    """Check this installation: pinned models load, and the files you name are usable.

    Prints one line per check and what to do about each failure; exit 2 if any failed."""
    from gateway.doctor import Check, run_checks

    def show(c: Check) -> None:
        mark = "ok  " if c.ok and not c.warning else ("warn" if c.ok else "FAIL")
        click.echo(f"{mark}  {c.name}: {c.detail}")

    checks = run_checks(
        policy=policy,
        device=device,
        out=out,
        browser=browser,
        sign_key=sign_key,
        tls_cert=tls_cert,
        tls_key=tls_key,
        client_ca=client_ca,
        on_check=show,
    )
    failed = [c for c in checks if not c.ok]
    if failed:
        raise UsageError(f"{len(failed)} of {len(checks)} checks failed: see FAIL above")
    click.echo(f"all {len(checks)} checks passed")
