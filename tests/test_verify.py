"""Signed manifests: the happy path and every refusal the issue lists."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from detectors.harmful_request import ARTIFACT_SHA256 as HARMFUL_HEAD_SHA256
from detectors.registry import REGISTRY
from gateway.errors import UsageError, VerificationError
from gateway.trainer import load_verified
from gateway.trust.keys import keyid_of, load_signer
from gateway.trust.manifest import MANIFEST_NAME
from gateway.trust.trusted import TrustStore
from gateway.trust.verify import verify_output
from tests.helpers import run_cli
from tests.trust_helpers import (
    make_keys,
    read_envelope,
    resign,
    signed_output,
    statement,
    write_envelope,
)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two signed runs of one dataset, one of another, and a stranger's key."""
    d = tmp_path_factory.mktemp("world")
    signer, pub = make_keys(d, "fw")
    _, stranger = make_keys(d, "stranger")
    return {
        "dir": d,
        "key": d / "fw.key",
        "pub": pub,
        "stranger": stranger,
        "run1": signed_output(d, signer, sequence=1),
        "run2": signed_output(d, signer, sequence=2, rows=40),
        "other": signed_output(d, signer, dataset="acme/other"),
    }


@pytest.fixture
def out(world: dict[str, Path], tmp_path: Path) -> Path:
    dst = tmp_path / "copy"
    shutil.copytree(world["run1"], dst)
    return dst


def trust(world: dict[str, Path]) -> TrustStore:
    return TrustStore.from_public_keys([world["pub"]])


def refused(world: dict[str, Path], out: Path, match: str, **kw: object) -> None:
    with pytest.raises(VerificationError, match=match):
        verify_output(out, kw.pop("store", None) or trust(world), **kw)  # type: ignore[arg-type]


def clean_shards(out: Path) -> list[Path]:
    return sorted((out / "clean").glob("*.parquet"))


def test_happy_path(world: dict[str, Path], out: Path) -> None:
    vm = verify_output(out, trust(world), dataset="acme/support", min_sequence=1)
    assert vm.dataset["sequence"] == 1
    names = {s.name for s in vm.subjects}
    assert {"report.json", "croissant.json"} <= names
    assert len(clean_shards(out)) == 3 and all(
        f"clean/{p.name}" in names for p in clean_shards(out)
    )
    pred = vm.statement["predicate"]
    assert pred["policy"]["digest"].startswith("sha256:")
    assert pred["inputs"][0]["digest"]["sha256"]
    assert [d["name"] for d in pred["detectors"]] == list(REGISTRY)  # every detector, enabled
    assert {"report.html"} <= names  # the page is signed like everything else
    injection = next(d for d in pred["detectors"] if d["name"] == "injection")
    assert [m["name"] for m in injection["models"]] == [
        "sentence-transformers/all-MiniLM-L6-v2",
        "tunegate/injection-classifier",
    ]
    poisoning = next(d for d in pred["detectors"] if d["name"] == "poisoning")
    assert [m["name"] for m in poisoning["models"]] == [
        "sentence-transformers/all-MiniLM-L6-v2",
        "tunegate/harmful-request-head",
    ]
    assert poisoning["models"][1]["sha256"] == HARMFUL_HEAD_SHA256
    semantic = next(d for d in pred["detectors"] if d["name"] == "semantic_duplicate")
    assert semantic["models"][0]["sha256"] == (
        "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
    )
    pii = next(d for d in pred["detectors"] if d["name"] == "pii")
    assert pii["models"][0]["name"] == "spacy/en_core_web_sm-3.8.0"
    assert len(pii["models"][0]["sha256"]) == 64
    assert vm.keyid == keyid_of(load_signer(world["key"]).private.public_key())


def test_cli_verify_ok_and_exit_3(world: dict[str, Path], out: Path) -> None:
    r = run_cli("verify", out, "--key", world["pub"], "--dataset", "acme/support")
    assert r.returncode == 0, r.stderr
    (out / "clean" / "extra.parquet").write_bytes(b"PAR1")
    r = run_cli("verify", out, "--key", world["pub"])
    assert r.returncode == 3
    assert "extra.parquet" in r.stderr and "Traceback" not in r.stderr


# 1. flipped bytes in data and in footer
@pytest.mark.parametrize("where", ["data", "footer"])
def test_flipped_byte_in_shard(world: dict[str, Path], out: Path, where: str) -> None:
    shard = clean_shards(out)[0]
    data = bytearray(shard.read_bytes())
    i = 100 if where == "data" else len(data) - 12
    data[i] ^= 0x01
    shard.write_bytes(bytes(data))
    refused(world, out, "sha256 does not match")


