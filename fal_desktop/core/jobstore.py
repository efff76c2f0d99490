"""Every job the app runs, in SQLite, so nothing paid for is lost across crashes.

A job is written before it is submitted (state ``submitting``) and again as soon as fal
answers with a request id, so a restart can resume it (status → result → download)
instead of submitting it twice. The schema is versioned with ``PRAGMA user_version``.

A job with a request id ends only *at fal*: completed with its files on disk, failed at fal,
cancelled at fal, or expired (fal no longer keeps it). Two states stop without ending:
``not_fetched`` (fal finished; we still owe the fetch, which Retry makes) and ``held`` (not
accepted by fal: the account is out of credit; Retry sends it once topped up).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from fal_desktop.api.error_kind import ErrorKind
from fal_desktop.core.job_table import COLUMNS, MIGRATIONS

__all__ = ["JobRecord", "JobState", "JobStore"]


class JobState(str, Enum):
    PENDING = "pending"  # recorded, local files not yet uploaded
    SUBMITTING = "submitting"  # the submit request may be on the wire
    QUEUED = "queued"
    RUNNING = "running"
    DOWNLOADING = "downloading"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"  # fal no longer keeps the request or its result
    NOT_FETCHED = "not_fetched"  # fal finished it; fetching the result failed (Retry fetches again)
    HELD = "held"  # not sent (out of credit, or held by the spend limit); Retry sends it

    @property
    def finished(self) -> bool:
        """The app stopped working on it (it ended, or waits for the user's Retry)."""
        return self in _STOPPED

    @property
    def final(self) -> bool:
        """Ended for good: nothing more can come of this job."""
        return self in _FINAL

    @property
    def resumable(self) -> bool:
        """Stopped, but Retry carries on with this very job (fetch again, or send a held one)."""
        return self in (JobState.NOT_FETCHED, JobState.HELD)

    @property
    def in_flight_at_fal(self) -> bool:
        """fal has the job: resume it by its request id."""
        return self in (JobState.QUEUED, JobState.RUNNING, JobState.DOWNLOADING)


_FINAL = frozenset({JobState.COMPLETED, JobState.FAILED, JobState.CANCELLED, JobState.EXPIRED})
_STOPPED = _FINAL | {JobState.NOT_FETCHED, JobState.HELD}


@dataclass
class JobRecord:
    endpoint_id: str
    inputs: dict[str, Any]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    state: JobState = JobState.PENDING
    label: str = ""
    request_id: str | None = None
    payload: dict[str, Any] | None = None
    output: Any = None
    files: list[str] = field(default_factory=list)
    error: str | None = None
    error_detail: str | None = None
    created_at: float = field(default_factory=time.time)
    submitted_at: float | None = None
    finished_at: float | None = None
    session_id: str | None = None
    #: Runs started together (one prompt on several models, one parameter varied).
    group_id: str | None = None
    #: Why it failed or stopped (with ``error``): what Retry, Run again and the banners decide on.
    error_kind: ErrorKind | None = None
    #: fal's ``x-fal-billable-units`` for the result (a decimal string), when fal sent it.
    billable_units: str | None = None
    #: What the job cost in USD (billable units × unit price), when both are known.
    cost: float | None = None


def _dumps(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


class JobStore:
    """A small, thread-safe store of :class:`JobRecord` rows."""

    def __init__(self, path: Path | str, *, timeout: float = 5.0) -> None:
        self.path = Path(path) if str(path) != ":memory:" else path
        if isinstance(self.path, Path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(
            str(path), timeout=timeout, check_same_thread=False, isolation_level=None
        )
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        try:
            self._migrate()
        except BaseException:
            self._db.close()
            raise

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _migrate(self) -> None:
        with self.transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise RuntimeError(
                    f"The job history was written by a newer fal-desktop (version {version})."
                )
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    def query(self, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Rows of a read-only query (for the stores that share this database)."""
        with self._lock:
            return self._db.execute(sql, params).fetchall()

    @property
    def schema_version(self) -> int:
        with self._lock:
            version: int = self._db.execute("PRAGMA user_version").fetchone()[0]
            return version

    # -- rows --------------------------------------------------------------------

    def save(self, job: JobRecord) -> None:
        self.save_many([job])

    def save_many(self, jobs: list[JobRecord]) -> None:
        """Write several jobs in one transaction (a dropped folder of 200 images)."""
        rows = [self._row(job) for job in jobs]
        placeholders = ", ".join("?" for _ in COLUMNS)
        with self.transaction() as db:
            db.executemany(
                f"INSERT OR REPLACE INTO jobs ({', '.join(COLUMNS)}) VALUES ({placeholders})", rows
            )

    @staticmethod
    def _row(job: JobRecord) -> tuple[Any, ...]:
        return (
            job.id,
            job.endpoint_id,
            JobState(job.state).value,
            job.label,
            job.request_id,
            _dumps(job.inputs),
            _dumps(job.payload),
            _dumps(job.output),
            _dumps(job.files),
            job.error,
            job.error_detail,
            job.created_at,
            job.submitted_at,
            job.finished_at,
            job.session_id,
            job.group_id,
            ErrorKind(job.error_kind).value if job.error_kind else None,
            job.billable_units,
            job.cost,
        )

    def update(self, job_id: str, **changes: Any) -> None:
        """Change some fields of one job (names as on :class:`JobRecord`)."""
        columns, values = [], []
        for name, value in changes.items():
            if name in ("inputs", "payload", "output", "files"):
                columns.append(f"{name}_json = ?")
                values.append(_dumps(value))
            elif name == "state":
                columns.append("state = ?")
                values.append(JobState(value).value)
            elif name == "error_kind":
                columns.append("error_kind = ?")
                values.append(ErrorKind(value).value if value else None)
            elif name in COLUMNS:
                columns.append(f"{name} = ?")
                values.append(value)
            else:
                raise KeyError(name)
        with self.transaction() as db:
            db.execute(f"UPDATE jobs SET {', '.join(columns)} WHERE id = ?", (*values, job_id))

    # The two writes around a submit are synced to disk before they return (synchronous=FULL):
    # with WAL's usual NORMAL an OS crash or power cut just after could undo them.

    def record_sending(self, job_id: str, payload: dict[str, Any] | None) -> None:
        """The job is about to be sent: undone, a restart would send it again (paid twice)."""
        with self._synced():
            self.update(job_id, state=JobState.SUBMITTING, payload=payload)

    def record_request_id(self, job_id: str, request_id: str, submitted_at: float) -> None:
        """fal's answer to a submit: the job is queued at fal under ``request_id``. Undone, the
        paid job could not be followed."""
        with self._synced():
            self.update(
                job_id, state=JobState.QUEUED, request_id=request_id, submitted_at=submitted_at
            )

    @contextmanager
    def _synced(self) -> Iterator[None]:
        with self._lock:
            self._db.execute("PRAGMA synchronous=FULL")
            try:
                yield
            finally:
                self._db.execute("PRAGMA synchronous=NORMAL")

    def finish_unless_finished(self, job_id: str, state: JobState, finished_at: float) -> bool:
        """Mark a job finished (cancelled, say) unless it already ended: a result that just
        landed is never overwritten. Returns whether the job was changed."""
        done = tuple(s.value for s in _FINAL)
        marks = ", ".join("?" for _ in done)
        with self.transaction() as db:
            changed = db.execute(
                f"UPDATE jobs SET state = ?, finished_at = ? WHERE id = ? AND state NOT IN ({marks})",
                (JobState(state).value, finished_at, job_id, *done),
            ).rowcount
        return changed > 0

    def get(self, job_id: str) -> JobRecord | None:
        with self._lock:
            row = self._db.execute(
                f"SELECT {', '.join(COLUMNS)} FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
        return self._record(row) if row else None

    def where(
        self,
        condition: str,
        params: tuple[Any, ...] = (),
        order: str = "created_at",
        limit: int | None = None,
    ) -> list[JobRecord]:
        """Jobs matching an SQL condition on the table's columns (the first ``limit``)."""
        sql = f"SELECT {', '.join(COLUMNS)} FROM jobs WHERE {condition} ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._lock:
            rows = self._db.execute(sql, params).fetchall()
        return [self._record(r) for r in rows]

    def all(self, *, limit: int | None = None) -> list[JobRecord]:
        sql = f"SELECT {', '.join(COLUMNS)} FROM jobs ORDER BY created_at"
        if limit is not None:
            sql += f" DESC LIMIT {int(limit)}"
        with self._lock:
            rows = self._db.execute(sql).fetchall()
        records = [self._record(r) for r in rows]
        return records[::-1] if limit is not None else records

    def unfinished(self) -> list[JobRecord]:
        """Jobs that were not finished when the app last stopped, oldest first."""
        finished = tuple(s.value for s in _STOPPED)
        marks = ", ".join("?" for _ in finished)
        with self._lock:
            rows = self._db.execute(
                f"SELECT {', '.join(COLUMNS)} FROM jobs WHERE state NOT IN ({marks}) "
                "ORDER BY created_at",
                finished,
            ).fetchall()
        return [self._record(r) for r in rows]

    def delete(self, job_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))

    @staticmethod
    def _record(row: tuple[Any, ...]) -> JobRecord:
        values = dict(zip(COLUMNS, row, strict=False))

        def loads(text: str | None, default: Any = None) -> Any:
            if text is None:
                return default
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                return default

        return JobRecord(
            id=values["id"],
            endpoint_id=values["endpoint_id"],
            state=JobState(values["state"]),
            label=values["label"] or "",
            request_id=values["request_id"],
            inputs=loads(values["inputs_json"], {}),
            payload=loads(values["payload_json"]),
            output=loads(values["output_json"]),
            files=loads(values["files_json"], []),
            error=values["error"],
            error_detail=values["error_detail"],
            created_at=values["created_at"],
            submitted_at=values["submitted_at"],
            finished_at=values["finished_at"],
            session_id=values["session_id"],
            group_id=values["group_id"],
            error_kind=ErrorKind.parse(values["error_kind"]),
            billable_units=values["billable_units"],
            cost=values["cost"],
        )
