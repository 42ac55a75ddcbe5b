"""Metrics (Prometheus) and structured JSON logs for the service.

Metrics live in their own registry, served by ``--metrics-port``; logs are one JSON
object per line on stderr, each with the request id the interceptor assigns.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

REGISTRY = CollectorRegistry()
SCANS = Counter("tunegate_scans", "Scans by event", ["event"], registry=REGISTRY)
ROWS = Counter("tunegate_rows", "Rows by outcome", ["outcome"], registry=REGISTRY)
FINDINGS = Counter(
    "tunegate_findings",
    "Rows with a finding, by detector and rule",
    ["detector", "rule"],
    registry=REGISTRY,
)
BYTES = Counter("tunegate_bytes_received", "Upload bytes received", registry=REGISTRY)
STAGE = Histogram(
    "tunegate_stage_seconds", "Latency of service stages", ["stage"], registry=REGISTRY
)
CALLS = Histogram(
    "tunegate_call_seconds", "Latency of calls by method", ["method", "code"], registry=REGISTRY
)
QUEUE = Gauge("tunegate_queue_depth", "Scans waiting for a worker", registry=REGISTRY)
ADAPTERS = Counter(
    "tunegate_adapters",
    "Adapter registry events (registered, pulled, promoted, refused, revoked)",
    ["event"],
    registry=REGISTRY,
)
AUTH_FAILURES = Counter("tunegate_auth_failures", "Refused calls", ["reason"], registry=REGISTRY)


def count_rows(job: dict[str, Any]) -> None:
    ROWS.labels(outcome="in").inc(job["rows_in"])
    ROWS.labels(outcome="clean").inc(job["rows_clean"])
    ROWS.labels(outcome="quarantined").inc(job["rows_quarantined"])
    ROWS.labels(outcome="flagged").inc(job["rows_flagged"])
    try:
        by_reason = json.loads(job["report_json"] or "{}").get("by_reason", {})
    except ValueError:
        return
    for det, rules in by_reason.items():
        for rule, n in rules.items():
            FINDINGS.labels(detector=det, rule=rule).inc(n)


def serve_metrics(port: int, host: str = "127.0.0.1") -> int:
    """Serve /metrics; returns the port (0 picks a free one)."""
    httpd, _ = start_http_server(port, addr=host, registry=REGISTRY)
    return int(httpd.server_address[1])


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "ts": self.formatTime(record),
            "level": record.levelname,
            "msg": record.getMessage(),
        }
        doc.update(getattr(record, "fields", {}))
        if record.exc_info and record.exc_info[1] is not None:
            # where it failed, and the exception's type, but not its message: a message
            # may quote the data being scanned (a value that failed to parse), and the
            # logs must never carry a row's content
            err = record.exc_info[1]
            doc["traceback"] = "\n".join(
                f"{f.filename}:{f.lineno} in {f.name}"
                for f in traceback.extract_tb(err.__traceback__)
            )
            doc["error_type"] = type(err).__name__
        return json.dumps(doc, sort_keys=True)


LOG = logging.getLogger("tunegate.service")


def setup_logging() -> None:
    if not LOG.handlers:
        h = logging.StreamHandler(sys.stderr)
        h.setFormatter(JsonFormatter())
        LOG.addHandler(h)
        LOG.setLevel(logging.INFO)
        LOG.propagate = False


def log(msg: str, **fields: Any) -> None:
    LOG.info(msg, extra={"fields": fields})


def log_failure(msg: str, err: BaseException, **fields: Any) -> None:
    """An unexpected failure, with its stack (the client only sees the class name)."""
    LOG.error(msg, exc_info=(type(err), err, err.__traceback__), extra={"fields": fields})