# 2. shards swapped by name
def test_swapped_shards(world: dict[str, Path], out: Path) -> None:
    a, b = clean_shards(out)[:2]
    tmp = a.with_suffix(".swap")
    a.rename(tmp)
    b.rename(a)
    tmp.rename(b)
    refused(world, out, "does not match|bytes")


# 3. substituted from another run, truncated, deleted
def test_shard_from_another_run(world: dict[str, Path], out: Path) -> None:
    mine = clean_shards(out)[0]
    theirs = clean_shards(world["run2"])[0]
    shutil.copyfile(theirs, mine)
    refused(world, out, "does not match|bytes")


def test_truncated_shard(world: dict[str, Path], out: Path) -> None:
    shard = clean_shards(out)[0]
    shard.write_bytes(shard.read_bytes()[:-50])
    refused(world, out, "bytes")


def test_deleted_shard(world: dict[str, Path], out: Path) -> None:
    clean_shards(out)[1].unlink()
    refused(world, out, "missing")


# 4. extra unlisted parquet
def test_extra_parquet(world: dict[str, Path], out: Path) -> None:
    shutil.copyfile(clean_shards(out)[0], out / "clean" / "train-00009-of-00009-evil.parquet")
    refused(world, out, "not listed")


# 5. predicate edited without re-signing
def test_predicate_edited(world: dict[str, Path], out: Path) -> None:
    st_ = statement(out)
    st_["predicate"]["dataset"]["sequence"] = 99
    env = read_envelope(out)
    env["payload"] = base64.b64encode(json.dumps(st_).encode()).decode()
    write_envelope(out, env)
    refused(world, out, "does not verify")


# 6. payloadType changed
def test_payload_type_changed(world: dict[str, Path], out: Path) -> None:
    env = read_envelope(out)
    env["payloadType"] = "application/json"
    write_envelope(out, env)
    refused(world, out, "payloadType")


# 7. replay for another dataset; rollback
def test_replayed_for_another_dataset(world: dict[str, Path]) -> None:
    refused(world, world["other"], "not 'acme/support'", dataset="acme/support")


def test_rollback_refused(world: dict[str, Path]) -> None:
    verify_output(world["run2"], trust(world), min_sequence=2)
    refused(world, world["run1"], "rollback", min_sequence=2)


# 8. unknown key; right keyid, wrong signature
def test_unknown_key(world: dict[str, Path], out: Path) -> None:
    refused(world, out, "unknown key", store=TrustStore.from_public_keys([world["stranger"]]))


def test_right_keyid_wrong_signature(world: dict[str, Path], out: Path, tmp_path: Path) -> None:
    impostor, _ = make_keys(tmp_path, "impostor")
    env = read_envelope(out)
    from gateway.trust.dsse import pae

    payload = base64.b64decode(env["payload"])
    forged = impostor.sign(pae(env["payloadType"], payload))
    env["signatures"][0]["sig"] = base64.b64encode(forged).decode()  # keyid still the real one
    write_envelope(out, env)
    refused(world, out, "does not verify")


# 9. expired or revoked keys by the verifier's clock
def _trusted_file(world: dict[str, Path], tmp: Path, **entry: object) -> TrustStore:
    doc = {"keys": [{"public_key": str(world["pub"]), **entry}]}
    p = tmp / "trusted_keys.json"
    p.write_text(json.dumps(doc))
    return TrustStore.from_file(p)


def test_expired_key(world: dict[str, Path], out: Path, tmp_path: Path) -> None:
    past = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    refused(world, out, "expired", store=_trusted_file(world, tmp_path, not_after=past))


def test_key_not_yet_valid(world: dict[str, Path], out: Path, tmp_path: Path) -> None:
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    refused(world, out, "not valid before", store=_trusted_file(world, tmp_path, not_before=future))


def test_revoked_key(world: dict[str, Path], out: Path, tmp_path: Path) -> None:
    store = _trusted_file(world, tmp_path, revoked=True, revoked_reason="laptop stolen")
    refused(world, out, "revoked: laptop stolen", store=store)


def test_key_scoped_to_other_datasets(world: dict[str, Path], out: Path, tmp_path: Path) -> None:
    refused(
        world, out, "may not sign", store=_trusted_file(world, tmp_path, datasets=["finance/*"])
    )
    verify_output(out, _trusted_file(world, tmp_path, datasets=["acme/*"]))


def test_verifier_clock_not_manifest_claims(
    world: dict[str, Path], out: Path, tmp_path: Path
) -> None:
    """A key valid last year does not vouch today, whatever the manifest says it was."""
    store = _trusted_file(world, tmp_path, not_after="2020-01-01T00:00:00Z")
    refused(world, out, "expired", store=store)
    # and a manifest outside its own window is refused even with a valid key
    refused(world, out, "valid from", now=datetime.now(UTC) + timedelta(days=400))


