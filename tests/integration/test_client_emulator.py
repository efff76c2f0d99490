"""The fal client against the local emulator, over real sockets."""

from __future__ import annotations

import asyncio
import builtins
import dataclasses
import os
from urllib.parse import parse_qs

import httpx
import pytest

from fal_desktop.api import (
    AuthError,
    Completed,
    FalClient,
    FalTimeoutError,
    FileReadError,
    InProgress,
    NetworkError,
    Queued,
    RequestFailed,
    RetryPolicy,
    ServerError,
    ValidationError,
    encode_data_uri,
)
from tests.integration.conftest import KEY

FAST = RetryPolicy(max_attempts=8, base_delay=0.01, max_delay=0.05)


def client_for(emu, key=KEY, **kw) -> FalClient:
    return FalClient(key, emu.hosts, retry=FAST, poll_interval=0.05, **kw)


def run(coro):
    return asyncio.run(coro)


def test_subscribe_text_to_image_with_logs_and_download(emulator):
    async def go():
        async with client_for(emulator) as client:
            handle = await client.submit(
                "fal-ai/flux/dev", {"prompt": "a lighthouse", "seed": 5, "image_size": "square"}
            )
            statuses = [s async for s in client.watch(handle)]
            output = await client.result(handle)
            data = await client.download(output["images"][0]["url"])
            return statuses, output, data

    statuses, output, data = run(go())
    assert isinstance(statuses[-1], Completed) and statuses[-1].error is None
    logs = [line.message for s in statuses for line in s.new_logs]
    assert logs[:5] == [f"Step {i}/5" for i in range(1, 6)]
    assert len(logs) == len(set(logs))  # every line once
    assert output["seed"] == 5 and output["images"][0]["width"] == 512
    assert data[:8] == b"\x89PNG\r\n\x1a\n"


def test_polling_gives_the_same_logs(emulator):
    async def go():
        async with client_for(emulator) as client:
            handle = await client.submit("fal-ai/flux/schnell", {"prompt": "x"})
            return [s async for s in client.watch(handle, stream=False)]

    statuses = run(go())
    assert [line.message for s in statuses for line in s.new_logs][:5] == [
        f"Step {i}/5" for i in range(1, 6)
    ]


def test_queue_positions_are_real(emulator):
    emulator.job_duration = 0.6

    async def go():
        async with client_for(emulator) as client:
            handles = [
                await client.submit("fal-ai/flux/schnell", {"prompt": f"p{i}"}) for i in range(5)
            ]
            positions = [(await client.status(h)) for h in handles]
            for h in handles:
                await client.cancel(h)
            return positions

    statuses = run(go())
    queued = [s.position for s in statuses if isinstance(s, Queued)]
    assert len(queued) >= 2
    assert queued == list(range(len(queued)))  # 0-based, one per job ahead


def test_cancel_in_queue_and_in_progress(emulator):
    emulator.job_duration = 2.0

    async def go():
        async with client_for(emulator) as client:
            handles = [
                await client.submit("fal-ai/flux/schnell", {"prompt": f"c{i}"}) for i in range(3)
            ]
            while not isinstance(await client.status(handles[0]), InProgress):
                await asyncio.sleep(0.02)
            answers = [await client.cancel(h) for h in handles]
            finals = []
            for h in handles:
                finals.append([s async for s in client.watch(h)][-1])
            again = await client.cancel(handles[0])
            unknown = client.handle_for(
                "fal-ai/flux/schnell", "00000000-0000-0000-0000-0000000000aa"
            )
            return answers, finals, again, await client.cancel(unknown)

    answers, finals, again, unknown = run(go())
    assert answers == ["CANCELLATION_REQUESTED"] * 3
    assert all(isinstance(f, Completed) and f.error_type == "request_cancelled" for f in finals)
    assert again == "ALREADY_COMPLETED"
    assert unknown == "NOT_FOUND"  # fal's 404 {"status": "NOT_FOUND"} is an answer, not a failure


def test_wrong_key_is_an_auth_error(emulator):
    async def go():
        async with client_for(emulator, key="wrong:key") as client:
            await client.submit("fal-ai/flux/dev", {"prompt": "x"})

    with pytest.raises(AuthError) as info:
        run(go())
    assert info.value.status_code == 401


