"""Sessions: named sequences of runs, kept in the job store's database, and prompt history.

A run is a job (its prompt, model, parameters, seed, outputs, timings and request id are on
the :class:`JobRecord`); a session is a name and the jobs whose ``session_id`` points at it.
No Qt here: the window and the tests use the same calls.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable, Set
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from fal_desktop.core.jobstore import JobRecord, JobState, JobStore

__all__ = ["Session", "SessionBusy", "SessionStore", "prompt_of", "short_time"]

PROMPT_HISTORY = 500


def prompt_of(job: JobRecord) -> str:
    prompt = job.inputs.get("prompt") if isinstance(job.inputs, dict) else None
    return prompt.strip() if isinstance(prompt, str) else ""


def short_time(moment: float) -> str:
    """``1 Dec 14:05`` (strftime's ``%-d`` does not exist on Windows)."""
    when = datetime.fromtimestamp(moment)
    return f"{when.day} {when:%b %H:%M}"


class SessionBusy(ValueError):
    """A session with runs still going cannot be deleted; ``str()`` says so to the user."""


@dataclass(frozen=True)
class Session:
    id: str
    name: str
    created_at: float
    updated_at: float
    runs: int = 0
    results: int = 0

    def summary(self) -> str:
        """``12 results · 1 Dec 14:05`` for a list entry."""
        count = f"{self.results} result{'s' if self.results != 1 else ''}"
        return f"{count} · {short_time(self.updated_at)}"


class SessionStore:
    """Create, rename, delete, list and search sessions; remember prompts."""

    def __init__(
        self, jobs: JobStore, background: Callable[[Callable[[], None]], object] | None = None
    ) -> None:
        """``background(work)`` runs file removal elsewhere (the window: a worker thread, so
        deleting a session of thousands of results does not hold it up); by default, at once."""
        self.jobs = jobs
        self._background = background or (lambda work: work())

    # -- sessions -------------------------------------------------------------------

    def create(self, name: str | None = None) -> Session:
        now = time.time()
        name = (name or "").strip() or self._next_name()
        session = Session(uuid.uuid4().hex, name, now, now)
        with self.jobs.transaction() as db:
            db.execute(
                "INSERT INTO sessions (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
                (session.id, session.name, now, now),
            )
        return session

    def _next_name(self) -> str:
        taken = {name for (name,) in self.jobs.query("SELECT name FROM sessions")}
        number = 1
        while f"Session {number}" in taken:
            number += 1
        return f"Session {number}"

    def rename(self, session_id: str, name: str) -> None:
        name = name.strip()
        if not name:
            raise ValueError("A session needs a name.")
        with self.jobs.transaction() as db:
            db.execute("UPDATE sessions SET name = ? WHERE id = ?", (name, session_id))

    def touch(self, session_id: str) -> None:
        with self.jobs.transaction() as db:
            db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (time.time(), session_id))

    def get(self, session_id: str | None) -> Session | None:
        if not session_id:
            return None
        found = self._listed("WHERE s.id = ?", (session_id,))
        return found[0] if found else None

    def name(self, session_id: str | None) -> str | None:
        """Just its name (:meth:`get` also counts its runs and images: a session's every job)."""
        found = self.jobs.query("SELECT name FROM sessions WHERE id = ?", (session_id,))
        return str(found[0][0]) if found else None

    def all(self) -> list[Session]:
        """Every session, the most recently used first."""
        return self._listed("", ())

    def search(self, text: str) -> list[Session]:
        """Sessions in which every word of ``text`` is in the name or a run's prompt
        (case-insensitive; % and _ are plain characters)."""
        words = text.split()
        if not words:
            return self.all()
        patterns = tuple(
            "%" + w.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            for w in words
        )
        each = (
            "(s.name LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM jobs m WHERE m.session_id = s.id"
            " AND json_extract(m.inputs_json, '$.prompt') LIKE ? ESCAPE '\\'))"
        )
        return self._listed(
            "WHERE " + " AND ".join([each] * len(words)),
            tuple(p for pattern in patterns for p in (pattern, pattern)),
        )

    def _listed(self, where: str, params: tuple[Any, ...]) -> list[Session]:
        rows = self.jobs.query(
            "SELECT s.id, s.name, s.created_at, s.updated_at, COUNT(j.id),"
            " COALESCE(SUM(CASE WHEN j.state = 'completed' THEN json_array_length(j.files_json)"
            " ELSE 0 END), 0)"
            f" FROM sessions s LEFT JOIN jobs j ON j.session_id = s.id {where}"
            " GROUP BY s.id ORDER BY s.updated_at DESC",
            params,
        )
        return [Session(*row) for row in rows]

    def runs(self, session_id: str) -> list[JobRecord]:
        """The session's runs, oldest first."""
        return self.jobs.where("session_id = ?", (session_id,))

    def newest_runs(self, session_id: str, count: int) -> list[JobRecord]:
        """The session's ``count`` newest runs, oldest first (a big session's first page)."""
        newest = self.jobs.where(
            "session_id = ?", (session_id,), order="created_at DESC", limit=count
        )
        return newest[::-1]

    def runs_until(self, session_id: str, created_at: float) -> list[JobRecord]:
        """The session's runs made at or before ``created_at``, oldest first (the rest of a
        big session after its first page; the page's oldest runs come again)."""
        return self.jobs.where("session_id = ? AND created_at <= ?", (session_id, created_at))

    def group(self, group_id: str) -> list[JobRecord]:
        return self.jobs.where("group_id = ?", (group_id,))

    def deletable_runs(self, session_id: str) -> list[JobRecord]:
        """The runs a delete would remove; :class:`SessionBusy` if any is still going."""
        runs = self.runs(session_id)
        going = sum(1 for job in runs if not job.state.finished)
        if going:
            raise SessionBusy(
                f"{going} run{'s are' if going != 1 else ' is'} still going in this session; "
                "wait for them to finish (or cancel them), then delete it."
            )
        return runs

    def delete(self, session_id: str) -> list[JobRecord]:
        """Delete a session with its runs and their files. Refused (:class:`SessionBusy`) while
        any of its runs is still going: that result is being paid for and must land somewhere."""
        runs = self.deletable_runs(session_id)
        with self.jobs.transaction() as db:
            db.executemany("DELETE FROM jobs WHERE id = ?", [(job.id,) for job in runs])
            db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
        self._remove_files(runs)
        return runs

    def delete_run(self, job_id: str) -> JobRecord | None:
        """Delete one finished run and its files (a result the user no longer wants)."""
        job = self.jobs.get(job_id)
        if job is None or not job.state.finished:
            return None
        self.jobs.delete(job_id)
        self._remove_files([job])
        return job

    def _remove_files(self, runs: list[JobRecord]) -> None:
        """The deleted runs' files, and the app's own files they took as inputs (an upscale of
        a result deleted before), except what a remaining run still has or takes as its input
        (an upscale of this result keeps its before image)."""
        inputs = [path for job in runs for path in own_inputs(job)]
        keep = self.files_in_use([name for job in runs for name in job.files] + inputs)
        orphans = [path for path in dict.fromkeys(inputs) if path not in keep]

        def remove() -> None:
            for job in runs:
                remove_files(job, keep)
            for path in orphans:
                _unlink_with_folder(Path(path))

        self._background(remove)

    def files_in_use(self, paths: list[str]) -> set[str]:
        """Which of these files some stored run has as a result or among its inputs (one pass
        over the table, whatever the number of paths)."""
        wanted = set(paths)
        if not wanted:
            return set()
        used = {
            value
            for (value,) in self.jobs.query(
                "SELECT j.value FROM jobs, json_tree(jobs.inputs_json) AS j WHERE j.type = 'text' "
                "AND json_valid(jobs.inputs_json)"
            )
        }
        used |= {
            value
            for (value,) in self.jobs.query(
                "SELECT j.value FROM jobs, json_each(jobs.files_json) AS j WHERE json_valid(jobs.files_json)"
            )
        }
        return wanted & used

    def latest_or_new(self, session_id: str | None) -> Session:
        """The session to continue at start-up: the given one if it exists, else the most
        recent, else a new one."""
        return self.get(session_id) or next(iter(self.all()), None) or self.create()

    # -- prompt history ---------------------------------------------------------------

    def remember_prompt(self, text: str) -> None:
        text = text.strip()
        if not text:
            return
        with self.jobs.transaction() as db:
            db.execute(
                "INSERT INTO prompts (text, last_used) VALUES (?, ?) ON CONFLICT(text) DO "
                "UPDATE SET last_used = excluded.last_used, uses = uses + 1",
                (text, time.time()),
            )
            db.execute(
                "DELETE FROM prompts WHERE text NOT IN (SELECT text FROM prompts "
                "ORDER BY last_used DESC LIMIT ?)",
                (PROMPT_HISTORY,),
            )

    def prompts(self, limit: int = PROMPT_HISTORY) -> list[str]:
        """Earlier prompts, the most recent first."""
        return [
            text
            for (text,) in self.jobs.query(
                "SELECT text FROM prompts ORDER BY last_used DESC LIMIT ?", (limit,)
            )
        ]


def own_inputs(job: JobRecord) -> list[str]:
    """The job's inputs that are files in the app's outputs folder (the results it was made
    from), found beside its own results: outputs/<job>/<file>."""
    if not job.files:
        return []
    root = str(Path(job.files[0]).parent.parent) + os.sep
    found: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value.startswith(root):
            found.append(value)

    walk(job.inputs)
    return found


def _unlink_with_folder(path: Path) -> None:
    path.unlink(missing_ok=True)
    try:
        path.parent.rmdir()
    except OSError:
        pass


def remove_files(job: JobRecord, keep: Set[str] = frozenset()) -> None:
    """Remove a deleted job's downloaded files but ``keep`` (and their folder once empty)."""
    folders = set()
    for name in job.files:
        path = Path(name)
        folders.add(path.parent)
        if name not in keep:
            path.unlink(missing_ok=True)
    for folder in folders:
        shutil.rmtree(folder / "input", ignore_errors=True)
        try:
            folder.rmdir()
        except OSError:
            pass


def completed(jobs: list[JobRecord]) -> list[JobRecord]:
    return [job for job in jobs if job.state is JobState.COMPLETED and job.files]
