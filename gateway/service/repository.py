"""What the servicer reads and changes in the store: jobs and versions, by name.

The servicer holds no SQL: it asks this layer, so the queries live in one place next to
the schema (store.py) and a reader of the servicer sees only what each call means.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gateway.service.store import Store


class Repository:
    def __init__(self, store: Store) -> None:
        self.store = store

    def jobs(
        self, dataset: str | None, state: str | None, before: int | None
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """Jobs, newest first, as ``(cursor, row)``; ``before`` is a cursor from an earlier page."""
        sql, args = "SELECT rowid AS _rowid, * FROM jobs WHERE 1=1", list[object]()
        if dataset:
            sql += " AND dataset = ?"
            args.append(dataset)
        if state:
            sql += " AND state = ?"
            args.append(state)
        if before is not None:
            sql += " AND rowid < ?"
            args.append(before)
        sql += " ORDER BY rowid DESC"
        for row in self.store.db().execute(sql, args):
            yield int(row["_rowid"]), dict(row)

    def version_of_job(self, dataset: str, job_id: str) -> dict[str, Any] | None:
        row = (
            self.store.db()
            .execute("SELECT * FROM versions WHERE dataset = ? AND job_id = ?", (dataset, job_id))
            .fetchone()
        )
        return dict(row) if row is not None else None

    def versions(self, dataset: str) -> list[dict[str, Any]]:
        rows = self.store.db().execute(
            "SELECT * FROM versions WHERE dataset = ? ORDER BY version", (dataset,)
        )
        return [dict(r) for r in rows]

    def revoke(self, dataset: str, version: int, reason: str) -> dict[str, Any] | None:
        """Mark a version revoked; the version, or None where there is no such version."""
        with self.store.tx() as db:
            n = db.execute(
                "UPDATE versions SET revoked = 1, revoked_reason = ? "
                "WHERE dataset = ? AND version = ?",
                (reason, dataset, version),
            ).rowcount
            row = db.execute(
                "SELECT * FROM versions WHERE dataset = ? AND version = ?", (dataset, version)
            ).fetchone()
        return dict(row) if n and row is not None else None
