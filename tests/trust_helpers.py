"""Making signed outputs and re-signed forgeries for the verification tests."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from gateway.core.pipeline import Pipeline
from gateway.core.policy import parse_policy
from gateway.core.scan_types import ScanRequest
from gateway.report_html import write as write_report_page
from gateway.trust.dsse import pae
from gateway.trust.keys import KeySigner, generate_keypair, load_signer
from gateway.trust.manifest import MANIFEST_NAME, DatasetRelease
from tests.helpers import alpaca, write_jsonl


def make_keys(folder: Path, name: str = "fw") -> tuple[KeySigner, Path]:
    key, pub, _ = generate_keypair(folder / name)
    return load_signer(key), pub


def signed_output(
    tmp: Path,
    signer: KeySigner,
    *,
    dataset: str = "acme/support",
    sequence: int = 1,
    rows: int = 30,
    policy: dict[str, Any] | None = None,
) -> Path:
    inp = write_jsonl(tmp / f"in-{sequence}.jsonl", [alpaca(i) for i in range(rows)] + [alpaca(0)])
    out = tmp / f"out-{dataset.replace('/', '_')}-{sequence}"
    Pipeline(parse_policy({"output": {"shard_max_rows": 10}, **(policy or {})})).scan(
        ScanRequest(
            inputs=[inp],
            out=out,
            device="cpu",
            release=DatasetRelease(dataset, str(sequence), sequence),
            signer=signer,
        ),
        pages=[write_report_page],  # the HTML page is published and signed as the doors do
    )
    return out


def read_envelope(out: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((out / MANIFEST_NAME).read_text())
    return doc


def statement(out: Path) -> dict[str, Any]:
    s: dict[str, Any] = json.loads(base64.b64decode(read_envelope(out)["payload"]))
    return s


def write_envelope(out: Path, env: dict[str, Any]) -> None:
    (out / MANIFEST_NAME).write_text(json.dumps(env) + "\n")


def resign(out: Path, new_statement: dict[str, Any], signer: KeySigner) -> None:
    """A forgery signed with the real key: shows a check other than the signature refuses."""
    payload = json.dumps(new_statement).encode()
    env = read_envelope(out)
    env["payload"] = base64.b64encode(payload).decode()
    sig = signer.sign(pae(env["payloadType"], payload))
    env["signatures"] = [{"keyid": signer.keyid, "sig": base64.b64encode(sig).decode()}]
    write_envelope(out, env)
