"""The job runner's money rules over real sockets to the emulator (no Qt): a refused key never
ends a job fal accepted, a gone request ends expired, a failed download stops as not fetched
and the same job fetches again; nothing is ever submitted twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from fal_desktop.api import ErrorKind, FalClient, RetryPolicy
from fal_desktop.core.jobstore import JobRecord, JobState, JobStore
from fal_desktop.jobs.following import EXPIRED_SENTENCE
from fal_desktop.jobs.job_context import JobContext, KeyGate
from fal_desktop.jobs.runner import run_job
from fal_desktop.jobs.scheduler import JobScheduler
from tests.integration.conftest import KEY

MODEL = "fal-ai/flux/schnell"


@pytest.fixture
def setup(emulator, tmp_path):
    key = [KEY]
    updates = []
    store = JobStore(tmp_path / "jobs.sqlite3")

    def ctx(client):
        return JobContext(
            client, store, tmp_path / "out", updates.append, keys=KeyGate(lambda: bool(key[0]))
        )

    def client():
        return FalClient(
            lambda: key[0], emulator.hosts, retry=RetryPolicy(max_attempts=2, base_delay=0.01)
        )

    yield key, updates, store, ctx, client
    store.close()


async def until(condition, seconds=20.0):
    for _ in range(int(seconds / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("timed out")


def run_one(setup, prompt: str) -> JobRecord:
    """Record a job with ``prompt``, run it to its end at the emulator, and return it as
    stored."""
    _key, _updates, store, make_ctx, make_client = setup

    async def scenario():
        async with make_client() as client:
            job = JobRecord(MODEL, {"prompt": prompt})
            store.save(job)
            await run_job(make_ctx(client), job)
            return store.get(job.id)

    return asyncio.run(scenario())


def test_a_refused_key_after_fal_accepted_the_job_is_a_wait_then_it_goes_on(setup, emulator):
    key, updates, store, make_ctx, make_client = setup
    emulator.job_duration = 1.0
    before = sum(emulator.submissions.values())

    async def scenario():
        async with make_client() as client:
            ctx = make_ctx(client)
            scheduler = JobScheduler(ctx)
            job = JobRecord(MODEL, {"prompt": "key goes wrong"})
            store.save(job)
            scheduler.start(job)
            await until(lambda: store.get(job.id).request_id is not None)
            key[0] = "wrong:key"  # the key was replaced by one fal refuses
            await until(
                lambda: any(u.auth_failed and u.extra.get("waiting") == "key" for u in updates)
            )
            assert not store.get(job.id).state.finished  # fal has it: never a failure
            key[0] = KEY
            ctx.keys.changed()
            await until(lambda: store.get(job.id).state.finished)
            return store.get(job.id)

    done = asyncio.run(scenario())
    assert done.state is JobState.COMPLETED and done.files
    assert sum(emulator.submissions.values()) == before + 1


def test_a_request_fal_forgot_ends_expired_and_a_failed_download_is_fetched_again(setup, emulator):
    key, updates, store, make_ctx, make_client = setup
    before = sum(emulator.submissions.values())

    async def scenario():
        async with make_client() as client:
            ctx = make_ctx(client)
            emulator.fail_downloads(50, status=404)
            fetched = JobRecord(MODEL, {"prompt": "download fails"})
            store.save(fetched)
            await run_job(ctx, fetched)
            stopped = store.get(fetched.id)
            assert stopped.state is JobState.NOT_FETCHED and stopped.output and stopped.request_id
            emulator.fail_downloads(0)
            emulator.retention_scale = 0.0  # fal forgot it: the stored output is fetched anyway
            stopped.state = JobState.DOWNLOADING  # as Retry leaves it
            await run_job(ctx, stopped)
            emulator.retention_scale = 1.0

            gone = JobRecord(
                MODEL,
                {"prompt": "forgotten"},
                request_id="00000000-0000-0000-0000-000000000000",
                state=JobState.QUEUED,
            )
            store.save(gone)
            await run_job(ctx, gone)
            return store.get(fetched.id), store.get(gone.id)

    fetched, gone = asyncio.run(scenario())
    assert fetched.state is JobState.COMPLETED and fetched.files
    assert gone.state is JobState.EXPIRED and gone.error == EXPIRED_SENTENCE
    assert sum(emulator.submissions.values()) == before + 1


def test_a_job_fals_runner_failed_ends_failed_with_fals_reason_and_is_not_sent_again(
    setup, emulator
):
    """COMPLETED with error_type runner_disconnected (reference §10): the job failed at fal, not
    on our side; its stored 503 is read once, and the row says it was not the input."""
    key, updates, store, make_ctx, make_client = setup
    emulator.fail_runner("flaky", "runner_disconnected")
    before = sum(emulator.submissions.values())

    failed = run_one(setup, "a flaky runner")
    assert failed.state is JobState.FAILED and failed.error_kind is ErrorKind.SERVER
    assert "it was not your input" in failed.error
    assert "HTTP 503" in failed.error_detail and "runner_disconnected" in failed.error_detail
    gets = [
        r for r in emulator.requests if r.method == "GET" and r.path.endswith(failed.request_id)
    ]
    assert len(gets) == 1
    assert sum(emulator.submissions.values()) == before + 1


SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>\n'


def test_a_vector_result_is_kept_as_fal_sent_it_not_thrown_away_as_a_broken_image(setup, emulator):
    """recraft-v3's vector styles (billed double) answer an SVG, ``image/svg+xml``: an image no
    raster reader opens. The paid file is kept; only a file that claims a format the app reads
    and is broken (a text posing as a PNG) stops as not fetched."""
    key, updates, store, make_ctx, make_client = setup

    def vector(job, status, body):
        path, url = emulator.service.storage.new_file("drawing.svg")
        path.write_bytes(SVG)
        image = {**body["images"][0], "url": url, "content_type": "image/svg+xml"}
        image.pop("file_name", None)
        return status, {**body, "images": [image]}

    emulator.service.tamper = vector
    try:
        done = run_one(setup, "a vector fox")
    finally:
        emulator.service.tamper = None
    assert done.state is JobState.COMPLETED, done.error
    assert [Path(f).suffix for f in done.files] == [".svg"]
    assert Path(done.files[0]).read_bytes() == SVG


def test_a_job_fal_has_is_followed_through_a_spell_without_fal_not_dropped(setup, emulator):
    """The network goes while fal runs the job: the job is not left as "not fetched" (its result
    would expire unseen at fal, and a restart would not pick it up); it keeps trying, says so,
    and fetches the result once fal answers again. No log line is shown twice."""
    key, updates, store, make_ctx, make_client = setup
    emulator.job_duration = 1.0
    before = sum(emulator.submissions.values())

    async def scenario():
        async with make_client() as client:
            ctx = make_ctx(client)
            ctx.reconnect_delays = (0.05, 0.1)
            job = JobRecord(MODEL, {"prompt": "through the outage"})
            store.save(job)
            task = asyncio.create_task(run_job(ctx, job))
            await until(lambda: store.get(job.id).request_id is not None)
            emulator.set_faults({"reset": 1.0}, roles={"queue"})  # fal cannot be reached
            try:
                await until(lambda: any("trying again" in (u.message or "") for u in updates))
                assert not store.get(job.id).state.finished  # still followed
            finally:
                emulator.clear_faults()
            await asyncio.wait_for(task, 30)
            return store.get(job.id)

    done = asyncio.run(scenario())
    assert done.state is JobState.COMPLETED and done.files and Path(done.files[0]).is_file()
    assert sum(emulator.submissions.values()) == before + 1
    steps = [line.message for u in updates for line in u.new_logs if line.message == "Step 1/5"]
    assert steps == ["Step 1/5"]


def test_a_cancel_that_arrives_after_fal_finished_never_costs_the_fetched_result(setup, emulator):
    """Cancel pressed while the row still ran, read by the engine once the job had stopped as
    not fetched (its result in the store, the download failed): fal finished it, so there is
    nothing to cancel; following it again would find the request gone at fal and end it as
    expired, though its files are still there to fetch. It stays not fetched; Retry fetches."""
    key, updates, store, make_ctx, make_client = setup
    emulator.fail_downloads(50, status=404)

    async def scenario():
        async with make_client() as client:
            ctx = make_ctx(client)
            scheduler = JobScheduler(ctx)
            job = JobRecord(MODEL, {"prompt": "cancelled too late"})
            store.save(job)
            scheduler.start(job)
            await until(lambda: store.get(job.id).state is JobState.NOT_FETCHED)
            emulator.fail_downloads(0)
            emulator.retention_scale = 0.0  # fal has forgotten the request by now
            try:
                scheduler.cancel(job.id, store.get(job.id))
                await asyncio.gather(*scheduler._tasks.values())
                after_cancel = store.get(job.id)
                store.update(job.id, state=JobState.DOWNLOADING)  # the user's Retry
                scheduler.start(store.get(job.id))
                await until(lambda: store.get(job.id).state.final)
            finally:
                emulator.retention_scale = 1.0
            return after_cancel, store.get(job.id)

    after_cancel, done = asyncio.run(scenario())
    assert after_cancel.state is JobState.NOT_FETCHED
    assert done.state is JobState.COMPLETED and done.files and Path(done.files[0]).is_file()


def test_a_job_fal_stays_out_of_reach_for_stops_as_not_fetched_and_retry_follows_it(
    setup, emulator
):
    """The trying has an end: past fal's retention without a word from fal, the job stops as
    not fetched (said so), and Retry follows it again by its request id, never resends it."""
    key, updates, store, make_ctx, make_client = setup
    emulator.job_duration = 1.0
    before = sum(emulator.submissions.values())

    async def scenario():
        async with make_client() as client:
            ctx = make_ctx(client)
            ctx.reconnect_delays, ctx.reconnect_give_up = (0.05,), 0.5
            job = JobRecord(MODEL, {"prompt": "gone for long"})
            store.save(job)
            task = asyncio.create_task(run_job(ctx, job))
            await until(lambda: store.get(job.id).request_id is not None)
            emulator.set_faults({"reset": 1.0}, roles={"queue"})
            try:
                await asyncio.wait_for(task, 30)
            finally:
                emulator.clear_faults()
            stopped = store.get(job.id)
            stopped.state = JobState.QUEUED  # as Retry leaves it
            await run_job(ctx, stopped)
            return stopped, store.get(job.id)

    stopped, done = asyncio.run(scenario())
    assert stopped.error_kind is ErrorKind.NETWORK and "not fetched yet" in stopped.error
    assert done.state is JobState.COMPLETED and done.files
    assert sum(emulator.submissions.values()) == before + 1


def test_the_writes_around_a_submit_are_written_through_to_disk(setup, emulator):
    """ "About to be sent" (undone, a restart would send the job again) and fal's request id
    (undone, the paid job could not be followed) are the writes a power cut must not undo:
    they are made with synchronous=FULL (the others keep WAL's NORMAL)."""
    key, updates, store, make_ctx, make_client = setup
    statements: list[str] = []
    store._db.set_trace_callback(statements.append)

    try:
        done = run_one(setup, "kept through a power cut")
    finally:
        store._db.set_trace_callback(None)
    assert done.state is JobState.COMPLETED
    sending = [i for i, sql in enumerate(statements) if "state = 'submitting'" in sql]
    answered = [i for i, sql in enumerate(statements) if f"request_id = '{done.request_id}'" in sql]
    assert len(sending) == len(answered) == 1
    for at in sending + answered:
        assert statements[at - 2 : at] == ["PRAGMA synchronous=FULL", "BEGIN IMMEDIATE"]
        assert statements[at + 1 : at + 3] == ["COMMIT", "PRAGMA synchronous=NORMAL"]
    assert statements.count("PRAGMA synchronous=FULL") == 2


def test_a_submit_answered_2xx_but_unreadable_may_be_at_fal_and_never_says_fal_lacks_it(
    setup, emulator
):
    """A 2xx to a submit that cannot be read (mangled on its way back): fal may well have
    queued (and bill) the job, so the job says it may have reached fal, as after a lost answer;
    never "fal never had it", whose Retry would send (and charge) it twice."""
    key, updates, store, make_ctx, make_client = setup
    emulator.set_faults({"200-garbled": 1.0}, roles={"queue"})
    before = sum(emulator.submissions.values())

    try:
        failed = run_one(setup, "answer mangled")
    finally:
        emulator.clear_faults()
    assert failed.state is JobState.FAILED and failed.error_kind is ErrorKind.MAYBE_SENT
    assert "not sent again" in failed.error and failed.request_id is None
    assert sum(emulator.submissions.values()) == before + 1


def test_a_bug_while_following_a_job_fal_has_leaves_it_for_retry_not_failed(
    setup, emulator, monkeypatch
):
    """Something unexpected inside the app while it follows a paid job: the job is not ended
    as failed (final: its result would be lost), it stops as not fetched and Retry follows it."""
    from fal_desktop.jobs import following

    key, updates, store, make_ctx, make_client = setup
    real = following.progress_from_logs
    broken = [True]

    def progress_once_broken(logs):
        if broken[0]:
            broken[0] = False
            raise RuntimeError("a bug in the app")
        return real(logs)

    monkeypatch.setattr(following, "progress_from_logs", progress_once_broken)

    async def scenario():
        async with make_client() as client:
            ctx = make_ctx(client)
            job = JobRecord(MODEL, {"prompt": "hits a bug"})
            store.save(job)
            await run_job(ctx, job)
            stopped = store.get(job.id)
            again = store.get(job.id)
            again.state = JobState.QUEUED  # as Retry leaves it
            await run_job(ctx, again)
            return stopped, store.get(job.id)

    stopped, done = asyncio.run(scenario())
    assert stopped.state is JobState.NOT_FETCHED and stopped.error_kind is ErrorKind.INTERNAL
    assert stopped.request_id and "Retry fetches it" in stopped.error
    assert done.state is JobState.COMPLETED and done.files


def test_a_cancel_that_could_not_reach_fal_is_sent_again_once_fal_answers(setup, emulator):
    """Cancel pressed while fal is out of reach: the cancel cannot get through, and the job is
    still followed; once fal answers again the cancel is sent, and the job ends cancelled at
    fal instead of running (and billing) on unseen."""
    key, updates, store, make_ctx, make_client = setup
    emulator.job_duration = 4.0

    async def scenario():
        async with make_client() as client:
            ctx = make_ctx(client)
            ctx.reconnect_delays = (0.2,)
            scheduler = JobScheduler(ctx)
            job = JobRecord(MODEL, {"prompt": "cancel in the outage"})
            store.save(job)
            scheduler.start(job)
            await until(lambda: store.get(job.id).state is JobState.RUNNING)
            emulator.set_faults({"reset": 1.0}, roles={"queue"})
            try:
                await until(lambda: any("out of reach" in (u.message or "") for u in updates))
                scheduler.cancel(job.id, store.get(job.id))
                await until(
                    lambda: any(
                        "did not reach fal" in line.message for u in updates for line in u.new_logs
                    )
                )
            finally:
                emulator.clear_faults()
            await until(lambda: store.get(job.id).state.finished)
            return store.get(job.id)

    done = asyncio.run(scenario())
    assert done.state is JobState.CANCELLED
