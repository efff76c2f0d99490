"""fal's real answers (tests/data/fal_answers) replayed into the client: what it makes of each."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import httpx
import pytest
from PIL import Image

from fal_desktop.api import AuthError, Completed, FalClient, FalHosts, Queued, RetryPolicy
from fal_desktop.core.jobstore import JobRecord, JobState, JobStore
from fal_desktop.core.saving import job_parameters, read_metadata, save_with_metadata
from fal_desktop.jobs.job_context import JobContext
from fal_desktop.jobs.outputs import find_output_files, safe_file_name
from fal_desktop.jobs.runner import run_job
from tests.fal_answers import load_answers, response_of
from tests.unit.api_fixtures import run

KEY = "kid:ksecret"
ANSWERS = load_answers()
FAST = RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.002)
#: Kinds whose outcome another part of the suite asserts (the out-of-credit answer's tests).
ASSERTED_ELSEWHERE = {"error_out_of_credit"}


def client_answering(handler) -> FalClient:
    """A client for fal's real hosts whose every request goes to ``handler`` (never the network)."""
    return FalClient(
        KEY,
        FalHosts(),
        http=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        retry=FAST,
        poll_interval=0.001,
    )


def jpeg_bytes(size=(8, 6)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="JPEG")
    return buffer.getvalue()


def _status(answer):
    async def go():
        async with client_answering(lambda request: response_of(answer)) as client:
            return await client.status(client.handle_for("fal-ai/hunyuan3d-v3", "r"), logs=False)

    return run(go())


def outcome_status_in_queue(answer):
    status = _status(answer)
    assert status == Queued(answer["response"]["body"]["queue_position"])


def outcome_status_completed(answer):
    status = _status(answer)
    assert isinstance(status, Completed) and status.error is None and status.logs == ()
    assert status.metrics == answer["response"]["body"]["metrics"]


def outcome_run_result(answer):
    endpoint = answer["request"]["url"].removeprefix("https://fal.run/")

    async def go():
        async with client_answering(lambda request: response_of(answer)) as client:
            return await client.run(endpoint, {"prompt": "x"})

    output = run(go())
    assert output == answer["response"]["body"]
    expected = answer["response"]["body"].get("seed")
    assert output.get("seed") == expected and type(output.get("seed")) is type(
        expected
    )  # exact, however big
    files = find_output_files(output)
    assert [f.url for f in files] == [image["url"] for image in output["images"]]
    for index, file in enumerate(files):
        assert safe_file_name(file, index).endswith(Path(file.url).suffix)


def outcome_error_bad_key(answer):
    async def go():
        async with client_answering(lambda request: response_of(answer)) as client:
            await client.submit("fal-ai/flux/schnell", {"prompt": "x"})

    with pytest.raises(AuthError) as info:
        run(go())
    assert info.value.status_code == 401 and "key" in info.value.user_message.lower()
    assert info.value.detail == answer["response"]["body"]["detail"]


OUTCOMES = {
    name.removeprefix("outcome_"): fn
    for name, fn in globals().items()
    if name.startswith("outcome_")
}


@pytest.mark.parametrize("answer", ANSWERS, ids=[a["file"] for a in ANSWERS])
def test_each_real_answer_gives_the_right_outcome(answer):
    assert answer["obtained"] in ("recorded", "pasted") and answer["source"]
    if answer["kind"] in ASSERTED_ELSEWHERE and answer["kind"] not in OUTCOMES:
        pytest.skip(f"{answer['kind']}: asserted by its own tests")
    assert answer["kind"] in OUTCOMES, f"no outcome is asserted for {answer['kind']!r}"
    OUTCOMES[answer["kind"]](answer)


def _by_kind(kind, **where):
    return next(
        a
        for a in ANSWERS
        if a["kind"] == kind and all(a.get(k, True) == v for k, v in where.items())
    )


def _run_through_runner(tmp_path, output, cdn):
    """A whole job against fal's real queue answers: submit, status, result, then the files."""
    queued = _by_kind("status_in_queue")["response"]["body"]
    completed = _by_kind("status_completed")["response"]["body"]
    seen = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        if request.url.host == "queue.fal.run":
            if request.method == "POST":
                return httpx.Response(200, json=queued)
            if request.url.path.endswith("/status/stream"):
                return httpx.Response(405, json={"detail": "Method Not Allowed"})
            if request.url.path.endswith("/status"):
                return httpx.Response(200, json=completed)
            return httpx.Response(200, json=output)
        return cdn(request)

    store = JobStore(tmp_path / "jobs.sqlite3")
    updates = []
    job = JobRecord("fal-ai/flux/schnell", {"prompt": "a red square"})
    store.save(job)
    ctx = JobContext(client_answering(handler), store, tmp_path / "out", updates.append)

    async def go():
        async with ctx.client:
            await run_job(ctx, job)

    run(go())
    stored = store.get(job.id)
    store.close()
    return stored, updates, seen


def test_a_png_url_carrying_jpeg_bytes_is_saved_as_jpeg_with_its_metadata(tmp_path):
    output = json.loads(json.dumps(_by_kind("run_result", compare_shape=True)["response"]["body"]))
    data = jpeg_bytes()
    stored, _, _ = _run_through_runner(
        tmp_path,
        output,
        lambda request: httpx.Response(200, content=data, headers={"content-type": "image/jpeg"}),
    )
    assert stored.state is JobState.COMPLETED, stored.error_detail
    saved = Path(stored.files[0])
    assert output["images"][0]["url"].endswith(".png") and saved.suffix == ".jpg"
    assert saved.read_bytes() == data
    with Image.open(saved) as image:
        assert image.format == "JPEG"
    kept = save_with_metadata(
        saved, tmp_path / "export" / f"made.{saved.suffix.lstrip('.')}", job_parameters(stored)
    )
    assert kept.suffix == ".jpg" and read_metadata(kept)["seed"] == output["seed"]


def test_an_inline_data_uri_result_is_decoded_and_never_downloaded(tmp_path):
    output = json.loads(json.dumps(_by_kind("run_result", compare_shape=True)["response"]["body"]))
    data = jpeg_bytes((5, 4))
    output["images"][0]["url"] = "data:image/png;base64," + base64.b64encode(data).decode()

    def cdn(request):
        raise AssertionError(f"an inline result was fetched from {request.url}")

    stored, updates, seen = _run_through_runner(tmp_path, output, cdn)
    assert stored.state is JobState.COMPLETED, stored.error_detail
    saved = Path(stored.files[0])
    assert saved.read_bytes() == data and saved.suffix == ".jpg"
    assert all(url.host == "queue.fal.run" for url in seen)
    messages = [u.message for u in updates if u.message]
    assert any(m.startswith("Decoding inline result") for m in messages)
    assert not any(m.startswith("Downloading") for m in messages)
