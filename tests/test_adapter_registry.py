"""The gateway as an adapter registry, end to end: a real server on loopback, the real peft
adapter, the CLI a user runs.

The adapter is attested against a release the gateway published and the client pulled
(the server signs with the "fw" key, which the trusted keys give the firewall role), then
registered, listed, pulled, approved and promoted; revoking the dataset version revokes it,
and ``adapter verify --server`` refuses it from then on.
"""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.service.client import Connection, pull, submit
from gateway.trust.adapter import ATTESTATION_NAME
from tests.adapter_helpers import AdapterWorld, adapter_world
from tests.helpers import alpaca, run_cli, write_jsonl
from tests.test_service import Server, start_server, token

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world() -> AdapterWorld:
    return adapter_world()


@pytest.fixture(scope="module")
def gw(tmp_path_factory: pytest.TempPathFactory, world: AdapterWorld) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("registry")
    s = start_server(
        tmp,
        "--adapter-trusted-keys",
        str(world.trusted),
        "--adapter-approvals",
        "security",
        key=world.keys["fw"],
    )
    yield s
    s.proc.send_signal(signal.SIGTERM)
    s.proc.wait(timeout=60)


@pytest.fixture(scope="module")
def tokens(gw: Server) -> dict[str, str]:
    return {
        "trainer": token(gw.data, "scan:write,shards:read,adapters:write", "acme/*"),
        "reader": token(gw.data, "shards:read", "acme/*"),
        "other": token(gw.data, "shards:read,adapters:write", "finance/*"),
        "admin": token(gw.data, "admin", "*"),
    }


def _release(gw: Server, world: AdapterWorld, tok: str, dataset: str, tmp: Path) -> Path:
    """Publish a dataset version on the gateway and pull it, verified, as a trainer would."""
    src = write_jsonl(tmp / f"{dataset.replace('/', '_')}.jsonl", [alpaca(i) for i in range(24)])
    job = submit(Connection(gw.address, tok), src, dataset)
    assert job.version >= 1, job
    out = tmp / f"release-{dataset.replace('/', '_')}"
    pull(Connection(gw.address, tok), dataset, str(job.version), out, keys=[world.pubs["fw"]])
    return out