def test_invalid_input_gives_field_locations(emulator):
    async def go():
        async with client_for(emulator) as client:
            handle = await client.submit(
                "fal-ai/flux/dev",
                {"prompt": "x", "num_inference_steps": 500, "image_size": {"width": "big"}},
            )
            final = [s async for s in client.watch(handle)][-1]
            with pytest.raises(ValidationError) as info:
                await client.result(handle)
            return final, info.value

    final, error = run(go())
    assert final.error
    locs = {e.loc for e in error.field_errors}
    assert ("num_inference_steps",) in locs
    assert any(loc[0] == "image_size" for loc in locs)


@pytest.mark.parametrize("size", [0, 1024, 30 * 1024 * 1024])
def test_uploads_round_trip(emulator, tmp_path, size):
    data = os.urandom(size)
    path = tmp_path / "input.bin"
    path.write_bytes(data)

    async def go():
        async with client_for(emulator) as client:
            url = await client.upload_file(path)
            return url, await client.download(url)

    url, back = run(go())
    assert url.startswith(emulator.urls["cdn"]) and back == data


def test_multipart_upload_and_upscale(emulator, tmp_path):
    from PIL import Image

    picture = tmp_path / "small.png"
    Image.new("RGB", (300, 200), (10, 120, 200)).save(picture)
    noise = tmp_path / "noise.bin"
    noise.write_bytes(os.urandom(3 * 1024 * 1024 + 17))

    async def go():
        async with client_for(
            emulator, multipart_threshold=1024 * 1024, part_size=1024 * 1024
        ) as client:
            big_url = await client.upload_file(noise)
            image_url = await client.upload_file(picture)
            output = await client.subscribe("fal-ai/esrgan", {"image_url": image_url, "scale": 2})
            return await client.download(big_url), output

    back, output = run(go())
    assert back == noise.read_bytes()
    assert (output["image"]["width"], output["image"]["height"]) == (600, 400)
    assert any(r.path.endswith("/complete") and r.role == "cdn" for r in emulator.requests)


def test_injected_faults_are_recovered(emulator):
    emulator.set_faults(
        {429: 0.2, 502: 0.15, 503: 0.15, "slow": 0.1}, roles={"queue", "cdn"}, seed=3
    )

    async def go():
        async with client_for(emulator) as client:
            outputs = []
            for i in range(4):
                try:
                    outputs.append(
                        await client.subscribe("fal-ai/flux/schnell", {"prompt": f"f{i}"})
                    )
                except Exception as exc:  # a 503 on submit is fal's answer and not retried
                    outputs.append(exc)
            return outputs

    outputs = run(go())
    done = [o for o in outputs if isinstance(o, dict)]
    assert done, outputs
    assert all(o["images"][0]["url"] for o in done)


def test_reset_on_status_is_retried_but_not_on_submit(emulator):
    async def go():
        async with client_for(emulator) as client:
            handle = await client.submit("fal-ai/flux/schnell", {"prompt": "r"})
            emulator.set_faults({"reset": 0.5}, roles={"queue"}, seed=1)
            statuses = [s async for s in client.watch(handle, stream=False)]
            emulator.set_faults({"reset": 1.0}, roles={"queue"})
            before = emulator.submissions["fal-ai/flux/schnell"]
            with pytest.raises(NetworkError) as info:
                await client.submit("fal-ai/flux/schnell", {"prompt": "r2"})
            emulator.clear_faults()
            return statuses, info.value, before

    statuses, error, before = run(go())
    assert isinstance(statuses[-1], Completed)
    assert "not charged twice" in error.user_message
    assert emulator.submissions["fal-ai/flux/schnell"] == before


def test_run_and_stream(emulator):
    async def go():
        async with client_for(emulator) as client:
            direct = await client.run("fal-ai/flux/schnell", {"prompt": "d"})
            events = [e async for e in client.stream("fal-ai/flux/schnell", {"prompt": "s"})]
            return direct, events

    direct, events = run(go())
    assert direct["images"][0]["url"]
    assert events[0]["partial"] is True and events[-1]["partial"] is False and events[-1]["images"]


def test_the_key_never_reaches_cdn_or_schema_hosts(emulator, tmp_path):
    path = tmp_path / "a.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\nnot really")

    async def go():
        async with client_for(emulator) as client:
            url = await client.upload_file(path)
            out = await client.subscribe("fal-ai/flux/schnell", {"prompt": "k"})
            await client.download(url)
            await client.download(out["images"][0]["url"])

    run(go())
    cdn = [r for r in emulator.requests if r.role in ("cdn", "schemas")]
    assert cdn
    for request in cdn:
        assert KEY not in str(request.headers)
        assert not request.headers.get("Authorization", "").startswith("Key ")


