"""Sessions, prompt history and export: the Qt-free store over the job database."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest
from PIL import Image

from fal_desktop.core.export import export_session
from fal_desktop.core.jobstore import JobRecord, JobState, JobStore
from fal_desktop.core.saving import read_metadata
from fal_desktop.core.sessions import SessionBusy, SessionStore, short_time


@pytest.fixture
def stores(tmp_path):
    jobs = JobStore(tmp_path / "jobs.sqlite3")
    yield jobs, SessionStore(jobs)
    jobs.close()


def _run(jobs, session_id, prompt, tmp_path, *, state=JobState.COMPLETED, seed=7, group=None):
    job = JobRecord(
        "fal-ai/flux/schnell",
        {"prompt": prompt},
        session_id=session_id,
        group_id=group,
        request_id=f"req-{prompt[:5]}",
    )
    folder = tmp_path / "outputs" / job.id
    folder.mkdir(parents=True)
    image = folder / "00_out.png"
    Image.new("RGB", (8, 8), "red").save(image)
    job.state, job.files, job.output = state, [str(image)], {"seed": seed, "images": []}
    job.finished_at = job.created_at + 2.5 if state.finished else None
    jobs.save(job)
    return job


def test_create_rename_list_most_recent_first(stores, tmp_path):
    jobs, sessions = stores
    first = sessions.create()
    second = sessions.create()
    assert (first.name, second.name) == ("Session 1", "Session 2")
    sessions.rename(first.id, "  Lighthouses ")
    sessions.touch(first.id)
    _run(jobs, first.id, "a lighthouse", tmp_path)
    listed = sessions.all()
    assert [s.name for s in listed] == ["Lighthouses", "Session 2"]
    assert (listed[0].runs, listed[0].results) == (1, 1) and listed[1].results == 0
    with pytest.raises(ValueError):
        sessions.rename(first.id, "   ")


def test_search_by_prompt_text_or_name(stores, tmp_path):
    jobs, sessions = stores
    sea, forest = sessions.create("Sea"), sessions.create("Woods")
    _run(jobs, sea.id, "A Lighthouse at dusk", tmp_path)
    _run(jobs, forest.id, "pine trees 100% fog", tmp_path)
    assert [s.name for s in sessions.search("lighthouse")] == ["Sea"]
    assert [s.name for s in sessions.search("woo")] == ["Woods"]
    assert [s.name for s in sessions.search("100%")] == ["Woods"]  # % is literal, not a wildcard
    assert sessions.search("nothing like it") == []
    assert len(sessions.search("  ")) == 2


def test_delete_removes_runs_and_files_but_not_while_a_run_is_going(stores, tmp_path):
    jobs, sessions = stores
    session = sessions.create()
    done = _run(jobs, session.id, "done", tmp_path)
    running = _run(jobs, session.id, "still running", tmp_path, state=JobState.RUNNING)
    with pytest.raises(SessionBusy, match="1 run is still going"):
        sessions.delete(session.id)
    assert jobs.get(done.id) is not None and sessions.get(session.id) is not None  # nothing lost
    jobs.update(running.id, state=JobState.COMPLETED)
    deleted = sessions.delete(session.id)
    assert {j.id for j in deleted} == {done.id, running.id}
    assert jobs.get(done.id) is None and not any(os.path.exists(p) for p in done.files)
    assert sessions.get(session.id) is None


def test_search_needs_every_word_somewhere_in_the_session(stores, tmp_path):
    jobs, sessions = stores
    sea = sessions.create("Sea")
    _run(jobs, sea.id, "a lighthouse at dusk", tmp_path)
    _run(jobs, sea.id, "fog over the bay", tmp_path)
    assert [s.name for s in sessions.search("lighthouse fog")] == ["Sea"]  # words from two runs
    assert [s.name for s in sessions.search("sea  BAY")] == ["Sea"]  # the name counts too
    assert sessions.search("lighthouse desert") == []


def test_times_are_written_the_same_on_every_platform():
    import time as clock

    moment = clock.mktime((2026, 12, 1, 9, 5, 0, 0, 0, -1))
    assert short_time(moment) == "1 Dec 09:05"


def test_delete_one_run(stores, tmp_path):
    jobs, sessions = stores
    session = sessions.create()
    job = _run(jobs, session.id, "x", tmp_path)
    assert sessions.delete_run(job.id).id == job.id
    assert sessions.runs(session.id) == [] and not (tmp_path / "outputs" / job.id).exists()


def test_prompt_history_most_recent_first_without_duplicates(stores):
    _, sessions = stores
    for text in ("a cat", "a dog", "a cat", "  ", "a bird"):
        sessions.remember_prompt(text)
    assert sessions.prompts() == ["a bird", "a cat", "a dog"]


def test_latest_or_new(stores):
    _, sessions = stores
    made = sessions.latest_or_new(None)
    assert sessions.all() == [made]
    assert sessions.latest_or_new("gone").id == made.id
    other = sessions.create()
    assert sessions.latest_or_new(made.id).id == made.id and other.id != made.id


def test_export_folder_names_are_safe_for_any_session_name(stores, tmp_path):
    jobs, sessions = stores
    for name, folder in (
        ("Ideas {v2", "Ideas {v2"),
        ("set {0}", "set {0}"),
        ("Boats: draft?", "Boats_ draft_"),
        ("x" * 300, "x" * 80),
    ):
        session = sessions.create(name)
        _run(jobs, session.id, "one", tmp_path)
        result = export_session(session, sessions.runs(session.id), tmp_path / "out")
        assert result.folder.name == folder and len(result.files) == 1


def test_export_writes_images_with_metadata_and_a_json(stores, tmp_path):
    jobs, sessions = stores
    session = sessions.create("Sea / trip")
    _run(jobs, session.id, "first", tmp_path, seed=11)
    _run(jobs, session.id, "second", tmp_path, seed=12)
    _run(jobs, session.id, "failed", tmp_path, state=JobState.FAILED)
    result = export_session(session, sessions.runs(session.id), tmp_path / "export")
    assert result.folder.name == "Sea - trip" and not result.problems
    assert sorted(p.name for p in result.folder.iterdir()) == [
        "001_schnell_11_0.png",
        "002_schnell_12_0.png",
        "session.json",
    ]
    document = json.loads((result.folder / "session.json").read_text())
    assert [r["input"]["prompt"] for r in document["runs"]] == ["first", "second"]
    assert (
        document["runs"][0]["seconds"] == 2.5 and document["runs"][0]["request_id"] == "req-first"
    )
    assert read_metadata(result.files[1])["seed"] == 12
    again = export_session(session, sessions.runs(session.id), tmp_path / "export")
    assert again.folder.name == "Sea - trip (2)"  # a second export never overwrites the first


def test_version_1_database_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path)
    from fal_desktop.core import job_table

    db.executescript(job_table.MIGRATIONS[0] + "; PRAGMA user_version = 1;")
    db.execute(
        "INSERT INTO jobs (id, endpoint_id, state, inputs_json, created_at) "
        "VALUES ('old', 'fal-ai/esrgan', 'completed', '{}', 1.0)"
    )
    db.execute(
        "INSERT INTO jobs (id, endpoint_id, state, inputs_json, created_at) "
        "VALUES ('text', 'fal-ai/flux/dev', 'completed', '{\"prompt\": \" a fox \"}', 2.0)"
    )
    db.execute(
        "INSERT INTO jobs (id, endpoint_id, state, inputs_json, created_at) "
        "VALUES ('bad', 'fal-ai/flux/dev', 'failed', 'not json', 3.0)"
    )
    db.commit()
    db.close()
    jobs = JobStore(path)
    try:
        assert jobs.schema_version == len(job_table.MIGRATIONS)
        assert jobs.get("old").group_id is None
        sessions = SessionStore(jobs)
        [earlier] = sessions.all()  # what was run before sessions existed is kept in one
        assert earlier.name == "Earlier results" and earlier.runs == 3
        assert {j.id for j in sessions.runs(earlier.id)} == {"old", "text", "bad"}
        assert sessions.prompts() == ["a fox"]
        assert sessions.create().name == "Session 1"
    finally:
        jobs.close()


def test_a_deleted_result_that_another_run_took_as_input_keeps_its_file(stores, tmp_path):
    jobs, sessions = stores
    first, second = sessions.create("First"), sessions.create("Second")
    made = _run(jobs, first.id, "a lighthouse", tmp_path)
    lone = _run(jobs, first.id, "fog_100%", tmp_path)  # % and _ are not wildcards here
    upscale = _run(jobs, second.id, "upscale", tmp_path)
    jobs.update(upscale.id, inputs={"image_url": made.files[0]})  # an upscale of that result
    assert sessions.files_in_use(made.files + lone.files + ["/nowhere.png"]) == set(
        made.files + lone.files
    )
    sessions.delete(first.id)
    assert os.path.isfile(made.files[0])  # the upscale's before image
    assert not os.path.exists(lone.files[0])
    sessions.delete(second.id)  # nothing uses it any more: it goes with the upscale
    assert jobs.get(made.id) is None and not os.path.exists(made.files[0])
    assert not os.path.exists(os.path.dirname(made.files[0]))  # nor its folder


def test_a_result_still_in_the_gallery_is_kept_when_its_upscale_is_deleted(stores, tmp_path):
    jobs, sessions = stores
    session = sessions.create()
    made = _run(jobs, session.id, "kept", tmp_path)
    upscale = _run(jobs, session.id, "upscaled", tmp_path)
    jobs.update(upscale.id, inputs={"image_url": made.files[0]})
    sessions.delete_run(upscale.id)
    assert os.path.isfile(made.files[0]) and not os.path.exists(upscale.files[0])


def test_file_removal_can_be_left_to_a_worker(tmp_path):
    jobs = JobStore(tmp_path / "jobs.sqlite3")
    later = []
    sessions = SessionStore(jobs, background=later.append)
    job = _run(jobs, sessions.create().id, "x", tmp_path)
    sessions.delete_run(job.id)
    assert jobs.get(job.id) is None and os.path.isfile(job.files[0])  # the row at once, files later
    later.pop()()
    assert not os.path.exists(job.files[0])
    jobs.close()
