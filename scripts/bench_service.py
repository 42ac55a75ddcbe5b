"""Rows/s through the gRPC gateway against the batch pipeline on the same data and policy.

Both sides are warm (models loaded, a first scan done): the batch side calls
``Pipeline.scan`` in process; the service side is a real ``tunegate serve`` on loopback
and the ``submit`` client, so the ratio is what streaming, the job registry, signing and
the audit log cost on top of the same work.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
NO_MODELS = ROOT / "fixtures" / "policies" / "no_models.toml"


def run(rows: list[dict[str, Any]], policy: Path = NO_MODELS, repeats: int = 3) -> dict[str, Any]:
    from gateway.core.pipeline import Pipeline
    from gateway.core.policy import load_policy
    from gateway.core.scan_types import ScanRequest
    from gateway.service.client import Connection, submit
    from gateway.trust.keys import generate_keypair, load_signer
    from gateway.trust.manifest import DatasetRelease

    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        data = tmp / "in.jsonl"
        with data.open("w") as f:
            for r in rows:
                f.write(json.dumps(r) + "\n")
        key, _, _ = generate_keypair(tmp / "k")
        signer = load_signer(key)
        pipe = Pipeline(load_policy(policy))
        pipe.setup("cpu")
        batch = []
        for i in range(repeats + 1):
            t = time.perf_counter()
            pipe.scan(
                ScanRequest(
                    inputs=[data],
                    out=tmp / f"b{i}",
                    device="cpu",
                    release=DatasetRelease("bench/x", "1", 1),
                    signer=signer,
                )
            )
            batch.append(time.perf_counter() - t)
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        tok = (
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "gateway",
                    "token",
                    "create",
                    "--data-dir",
                    str(tmp / "srv"),
                    "--scopes",
                    "scan:write",
                    "--datasets",
                    "*",
                ],
                capture_output=True,
                text=True,
                check=True,
                env=env,
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        log = tmp / "serve.log"
        with log.open("w") as fh:
            proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gateway",
                    "serve",
                    "--data-dir",
                    str(tmp / "srv"),
                    "--sign-key",
                    str(key),
                    "--port",
                    "0",
                    "--policy",
                    str(policy),
                    "--device",
                    "cpu",
                ],
                stdout=fh,
                stderr=subprocess.STDOUT,
                env=env,
            )
        try:
            port = None
            for _ in range(600):
                m = re.search(r"serving on 127\.0\.0\.1:(\d+)", log.read_text())
                if m:
                    port = int(m.group(1))
                    break
                time.sleep(0.2)
            assert port is not None, log.read_text()
            conn = Connection(f"127.0.0.1:{port}", tok)
            service = []
            for i in range(repeats + 1):
                t = time.perf_counter()
                job = submit(conn, data, f"bench/s{i}", idempotency_key=f"k{i}")
                service.append(time.perf_counter() - t)
                assert job.rows_in == len(rows), job
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=120)
    b, s = min(batch[1:]), min(service[1:])  # the first of each warms caches
    return {
        "rows": len(rows),
        "batch_rows_per_s": round(len(rows) / b, 1),
        "service_rows_per_s": round(len(rows) / s, 1),
        "overhead": round(s / b - 1, 3),
    }
