"""The job store's money-safe states, and the migration that opens an older file with them."""

from __future__ import annotations

import sqlite3

from fal_desktop.core import job_table
from fal_desktop.core.jobstore import JobRecord, JobState, JobStore


def test_states_that_wait_for_the_user_are_not_resumed_and_never_overwritten_by_a_cancel(tmp_path):
    with_store = JobStore(tmp_path / "jobs.sqlite3")
    jobs = {
        state: JobRecord("fal-ai/flux/schnell", {"prompt": state.value}, state=state)
        for state in JobState
    }
    with_store.save_many(list(jobs.values()))
    unfinished = {job.state for job in with_store.unfinished()}
    assert unfinished == {
        JobState.PENDING,
        JobState.SUBMITTING,
        JobState.QUEUED,
        JobState.RUNNING,
        JobState.DOWNLOADING,
    }
    assert {s for s in JobState if s.resumable} == {JobState.NOT_FETCHED, JobState.HELD}
    assert {s for s in JobState if s.final} == {
        JobState.COMPLETED,
        JobState.FAILED,
        JobState.CANCELLED,
        JobState.EXPIRED,
    }
    for state, job in jobs.items():  # a cancel lands on anything that has not ended
        changed = with_store.finish_unless_finished(job.id, JobState.CANCELLED, 1.0)
        assert changed is (not state.final)
    with_store.close()


def test_an_older_file_opens_and_its_paid_failures_can_be_fetched_again(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    db = sqlite3.connect(path)
    for script in job_table.MIGRATIONS[:2]:
        db.executescript(script)
    db.execute("PRAGMA user_version = 2")
    rows = [  # id, state, request_id, output_json, error
        ("download", "failed", "r1", '{"images": []}', "The result could not be downloaded."),
        ("key", "failed", "r2", None, "fal did not accept the API key."),
        ("at-fal", "failed", "r3", None, "The job failed on fal's side."),
        ("never-sent", "failed", None, None, "fal did not accept the API key."),
        ("done", "completed", "r4", '{"images": []}', None),
    ]
    db.executemany(
        "INSERT INTO jobs (id, endpoint_id, state, request_id, inputs_json, output_json, error, "
        "created_at) VALUES (?, 'fal-ai/flux/schnell', ?, ?, '{}', ?, ?, 0)",
        rows,
    )
    db.commit()
    db.close()
    store = JobStore(path)
    states = {job_id: store.get(job_id).state for job_id, *_ in rows}
    assert states == {
        "download": JobState.NOT_FETCHED,
        "key": JobState.QUEUED,
        "at-fal": JobState.FAILED,
        "never-sent": JobState.FAILED,
        "done": JobState.COMPLETED,
    }
    assert [job.id for job in store.unfinished()] == ["key"]  # followed again by its request id
    assert store.schema_version == len(job_table.MIGRATIONS)
    store.close()


def test_a_file_from_before_error_kinds_gets_them_from_what_it_recorded(tmp_path):
    """The 422 that once led the stored detail, and held or expired states, become kinds."""
    from fal_desktop.api.error_kind import ErrorKind

    path = tmp_path / "jobs.sqlite3"
    db = sqlite3.connect(path)
    for script in job_table.MIGRATIONS[:3]:
        db.executescript(script)
    db.execute("PRAGMA user_version = 3")
    rows = [  # id, state, error_detail
        ("rejected", "failed", "HTTP 422 · [...]"),
        ("server", "failed", "HTTP 500 · HTTP 422 quoted by the server"),
        ("held", "held", "HTTP 403 · User is locked. Reason: Exhausted balance"),
        ("expired", "expired", "HTTP 404"),
        ("done", "completed", None),
    ]
    db.executemany(
        "INSERT INTO jobs (id, endpoint_id, state, inputs_json, error_detail, created_at) "
        "VALUES (?, 'fal-ai/flux/schnell', ?, '{}', ?, 0)",
        rows,
    )
    db.commit()
    db.close()
    store = JobStore(path)
    kinds = {job_id: store.get(job_id).error_kind for job_id, *_ in rows}
    assert kinds == {
        "rejected": ErrorKind.REJECTED_INPUT,
        "server": None,
        "held": ErrorKind.OUT_OF_CREDIT,
        "expired": ErrorKind.EXPIRED,
        "done": None,
    }
    store.update("server", error_kind=ErrorKind.SERVER)
    assert store.get("server").error_kind is ErrorKind.SERVER
    store.close()