# -- more of the protocol over real sockets ------------------------------------------------


def test_submit_options_reach_the_queue_and_a_rebuilt_handle_resumes_the_job(emulator):
    async def go():
        async with client_for(emulator) as client:
            handle = await client.submit(
                "fal-ai/flux/schnell",
                {"prompt": "resume me"},
                priority="low",
                hint="lora:a",
                start_timeout=30,
                webhook_url="http://127.0.0.1:9/hook",
            )
        # a new client, as after a restart, knowing only the endpoint and request ids
        async with client_for(emulator) as later:
            again = later.handle_for(handle.endpoint_id, handle.request_id)
            statuses = [s async for s in later.stream_status(again)]
            return handle, again, statuses, await later.result(again)

    handle, again, statuses, output = run(go())
    assert again == handle.__class__(
        handle.endpoint_id,
        handle.request_id,
        handle.status_url,
        handle.response_url,
        handle.cancel_url,
    )
    assert isinstance(statuses[-1], Completed) and output["images"][0]["url"]
    submit = [r for r in emulator.requests if r.role == "queue" and r.method == "POST"][-1]
    headers = {k.lower(): v for k, v in submit.headers.items()}
    assert (
        headers["x-fal-queue-priority"],
        headers["x-fal-runner-hint"],
        headers["x-fal-request-timeout"],
    ) == ("low", "lora:a", "30.0")
    assert parse_qs(submit.query)["fal_webhook"] == ["http://127.0.0.1:9/hook"]


def test_status_stream_survives_resets_without_losing_or_repeating_logs(emulator):
    emulator.job_duration = 0.6

    async def go():
        async with client_for(emulator) as client:
            handle = await client.submit("fal-ai/flux/dev", {"prompt": "flaky"})
            emulator.set_faults({"reset": 0.3, 503: 0.1}, roles={"queue"}, seed=11)
            try:
                return [s async for s in client.watch(handle)]
            finally:
                emulator.clear_faults()

    statuses = run(go())
    logs = [line.message for s in statuses for line in s.new_logs]
    steps = [m for m in logs if m.startswith("Step ")]
    assert steps == [f"Step {i}/5" for i in range(1, 6)]
    assert len(logs) == len(set(logs)) and isinstance(statuses[-1], Completed)


def test_submit_under_429_and_ingress_502_is_retried_and_never_doubled(emulator):
    emulator.set_faults({429: 0.3, 502: 0.3}, roles={"queue"}, seed=5)

    async def go():
        async with client_for(emulator) as client:
            return [
                await client.submit("fal-ai/flux/schnell", {"prompt": f"n{i}"}) for i in range(6)
            ]

    before = emulator.submissions["fal-ai/flux/schnell"]
    handles = run(go())
    emulator.clear_faults()
    assert len({h.request_id for h in handles}) == 6
    assert emulator.submissions["fal-ai/flux/schnell"] - before == 6  # exactly one each
    assert emulator.faults.injected[429] + emulator.faults.injected[502] > 0


def test_a_503_from_the_app_on_submit_is_not_retried(emulator):
    emulator.set_faults({503: 1.0}, roles={"queue"})

    async def go():
        async with client_for(emulator) as client:
            await client.submit("fal-ai/flux/schnell", {"prompt": "x"})

    count = len([r for r in emulator.requests if r.role == "queue" and r.method == "POST"])
    with pytest.raises(ServerError):
        run(go())
    emulator.clear_faults()
    assert (
        len([r for r in emulator.requests if r.role == "queue" and r.method == "POST"]) == count + 1
    )


def test_uploads_and_downloads_recover_from_cdn_faults(emulator, tmp_path):
    data = os.urandom(2 * 1024 * 1024 + 5)
    path = tmp_path / "faulty.bin"
    path.write_bytes(data)
    emulator.set_faults(
        {429: 0.15, 502: 0.1, 503: 0.1, "reset": 0.1}, roles={"cdn", "rest"}, seed=2
    )

    async def go():
        async with client_for(
            emulator, multipart_threshold=512 * 1024, part_size=256 * 1024
        ) as client:
            multipart = await client.upload_file(path)
            single = await client.upload_bytes(data[:1000], "application/octet-stream", "small.bin")
            return await client.download(multipart), await client.download(single)

    try:
        big, small = run(go())
    finally:
        emulator.clear_faults()
    assert big == data and small == data[:1000]
    assert sum(emulator.faults.injected.values()) > 0


