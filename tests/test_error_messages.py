"""Errors that say what to do (issue #23): each exit-2 and exit-3 message names the file,
flag or field it is about and the fix, as a user sees it from the real CLI.

No model loads here: scans use a policy with the model-backed detectors off, or fail
before any model would load.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import NO_MODELS, alpaca, run_cli, write_jsonl

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class World:
    dir: Path
    data: Path  # a small alpaca JSONL
    key: Path  # the signer's private key
    pub: Path  # ... and its public key
    stranger: Path  # a public key that signed nothing here
    signed: Path  # a signed output folder of acme/support, sequence 1
    unsigned: Path  # an output folder without a manifest


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    d = tmp_path_factory.mktemp("errors")
    for name in ("fw", "stranger"):
        r = run_cli("keygen", "--out", d / name)
        assert r.returncode == 0, r.stderr
    data = write_jsonl(d / "data.jsonl", [alpaca(i) for i in range(12)])
    signed, unsigned = d / "signed", d / "unsigned"
    r = run_cli(
        "scan",
        data,
        "--out",
        signed,
        "--policy",
        NO_MODELS,
        "--dataset",
        "acme/support",
        "--sign-key",
        d / "fw.key",
    )
    assert r.returncode == 0, r.stderr
    r = run_cli("scan", data, "--out", unsigned, "--policy", NO_MODELS)
    assert r.returncode == 0, r.stderr
    return World(d, data, d / "fw.key", d / "fw.pub", d / "stranger.pub", signed, unsigned)


def copy_of(world: World, tmp: Path) -> Path:
    dst = tmp / "copy"
    shutil.copytree(world.signed, dst)
    return dst


def policy(tmp: Path, text: str) -> Path:
    path = tmp / "policy.toml"
    path.write_text(NO_MODELS.read_text() + "\n" + text)
    return path


# A case builds the command in a fresh tmp folder and returns
# (arguments, exit code, what stderr must contain: the where, then the fix).
Case = Callable[[World, Path], tuple[list[str | Path], int, list[str]]]


def scan_sequence_and_previous(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    args: list[str | Path] = ["scan", w.data, "--out", tmp / "o", "--dataset", "acme/support"]
    return [*args, "--sequence", "2", "--previous", w.signed], 2, ["--sequence", "not both"]


def scan_out_not_empty(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    (tmp / "o").mkdir()
    (tmp / "o" / "keep.txt").write_text("mine")
    args: list[str | Path] = ["scan", w.data, "--out", tmp / "o", "--policy", NO_MODELS]
    return args, 2, [str(tmp / "o"), "choose another --out or pass --overwrite"]


def scan_out_is_a_file(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    (tmp / "o").write_text("not a folder")
    args: list[str | Path] = ["scan", w.data, "--out", tmp / "o", "--policy", NO_MODELS]
    return args, 2, [str(tmp / "o"), "not a folder", "choose another --out"]


def scan_missing_uri(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    uri = (tmp / "gone.jsonl").as_uri()
    return ["scan", uri, "--out", tmp / "o"], 2, [uri, "no such file or prefix", "check the URI"]


def scan_folder_without_data(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    (tmp / "in").mkdir()
    (tmp / "in" / "notes.txt").write_text("x")
    args: list[str | Path] = ["scan", tmp / "in", "--out", tmp / "o"]
    return args, 2, [str(tmp / "in"), "name the files to scan"]


def scan_missing_policy(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    args: list[str | Path] = ["scan", w.data, "--out", tmp / "o", "--policy", tmp / "nope.toml"]
    return args, 2, [str(tmp / "nope.toml"), "check the path"]


def policy_not_toml(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    p = policy(tmp, "[output\ncompression = 1\n")
    args: list[str | Path] = ["scan", w.data, "--out", tmp / "o", "--policy", p]
    return args, 2, [str(p), "not valid TOML", "line", "fix the line shown"]


def policy_unknown_codec(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    p = policy(tmp, '[output]\ncompression = "rar"\n')
    args: list[str | Path] = ["scan", w.data, "--out", tmp / "o", "--policy", p]
    return args, 2, [str(p), "[output].compression", "'rar'", "use zstd"]


def policy_unknown_action(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    p = policy(tmp, '[detectors.exact_duplicate.actions]\nduplicate = "delete"\n')
    args: list[str | Path] = ["scan", w.data, "--out", tmp / "o", "--policy", p]
    where = "[detectors.exact_duplicate].actions.duplicate"
    return args, 2, [str(p), where, "'delete'", "use one of"]


def policy_unknown_key(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    p = policy(tmp, "[detectors.validation]\nactoins = {}\n")
    args: list[str | Path] = ["scan", w.data, "--out", tmp / "o", "--policy", p]
    return args, 2, [str(p), "[detectors.validation]", "'actoins'", "allowed:"]


def reference_without_drift(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    p = policy(tmp, "[detectors.drift]\nenabled = false\n")
    args: list[str | Path] = ["scan", w.data, "--out", tmp / "o", "--policy", p]
    fix = "[detectors.drift] enabled = true"
    return [*args, "--reference", w.data], 2, ["--reference", fix, "or drop --reference"]


def fields_unknown_role(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    args: list[str | Path] = ["scan", w.data, "--out", tmp / "o", "--policy", NO_MODELS]
    return [*args, "--fields", "instruction=boss"], 2, ["'instruction'", "'boss'", "use one of"]


def sign_without_dataset(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    args: list[str | Path] = ["scan", w.data, "--out", tmp / "o", "--policy", NO_MODELS]
    return [*args, "--sign-key", w.key], 2, ["dataset id", "pass --dataset"]


def sign_key_readable_by_others(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    key = tmp / "open.key"
    shutil.copyfile(w.key, key)
    os.chmod(key, 0o644)
    args: list[str | Path] = ["scan", w.data, "--out", tmp / "o", "--dataset", "acme/support"]
    return [*args, "--sign-key", key], 2, [str(key), f"run: chmod 600 {key}"]


def previous_without_manifest(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    args: list[str | Path] = ["scan", w.data, "--out", tmp / "o", "--dataset", "acme/support"]
    args += ["--sign-key", w.key, "--previous", w.unsigned]
    return args, 3, [f"--previous {w.unsigned}", "cannot read the manifest", "a signed scan"]


def previous_of_another_dataset(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    args: list[str | Path] = ["scan", w.data, "--out", tmp / "o", "--dataset", "acme/other"]
    args += ["--sign-key", w.key, "--previous", w.signed]
    return args, 3, [f"--previous {w.signed}", "'acme/other'", "check the dataset id"]


def keygen_over_a_key(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    return ["keygen", "--out", w.dir / "fw"], 2, [str(w.key), "choose another --out"]


def verify_without_keys(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    return ["verify", w.signed], 2, ["--key or --trusted-keys"]


def verify_missing_key_file(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    args: list[str | Path] = ["verify", w.signed, "--key", tmp / "gone.pub"]
    return args, 3, [str(tmp / "gone.pub"), "check the path to the signer's .pub file"]


def verify_private_key_as_key(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    args: list[str | Path] = ["verify", w.signed, "--key", w.key]
    return args, 3, [str(w.key), "not a PEM public key", "the signer's .pub file"]


def verify_stranger_key(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    args: list[str | Path] = ["verify", w.signed, "--key", w.stranger]
    return args, 3, ["manifest.intoto.jsonl", "unknown key", "check you have the right key"]


def verify_tampered_shard(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    out = copy_of(w, tmp)
    shard = sorted((out / "clean").glob("*.parquet"))[0]
    data = bytearray(shard.read_bytes())
    data[100] ^= 0x01
    shard.write_bytes(bytes(data))
    fix = "do not train on this folder; pull or scan it again from the source"
    return ["verify", out, "--key", w.pub], 3, [str(shard), "sha256 does not match", fix]


def verify_extra_file(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    out = copy_of(w, tmp)
    (out / "clean" / "extra.parquet").write_bytes(b"PAR1")
    where = str(out / "clean" / "extra.parquet")
    return ["verify", out, "--key", w.pub], 3, [where, "not listed", "delete it if you added it"]


def verify_other_dataset(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    args: list[str | Path] = ["verify", w.signed, "--key", w.pub, "--dataset", "acme/other"]
    return args, 3, [str(w.signed), "'acme/other'", "check the dataset id you asked for"]


def verify_rollback(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    args: list[str | Path] = ["verify", w.signed, "--key", w.pub, "--min-sequence", "2"]
    return args, 3, [str(w.signed), "rollback refused", "get the newest release"]


def verify_unsigned_folder(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    args: list[str | Path] = ["verify", w.unsigned, "--key", w.pub]
    return args, 3, [str(w.unsigned), "cannot read the manifest", "--dataset and --sign-key"]


def trusted_keys_unknown_field(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    tk = tmp / "trusted_keys.json"
    tk.write_text(json.dumps({"keys": [{"public_key": str(w.pub), "expires": "2030"}]}))
    args: list[str | Path] = ["verify", w.signed, "--trusted-keys", tk]
    return args, 3, [f"{tk}: keys[0]", "'expires'", "allowed:", "not_after"]


def trusted_keys_bad_time(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    tk = tmp / "trusted_keys.json"
    tk.write_text(json.dumps({"keys": [{"public_key": str(w.pub), "not_after": "next year"}]}))
    args: list[str | Path] = ["verify", w.signed, "--trusted-keys", tk]
    return args, 3, [f"{tk}: keys[0].not_after", "'next year'", "2027-01-01T00:00:00Z"]


def expired_trusted_key(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    tk = tmp / "trusted_keys.json"
    entry = {"public_key": str(w.pub), "not_after": "2001-01-01T00:00:00Z"}
    tk.write_text(json.dumps({"keys": [entry]}))
    args: list[str | Path] = ["verify", w.signed, "--trusted-keys", tk]
    return args, 3, [str(w.signed), "expired", "get a release signed by a current key"]


def report_of_a_non_output(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    return ["report", tmp], 2, [str(tmp), "no report.json", "give the --out folder"]


def audit_without_data(w: World, tmp: Path) -> tuple[list[str | Path], int, list[str]]:
    args: list[str | Path] = ["audit", "verify", "--data-dir", tmp]
    return args, 2, [str(tmp), "pass the --data-dir that tunegate serve uses"]


CASES: list[Case] = [
    scan_sequence_and_previous,
    scan_out_not_empty,
    scan_out_is_a_file,
    scan_missing_uri,
    scan_folder_without_data,
    scan_missing_policy,
    policy_not_toml,
    policy_unknown_codec,
    policy_unknown_action,
    policy_unknown_key,
    reference_without_drift,
    fields_unknown_role,
    sign_without_dataset,
    sign_key_readable_by_others,
    previous_without_manifest,
    previous_of_another_dataset,
    keygen_over_a_key,
    verify_without_keys,
    verify_missing_key_file,
    verify_private_key_as_key,
    verify_stranger_key,
    verify_tampered_shard,
    verify_extra_file,
    verify_other_dataset,
    verify_rollback,
    verify_unsigned_folder,
    trusted_keys_unknown_field,
    trusted_keys_bad_time,
    expired_trusted_key,
    report_of_a_non_output,
    audit_without_data,
]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_the_message_names_the_place_and_the_fix(case: Case, world: World, tmp_path: Path) -> None:
    args, code, needles = case(world, tmp_path)
    r = run_cli(*args)
    assert r.returncode == code, (r.returncode, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("error: ")]
    assert len(lines) == 1, r.stderr  # one line, no traceback
    message = lines[0]
    assert "Traceback" not in r.stderr
    for needle in needles:
        assert needle in message, (needle, message)
    assert not message.endswith("."), message