def _attested(world: AdapterWorld, release: Path, tmp: Path, name: str) -> Path:
    folder = tmp / name
    shutil.copytree(world.adapter, folder)
    proc = run_cli(
        "adapter", "attest", folder, "--base", world.pin, "--data", release,
        "--config", world.train_config, "--sign-key", world.keys["trainer"],
        "--trusted-keys", world.trusted, "--name", name,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return folder


def _cli(gw: Server, tok: str, tmp: Path, *args: str | Path) -> tuple[int, str, str]:
    tf = tmp / f"token-{abs(hash(tok))}"
    tf.write_text(tok)
    proc = run_cli(*args, "--server", gw.address, "--token-file", tf)
    return proc.returncode, proc.stdout, proc.stderr


def _register(gw: Server, tok: str, tmp: Path, folder: Path) -> str:
    rc, out, err = _cli(gw, tok, tmp, "adapter", "register", folder, "--json")
    assert rc == 0, err
    doc = json.loads(out)
    return str(doc["adapter_id"])


def _verify(
    gw: Server, world: AdapterWorld, tok: str, tmp: Path, folder: Path, *extra: str
) -> tuple[int, str, str]:
    return _cli(
        gw, tok, tmp, "adapter", "verify", folder, "--base", world.base,
        "--trusted-keys", world.trusted, *extra,
    )  # fmt: skip


def _audit(gw: Server, method: str) -> list[tuple[str, str, str]]:
    with sqlite3.connect(gw.data / "tunegate.sqlite") as db:
        return db.execute(
            "SELECT result, dataset, input_sha256 FROM audit WHERE method = ? ORDER BY seq",
            (method,),
        ).fetchall()


def test_register_list_pull_scoped_and_audited(
    gw: Server, world: AdapterWorld, tokens: dict[str, str], tmp_path: Path
) -> None:
    release = _release(gw, world, tokens["trainer"], "acme/support", tmp_path)
    folder = _attested(world, release, tmp_path, "support-lora")
    adapter_id = _register(gw, tokens["trainer"], tmp_path, folder)
    assert len(adapter_id) == 64

    # registering again is the same adapter, not a second one
    assert _register(gw, tokens["trainer"], tmp_path, folder) == adapter_id

    rc, out, err = _cli(gw, tokens["reader"], tmp_path, "adapter", "list", "--json")
    assert rc == 0, err
    [doc] = [a for a in json.loads(out) if a["adapter_id"] == adapter_id]
    assert doc["name"] == "support-lora"
    assert doc["datasets"] == [{"dataset": "acme/support", "version": "1"}]
    assert {f["name"] for f in doc["files"]} == {p.name for p in world.adapter.iterdir()}
    assert doc["signers"] == [world.signer("trainer").keyid]
    assert not doc["promoted"] and not doc["revoked"]

    # a token for other datasets sees no adapter, and cannot ask for this one by id
    rc, out, err = _cli(gw, tokens["other"], tmp_path, "adapter", "list", "--json")
    assert rc == 0, err
    assert json.loads(out) == []
    rc, _, err = _cli(
        gw, tokens["other"], tmp_path, "adapter", "pull", adapter_id, "--out", tmp_path
    )
    assert rc == 3 and f"no adapter '{adapter_id}' visible to this token" in err
    # nor can it register an adapter trained on them
    rc, _, err = _cli(gw, tokens["other"], tmp_path, "adapter", "register", folder)
    assert rc == 3 and "may not use dataset 'acme/support'" in err
    # and a reader may list but not register
    rc, _, err = _cli(gw, tokens["reader"], tmp_path, "adapter", "register", folder)
    assert rc == 3 and "lacks the adapters:write scope" in err

    # pull the attestation into a copy of the files got elsewhere; verify it there
    files = tmp_path / "downloaded"
    shutil.copytree(world.adapter, files)
    rc, out, err = _cli(
        gw, tokens["reader"], tmp_path, "adapter", "pull", adapter_id, "--out", files
    )
    assert rc == 0, err
    assert (files / ATTESTATION_NAME).read_bytes() == (folder / ATTESTATION_NAME).read_bytes()
    rc, out, err = _verify(gw, world, tokens["reader"], tmp_path, files)
    assert rc == 0, err
    assert f"registered at the gateway (id {adapter_id})" in out
    rc, out, err = _verify(gw, world, tokens["reader"], tmp_path, files, "--require-promoted")
    assert rc == 3 and "has not promoted adapter" in err

    # every call is in the audit chain, with the adapter's id and its datasets
    results = [r for r, _, _ in _audit(gw, "RegisterAdapter")]
    assert results[:2] == ["OK", "OK (already registered; signatures merged)"]
    assert "PERMISSION_DENIED" in results
    assert ("OK", "acme/support", adapter_id) in _audit(gw, "PullAdapter")
    assert ("OK", "acme/support", adapter_id) in _audit(gw, "GetAdapter")
    assert ("PERMISSION_DENIED", "", adapter_id) in _audit(gw, "PullAdapter")


def test_register_refuses_what_the_gateway_does_not_stand_behind(
    gw: Server, world: AdapterWorld, tokens: dict[str, str], tmp_path: Path
) -> None:
    # trained on a release this gateway never published (signed by the same key, locally)
    folder = _attested(world, world.data, tmp_path, "elsewhere-lora")
    rc, _, err = _cli(gw, tokens["trainer"], tmp_path, "adapter", "register", folder)
    assert rc == 3, err
    assert "FAILED_PRECONDITION" in err
    assert "version 1 of acme/support on this gateway is not the release" in err or (
        "has no version 1 of acme/support" in err
    )
    # signed by a key the gateway does not trust
    from gateway.trust.adapter import attest
    from gateway.trust.basepin import load_pin
    from gateway.trust.trusted import TrustStore
    from gateway.trust.verify import verify_output

    release = _release(gw, world, tokens["trainer"], "acme/untrusted", tmp_path)
    stranger = tmp_path / "stranger"
    shutil.copytree(world.adapter, stranger)
    vm = verify_output(release, TrustStore.from_file(world.trusted))
    attest(stranger, load_pin(world.pin), [(release, vm)], world.signer("stranger"))
    rc, _, err = _cli(gw, tokens["trainer"], tmp_path, "adapter", "register", stranger)
    assert rc == 3 and "no signature verifies under a trusted key" in err
    # not an attestation at all
    junk = tmp_path / "junk.jsonl"
    junk.write_text("{}")
    rc, _, err = _cli(gw, tokens["trainer"], tmp_path, "adapter", "register", junk)
    assert rc != 0 and err


def test_promotion_needs_the_approvals_the_server_names(
    gw: Server, world: AdapterWorld, tokens: dict[str, str], tmp_path: Path
) -> None:
    release = _release(gw, world, tokens["trainer"], "acme/promoted", tmp_path)
    folder = _attested(world, release, tmp_path, "promo-lora")
    adapter_id = _register(gw, tokens["trainer"], tmp_path, folder)
    att = folder / ATTESTATION_NAME

    rc, _, err = _cli(gw, tokens["trainer"], tmp_path, "adapter", "promote", adapter_id)
    assert rc == 3, err
    assert "FAILED_PRECONDITION" in err and "no signature by a key with role 'security'" in err
    # a data owner's approval is a signature, but not by the role the server names
    proc = run_cli("approve", att, "--key", world.keys["owner"], "--trusted-keys", world.trusted)
    assert proc.returncode == 0, proc.stderr
    rc, _, err = _cli(
        gw, tokens["trainer"], tmp_path, "adapter", "promote", adapter_id, "--attestation", att
    )
    assert rc == 3 and "role 'security'" in err
    # a reader cannot promote
    rc, _, err = _cli(gw, tokens["reader"], tmp_path, "adapter", "promote", adapter_id)
    assert rc == 3 and "lacks the adapters:write scope" in err
    # the security reviewer approves: promoted
    proc = run_cli("approve", att, "--key", world.keys["security"])
    assert proc.returncode == 0, proc.stderr
    rc, out, err = _cli(
        gw, tokens["trainer"], tmp_path, "adapter", "promote", adapter_id, "--attestation", att
    )
    assert rc == 0, err
    assert world.signer("security").keyid in out
    # another payload cannot ride on this adapter's id
    other = _attested(world, release, tmp_path, "other-lora")
    rc, _, err = _cli(
        gw, tokens["trainer"], tmp_path, "adapter", "promote", adapter_id,
        "--attestation", other / ATTESTATION_NAME,
    )  # fmt: skip
    assert rc != 0 and "payload differs from the registered one" in err

    # the gateway now holds the approvals: a pulled copy carries them, and verifies promoted
    files = tmp_path / "downloaded"
    shutil.copytree(world.adapter, files)
    rc, _, err = _cli(gw, tokens["reader"], tmp_path, "adapter", "pull", adapter_id, "--out", files)
    assert rc == 0, err
    rc, out, err = _verify(
        gw, world, tokens["reader"], tmp_path, files, "--require-promoted",
        "--require-role", "security",
    )  # fmt: skip
    assert rc == 0, err
    assert "promoted at the gateway" in out
    assert [r for r, _, _ in _audit(gw, "PromoteAdapter")].count("OK") == 1
    assert "FAILED_PRECONDITION" in [r for r, _, _ in _audit(gw, "PromoteAdapter")]


def test_revoking_a_version_revokes_its_adapters(
    gw: Server, world: AdapterWorld, tokens: dict[str, str], tmp_path: Path
) -> None:
    release = _release(gw, world, tokens["trainer"], "acme/poisoned", tmp_path)
    folder = _attested(world, release, tmp_path, "poisoned-lora")
    adapter_id = _register(gw, tokens["trainer"], tmp_path, folder)
    rc, out, err = _verify(gw, world, tokens["reader"], tmp_path, folder)
    assert rc == 0, err

    rc, out, err = _cli(
        gw,
        tokens["admin"],
        tmp_path,
        "revoke",
        "acme/poisoned",
        "1",
        "--reason",
        "poisoned rows found",
    )
    assert rc == 0 and "revoked acme/poisoned version 1" in out, err
    assert ("OK (1 adapters revoked)", "acme/poisoned", "") in _audit(gw, "Revoke")

    # the gateway's adapter status refuses it, naming the dataset version
    rc, _, err = _verify(gw, world, tokens["reader"], tmp_path, folder)
    assert rc == 3, err
    assert f"revoked adapter {adapter_id}" in err
    assert "version 1 of acme/poisoned, which it was trained on, was revoked: poisoned rows" in err
    rc, _, err = _cli(
        gw, tokens["reader"], tmp_path, "adapter", "merge-check", folder, "--base", world.base,
        "--merged", tmp_path / "merged", "--sign-key", world.keys["trainer"],
        "--trusted-keys", world.trusted,
    )  # fmt: skip
    assert rc == 3 and "version 1 of acme/poisoned" in err
    # attesting on the revoked release is refused too
    rc, _, err = _cli(
        gw, tokens["reader"], tmp_path, "adapter", "attest", folder, "--base", world.pin,
        "--data", release, "--sign-key", world.keys["trainer"], "--trusted-keys", world.trusted,
        "--out", tmp_path / "again.intoto.jsonl",
    )  # fmt: skip
    assert rc == 3 and "version 1 of acme/poisoned" in err and "revoked" in err

    # listed as revoked; not pulled, promoted, or registered again
    rc, out, err = _cli(
        gw, tokens["reader"], tmp_path, "adapter", "list", "--dataset", "acme/poisoned"
    )
    assert rc == 0, err
    assert adapter_id in out and "REVOKED (version 1 of acme/poisoned" in out
    rc, _, err = _cli(
        gw, tokens["reader"], tmp_path, "adapter", "pull", adapter_id, "--out", tmp_path
    )
    assert rc == 3 and "was revoked" in err
    proc = run_cli("approve", folder / ATTESTATION_NAME, "--key", world.keys["security"])
    assert proc.returncode == 0, proc.stderr
    rc, _, err = _cli(
        gw, tokens["trainer"], tmp_path, "adapter", "promote", adapter_id,
        "--attestation", folder / ATTESTATION_NAME,
    )  # fmt: skip
    assert rc == 3 and "was revoked" in err
    rc, _, err = _cli(gw, tokens["trainer"], tmp_path, "adapter", "register", folder)
    assert rc == 3 and "was revoked: poisoned rows found" in err

    # the audit chain still verifies with the server's key
    proc = run_cli("audit", "verify", "--data-dir", gw.data, "--key", gw.pub)
    assert proc.returncode == 0, proc.stderr


def test_a_gateway_without_adapter_keys_registers_nothing(
    world: AdapterWorld, tmp_path: Path
) -> None:
    s = start_server(tmp_path, key=world.keys["fw"])
    try:
        tok = token(s.data, "scan:write,shards:read,adapters:write", "acme/*")
        release = _release(s, world, tok, "acme/support", tmp_path)
        folder = _attested(world, release, tmp_path, "support-lora")
        rc, _, err = _cli(s, tok, tmp_path, "adapter", "register", folder)
        assert rc == 3 and "--adapter-trusted-keys" in err
        # verify --server still works: the adapter is simply not registered there
        rc, out, err = _verify(s, world, tok, tmp_path, folder)
        assert rc == 0, err
        assert "not registered at the gateway" in out
        rc, _, err = _verify(s, world, tok, tmp_path, folder, "--require-promoted")
        assert rc == 3 and "not promoted" in err
    finally:
        s.proc.send_signal(signal.SIGTERM)
        s.proc.wait(timeout=60)


def test_an_older_data_dir_gains_the_adapter_tables(tmp_path: Path) -> None:
    from gateway.service.store import Store

    Store(tmp_path)
    with sqlite3.connect(tmp_path / "tunegate.sqlite") as db:
        db.execute("DROP INDEX adapters_by_version")
        db.execute("DROP TABLE adapter_datasets")
        db.execute("DROP TABLE adapters")
    store = Store(tmp_path)  # as serve opens it after an upgrade
    tables = {r["name"] for r in store.db().execute("SELECT name FROM sqlite_master")}
    assert {"adapters", "adapter_datasets", "adapters_by_version", "versions"} <= tables