# 10. malformed envelopes
ENVELOPE_CASES: dict[str, Callable[[bytes], bytes]] = {
    "truncated": lambda b: b[: len(b) // 2],
    "bad json": lambda b: b"{not json",
    "bad base64": lambda b: json.dumps({**json.loads(b), "payload": "%%%notbase64"}).encode(),
    "duplicate keys": lambda b: b[:-2] + b',"payloadType":"application/vnd.in-toto+json"}\n',
    "empty signatures": lambda b: json.dumps({**json.loads(b), "signatures": []}).encode(),
    "missing payload": lambda b: json.dumps(
        {k: v for k, v in json.loads(b).items() if k != "payload"}
    ).encode(),
    "non-utf8 payload": lambda b: json.dumps(
        {**json.loads(b), "payload": base64.b64encode(b"\xff\xfe{}").decode()}
    ).encode(),
}


@pytest.mark.parametrize("case", sorted(ENVELOPE_CASES))
def test_malformed_envelope(world: dict[str, Path], out: Path, case: str) -> None:
    path = out / MANIFEST_NAME
    path.write_bytes(ENVELOPE_CASES[case](path.read_bytes()))
    with pytest.raises(VerificationError):
        verify_output(out, trust(world))
    r = run_cli("verify", out, "--key", world["pub"])
    assert r.returncode == 3 and "Traceback" not in r.stderr, r.stderr


def test_non_utf8_payload_signed_by_real_key(world: dict[str, Path], out: Path) -> None:
    from gateway.trust.dsse import pae

    signer = load_signer(world["key"])
    env = read_envelope(out)
    payload = b"\xff\xfe not utf-8"
    env["payload"] = base64.b64encode(payload).decode()
    sig = signer.sign(pae(env["payloadType"], payload))
    env["signatures"] = [{"keyid": signer.keyid, "sig": base64.b64encode(sig).decode()}]
    write_envelope(out, env)
    refused(world, out, "UTF-8")


# 11. dangerous subject names (re-signed with the real key, so the name check must refuse)
@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("../escape.parquet", "plain relative"),
        ("/etc/passwd", "absolute"),
        ("clean\\x.parquet", "backslash"),
        ("clean/a\0.parquet", "NUL"),
    ],
)
def test_dangerous_subject_names(world: dict[str, Path], out: Path, name: str, match: str) -> None:
    st_ = statement(out)
    st_["subject"][0]["name"] = name
    resign(out, st_, load_signer(world["key"]))
    refused(world, out, match)


def test_symlink_out_of_folder(world: dict[str, Path], out: Path, tmp_path: Path) -> None:
    shard = clean_shards(out)[0]
    outside = tmp_path / "outside.parquet"
    shutil.copyfile(shard, outside)  # same bytes: only the link itself is wrong
    shard.unlink()
    os.symlink(outside, shard)
    refused(world, out, "symlink")


# 12. weak digests only; zero shards
def test_weak_digests_only(world: dict[str, Path], out: Path) -> None:
    st_ = statement(out)
    st_["subject"][0]["digest"] = {"md5": "0" * 32, "sha1": "0" * 40}
    resign(out, st_, load_signer(world["key"]))
    refused(world, out, "weak digests only")


def test_zero_shards(world: dict[str, Path], out: Path) -> None:
    st_ = statement(out)
    st_["subject"] = [s for s in st_["subject"] if s["annotations"]["split"] != "clean"]
    resign(out, st_, load_signer(world["key"]))
    refused(world, out, "zero clean shards")


# any single byte change anywhere is refused
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_any_single_byte_change_is_refused(
    world: dict[str, Path], tmp_path: Path, data: st.DataObject
) -> None:
    dst = tmp_path / f"c{data.draw(st.integers(0, 10**9))}"
    shutil.copytree(world["run1"], dst)
    files = sorted(p for p in dst.rglob("*") if p.is_file())
    target = data.draw(st.sampled_from(files))
    raw = bytearray(target.read_bytes())
    i = data.draw(st.integers(0, len(raw) - 1))
    raw[i] ^= data.draw(st.integers(1, 255))
    target.write_bytes(bytes(raw))
    with pytest.raises(VerificationError):
        verify_output(dst, trust(world))
    shutil.rmtree(dst)


# trainer-side loader
def test_load_verified_returns_clean_rows(world: dict[str, Path], out: Path) -> None:
    t = load_verified(out, key=world["pub"], dataset="acme/support")
    assert t.num_rows == 30  # 31 rows in, one exact duplicate out
    assert "tunegate_row_id" in t.column_names