def test_an_unreachable_cdn_is_the_error_shown_and_no_legacy_flow_is_tried(emulator, tmp_path):
    hosts = dataclasses.replace(emulator.hosts, cdn="http://127.0.0.1:9")  # nothing listens there
    path = tmp_path / "file.txt"
    path.write_bytes(b"some bytes")

    async def go():
        async with FalClient(KEY, hosts, retry=RetryPolicy(2, 0.01, 0.02)) as client:
            await client.upload_file(path)

    with pytest.raises(NetworkError):
        run(go())
    assert not [r for r in emulator.requests if r.path.startswith("/storage/upload/initiate")]


def test_the_legacy_upload_flow_answers_invalid_storage_type(emulator):
    response = httpx.post(
        f"{emulator.urls['rest']}/storage/upload/initiate?storage_type=gcs",
        json={"file_name": "a.png", "content_type": "image/png"},
        headers={"Authorization": f"Key {KEY}"},
    )
    assert response.status_code == 400 and response.json() == {"detail": "Invalid storage type"}


def test_a_read_error_mid_upload_is_a_plain_error_over_a_real_socket(
    emulator, tmp_path, monkeypatch
):
    from fal_desktop.api import uploads

    class FailingSecondRead:
        def __init__(self, real):
            self.real, self.reads = real, 0

        def read(self, n):
            self.reads += 1
            if self.reads == 2:
                raise OSError(5, "Input/output error")
            return self.real.read(n)

        def __getattr__(self, name):
            return getattr(self.real, name)

    path = tmp_path / "flaky.bin"
    path.write_bytes(os.urandom(3 * uploads.CHUNK + 5))
    before = len(emulator.requests)
    monkeypatch.setattr(
        uploads,
        "open",
        lambda p, mode: FailingSecondRead(builtins.open(p, mode)),  # noqa: SIM115 - it closes it
        raising=False,
    )

    async def go():
        async with client_for(emulator) as client:
            with pytest.raises(FileReadError, match="could not be read"):
                await client.upload_file(path)
            monkeypatch.undo()
            url = await client.upload_file(path)  # the same client carries on
            return await client.download(url)

    assert run(go()) == path.read_bytes()
    seen = [(r.role, r.path) for r in emulator.requests[before:]]
    assert ("cdn", "/files/upload") in seen and ("rest", "/storage/upload/initiate") not in seen


def test_data_uri_inputs_upload_bytes_and_download_to(emulator, tmp_path):
    from PIL import Image

    picture = tmp_path / "in.png"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(picture)

    async def go():
        async with client_for(emulator) as client:
            inline = await client.subscribe(
                "fal-ai/esrgan", {"image_url": encode_data_uri(picture), "scale": 2}
            )
            url = await client.upload_bytes(picture.read_bytes(), "image/png", "in.png")
            uploaded = await client.subscribe("fal-ai/esrgan", {"image_url": url, "scale": 2})
            target = await client.download_to(uploaded["image"]["url"], tmp_path / "out" / "up.png")
            return inline, target

    inline, target = run(go())
    assert (inline["image"]["width"], inline["image"]["height"]) == (128, 96)
    with Image.open(target) as result:
        assert result.size == (128, 96)


def test_a_wrong_key_is_refused_for_status_and_uploads_too(emulator, tmp_path):
    async def go():
        async with client_for(emulator) as good:
            handle = await good.submit("fal-ai/flux/schnell", {"prompt": "mine"})
        async with client_for(emulator, key=lambda: "wrong:key") as bad:
            with pytest.raises(AuthError):
                await bad.status(handle)
            with pytest.raises(AuthError):
                [s async for s in bad.watch(handle)]
            with pytest.raises(AuthError):
                await bad.upload_bytes(b"x")
            with pytest.raises(AuthError):
                await bad.run("fal-ai/flux/schnell", {"prompt": "x"})

    run(go())


