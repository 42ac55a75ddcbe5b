"""The gateway's job runner: a cancel that arrives after the scan's last progress event,
before its version is recorded, leaves no version (the runner in-process, no network)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from gateway.core.pipeline import Pipeline
from gateway.core.policy import load_policy
from gateway.service.auth import Principal
from gateway.service.jobs import Header, JobRunner
from gateway.service.store import Store
from tests.helpers import NO_MODELS, alpaca, write_jsonl
from tests.trust_helpers import make_keys


class CancelAfterScan:
    """The real pipeline, and the client's cancel landing the moment its scan returns."""

    def __init__(self, runner: JobRunner, job_id: str) -> None:
        self.real = Pipeline(load_policy(NO_MODELS))
        self.detectors = self.real.detectors
        self.runner, self.job_id = runner, job_id

    def scan(self, *args: Any, **kw: Any) -> Any:
        result = self.real.scan(*args, **kw)
        self.runner.cancel(self.job_id)
        return result


def test_a_cancel_after_the_last_progress_event_publishes_nothing(tmp_path: Path) -> None:
    signer, _ = make_keys(tmp_path)
    store = Store(tmp_path / "data")
    runner = JobRunner(store, tmp_path / "data", default_policy=NO_MODELS, signer=signer)
    who = Principal("t1", frozenset({"scan:write"}), ("finance/*",))
    h = Header("finance/c", "FORMAT_JSONL", (), "", "", "rows.jsonl")
    job, _ = runner.open_job(who, h)
    data = write_jsonl(tmp_path / "rows.jsonl", [alpaca(i) for i in range(5)]).read_bytes()
    upload, sha, _ = runner.receive(job["job_id"], h, [data], lambda n: None)
    runner._pipeline = lambda policy: CancelAfterScan(runner, job["job_id"])  # type: ignore[method-assign,assignment,return-value]
    row, error = runner.start(job["job_id"], h, upload, sha, lambda p: None).result()
    assert row["state"] == "CANCELLED" and error is not None
    assert store.db().execute("SELECT COUNT(*) FROM versions").fetchone()[0] == 0
    assert not (tmp_path / "data" / "objects").exists() or not any(
        (tmp_path / "data" / "objects").rglob("manifest.intoto.jsonl")
    )
    assert hashlib.sha256(data).hexdigest() == sha
