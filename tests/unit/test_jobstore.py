"""The SQLite job store: round trips, migrations, unfinished jobs after a crash."""

from __future__ import annotations

import sqlite3

import pytest

from fal_desktop.core import job_table
from fal_desktop.core.jobstore import JobRecord, JobState, JobStore


@pytest.fixture
def store(tmp_path):
    s = JobStore(tmp_path / "jobs.sqlite3")
    yield s
    s.close()


def test_round_trip_keeps_every_field(store):
    job = JobRecord("fal-ai/flux/dev", {"prompt": "a red fox", "seed": 7}, label="a red fox")
    store.save(job)
    store.update(
        job.id,
        state=JobState.QUEUED,
        request_id="req-1",
        payload={"prompt": "a red fox"},
        submitted_at=123.0,
    )
    store.update(
        job.id,
        state=JobState.COMPLETED,
        output={"images": []},
        files=["/x/a.png"],
        finished_at=130.0,
    )
    got = store.get(job.id)
    assert got.state is JobState.COMPLETED and got.request_id == "req-1"
    assert got.inputs == {"prompt": "a red fox", "seed": 7}
    assert got.payload == {"prompt": "a red fox"} and got.output == {"images": []}
    assert got.files == ["/x/a.png"] and got.finished_at == 130.0 and got.label == "a red fox"


def test_unfinished_survives_reopening(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    first = JobStore(path)
    running = JobRecord("fal-ai/esrgan", {"image_url": "x"})
    done = JobRecord("fal-ai/esrgan", {"image_url": "y"})
    first.save(running)
    first.save(done)
    first.update(running.id, state=JobState.RUNNING, request_id="r")
    first.update(done.id, state=JobState.COMPLETED)
    first.close()  # as if the app had died here
    second = JobStore(path)
    try:
        assert [j.id for j in second.unfinished()] == [running.id]
        assert second.unfinished()[0].state.in_flight_at_fal
        assert second.schema_version == len(job_table.MIGRATIONS)
    finally:
        second.close()


def test_newer_schema_is_refused_with_a_sentence(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(RuntimeError, match="newer fal-desktop"):
        JobStore(path)


def test_unknown_field_is_rejected(store):
    job = JobRecord("fal-ai/esrgan", {})
    store.save(job)
    with pytest.raises(KeyError):
        store.update(job.id, nonsense=1)


def test_all_with_limit_returns_newest_in_order(store):
    jobs = [JobRecord("e/a", {}, created_at=float(i)) for i in range(5)]
    for job in jobs:
        store.save(job)
    assert [j.id for j in store.all(limit=2)] == [jobs[3].id, jobs[4].id]
    assert len(store.all()) == 5