def test_load_verified_refuses_tampering(world: dict[str, Path], out: Path) -> None:
    shard = clean_shards(out)[0]
    raw = bytearray(shard.read_bytes())
    raw[200] ^= 0xFF
    shard.write_bytes(bytes(raw))
    with pytest.raises(VerificationError):
        load_verified(out, key=world["pub"])


def test_load_verified_catches_a_swap_after_verify(
    world: dict[str, Path], out: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file replaced between the verification pass and the read is still refused."""
    import gateway.trust.loader as loader

    real_verify = loader.verify_output

    def verify_then_swap(*args: object, **kw: object) -> object:
        vm = real_verify(*args, **kw)  # type: ignore[arg-type]
        shutil.copyfile(clean_shards(world["run2"])[0], clean_shards(out)[0])
        return vm

    monkeypatch.setattr(loader, "verify_output", verify_then_swap)
    with pytest.raises(VerificationError, match=r"does not match|bytes"):
        load_verified(out, key=world["pub"])


def test_loader_script_exits_cleanly(world: dict[str, Path]) -> None:
    """The README's one-line loader ends with status 0: pyarrow 26's thread pool aborted
    the interpreter at exit after about one run in five while a table was still alive."""
    script = (
        "from gateway.trainer import load_verified; "
        f"t = load_verified({str(world['run1'])!r}, key={str(world['pub'])!r})"
    )
    for _ in range(8):
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr[-2000:]


DUPLICATES = {"exact_duplicate": "duplicate", "near_duplicate": "near_duplicate"}
DUPLICATES |= {"semantic_duplicate": "semantic_duplicate"}
FLAG_DUPLICATES = {"detectors": {d: {"actions": {r: "flag"}} for d, r in DUPLICATES.items()}}


@pytest.fixture(scope="module")
def flagged_run(world: dict[str, Path]) -> Path:
    """30 distinct rows and a copy of row 0, with exact duplicates flagged instead of
    dropped: 31 clean rows, one of them flagged."""
    (folder := world["dir"] / "flagged").mkdir()
    return signed_output(folder, load_signer(world["key"]), policy=FLAG_DUPLICATES)


def test_every_flagged_row_carries_its_flags(world: dict[str, Path], flagged_run: Path) -> None:
    t = load_verified(flagged_run, key=world["pub"])
    assert t.num_rows == 31
    flags = t.column("tunegate_flags").to_pylist()
    flagged = [f for f in flags if f]
    assert len(flagged) == 1
    [row_flags] = flagged
    assert {f["detector"] for f in row_flags} <= set(DUPLICATES)
    assert all(f["action"] == "flag" and "duplicate_of=" in f["evidence"] for f in row_flags)
    exact = [f for f in row_flags if f["detector"] == "exact_duplicate"]
    assert [f["rule"] for f in exact] == ["duplicate"]
    report = json.loads((flagged_run / "report.json").read_text())
    assert report["counts"]["rows_flagged"] == 1
    assert report["flagged_by_reason"] == {f["detector"]: {f["rule"]: 1} for f in row_flags}


def test_load_verified_drops_flagged_rows_on_request(
    world: dict[str, Path], flagged_run: Path
) -> None:
    assert load_verified(flagged_run, key=world["pub"], drop_flagged=True).num_rows == 30
    kept = load_verified(
        flagged_run,
        key=world["pub"],
        drop_flagged=lambda flags: any(f["detector"] == "injection" for f in flags),
    )
    assert kept.num_rows == 31  # the predicate asks about injection flags only
    assert load_verified(flagged_run, key=world["pub"], drop_flagged=False).num_rows == 31


def test_load_verified_needs_a_key(out: Path) -> None:
    with pytest.raises(UsageError):
        load_verified(out)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib, inside mlcroissant
def test_croissant_validates_with_mlcroissant(out: Path) -> None:
    mlc = pytest.importorskip("mlcroissant")
    ds = mlc.Dataset(jsonld=str(out / "croissant.json"))
    assert not ds.metadata.ctx.issues.errors
    assert ds.metadata.record_sets[0].name == "clean"
    records = list(ds.records("clean"))
    assert len(records) == 30
    assert {r["clean/tunegate_row_id"] for r in records} == {
        f"in-1.jsonl:{i}".encode() for i in range(30)
    }
    doc = json.loads((out / "croissant.json").read_text())
    shas = {
        f["contentUrl"]: f["sha256"] for f in doc["distribution"] if f["@type"] == "cr:FileObject"
    }
    assert len(shas) == 3