def test_run_returns_422_field_locations_directly(emulator):
    async def go():
        async with client_for(emulator) as client:
            await client.run("fal-ai/flux/dev", {"num_inference_steps": 500})

    with pytest.raises(ValidationError) as info:
        run(go())
    locs = {e.loc for e in info.value.field_errors}
    assert ("prompt",) in locs and ("num_inference_steps",) in locs


def test_a_start_timeout_ends_the_job_and_its_504_is_not_retried(emulator):
    emulator.job_duration = 3.0

    async def go():
        async with client_for(emulator) as client:
            busy = [
                await client.submit("fal-ai/flux/schnell", {"prompt": f"busy{i}"}) for i in range(2)
            ]
            late = await client.submit("fal-ai/flux/schnell", {"prompt": "late"}, start_timeout=1.2)
            final = [s async for s in client.watch(late)][-1]
            with pytest.raises(FalTimeoutError) as info:
                await client.result(late)
            for handle in busy:
                await client.cancel(handle)
            return late, final, info.value

    late, final, error = run(go())
    assert isinstance(final, Completed) and final.error_type == "request_timeout"
    assert "time limit you set" in error.user_message
    gets = [r for r in emulator.requests if r.method == "GET" and r.path.endswith(late.request_id)]
    assert len(gets) == 1


@pytest.mark.parametrize(
    "error_type, status, sentence",
    [
        ("runner_disconnected", 503, "it was not your input"),
        ("request_timeout", 504, "took longer than fal allows"),
    ],
)
def test_a_job_fal_failed_reads_as_its_error_type_and_its_stored_error_is_fetched_once(
    emulator, error_type, status, sentence
):
    """fal's infrastructure failure (reference §10): COMPLETED with error/error_type, the result
    answers the stored 5xx with ``X-Fal-Error-Type``. That answer is the job's end, not a busy
    server: asking again cannot change it."""
    emulator.fail_runner("unlucky", error_type)

    async def go():
        async with client_for(emulator) as client:
            handle = await client.submit("fal-ai/flux/schnell", {"prompt": "unlucky cat"})
            final = [s async for s in client.watch(handle)][-1]
            async with httpx.AsyncClient() as http:
                raw = await http.get(handle.response_url, headers={"Authorization": f"Key {KEY}"})
            with pytest.raises(RequestFailed) as info:
                await client.subscribe("fal-ai/flux/schnell", {"prompt": "unlucky dog"})
            return handle, final, raw, info.value

    handle, final, raw, error = run(go())
    assert isinstance(final, Completed) and final.error_type == error_type and final.error
    assert raw.status_code == status and raw.headers["x-fal-error-type"] == error_type
    assert raw.json()["error_type"] == error_type and raw.headers["x-fal-request-id"]
    assert sentence in error.user_message and error.error_type == error_type
    assert error.status_code == status and "HTTP" in error.detail_text
    ids = (handle.request_id, error.request_id)
    result_gets = [r for r in emulator.requests if r.method == "GET" and r.path.endswith(ids)]
    assert len(result_gets) == 2  # the raw one above, and one by subscribe (not retried)


def test_the_emulator_refuses_to_complete_a_multipart_upload_with_a_part_missing(emulator):
    with httpx.Client(timeout=30) as http:
        token = http.post(
            f"{emulator.urls['rest']}/storage/auth/token?storage_type=fal-cdn-v3",
            json={},
            headers={"Authorization": f"Key {KEY}"},
        ).json()
        auth = {"Authorization": f"Bearer {token['token']}"}
        start = http.post(
            f"{token['base_url']}/files/upload/multipart",
            headers={**auth, "X-Fal-File-Name": "parts.bin"},
        ).json()
        base = f"{start['access_url']}/multipart/{start['uploadId']}"
        part = http.put(f"{base}/1", content=b"first part", headers=auth)
        done = http.post(
            f"{base}/complete",
            headers=auth,
            json={
                "parts": [
                    {"partNumber": 1, "etag": part.headers["etag"]},
                    {"partNumber": 2, "etag": '"x"'},
                ]
            },
        )
        assert done.status_code == 400 and done.json() == {"detail": "Part 2 is missing"}
        assert http.get(start["access_url"]).status_code == 404  # nothing half-joined is served
        done = http.post(
            f"{base}/complete",
            headers=auth,
            json={"parts": [{"partNumber": 1, "etag": part.headers["etag"]}]},
        )
        assert done.status_code == 200 and http.get(start["access_url"]).content == b"first part"
