"""The fal client against the local emulator, over real sockets."""

from __future__ import annotations

import asyncio
import os

import pytest

from fal_desktop.api import (
    AuthError, Completed, FalClient, InProgress, NetworkError, Queued, RetryPolicy, ValidationError,
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
            handle = await client.submit("fal-ai/flux/dev", {"prompt": "a lighthouse", "seed": 5,
                                                             "image_size": "square"})
            statuses = [s async for s in client.watch(handle)]
            output = await client.result(handle)
            data = await client.download(output["images"][0]["url"])
            return statuses, output, data

    statuses, output, data = run(go())
    assert isinstance(statuses[-1], Completed) and statuses[-1].error is None
    logs = [l.message for s in statuses for l in s.new_logs]
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
    assert [l.message for s in statuses for l in s.new_logs][:5] == [f"Step {i}/5" for i in range(1, 6)]


def test_queue_positions_are_real(emulator):
    emulator.job_duration = 0.6

    async def go():
        async with client_for(emulator) as client:
            handles = [await client.submit("fal-ai/flux/schnell", {"prompt": f"p{i}"}) for i in range(5)]
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
            handles = [await client.submit("fal-ai/flux/schnell", {"prompt": f"c{i}"}) for i in range(3)]
            while not isinstance(await client.status(handles[0]), InProgress):
                await asyncio.sleep(0.02)
            answers = [await client.cancel(h) for h in handles]
            finals = []
            for h in handles:
                finals.append([s async for s in client.watch(h)][-1])
            again = await client.cancel(handles[0])
            return answers, finals, again

    answers, finals, again = run(go())
    assert answers == ["CANCELLATION_REQUESTED"] * 3
    assert all(isinstance(f, Completed) and f.error_type == "request_cancelled" for f in finals)
    assert again == "ALREADY_COMPLETED"


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
            handle = await client.submit("fal-ai/flux/dev", {"prompt": "x", "num_inference_steps": 500,
                                                             "image_size": {"width": "big"}})
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
        async with client_for(emulator, multipart_threshold=1024 * 1024, part_size=1024 * 1024) as client:
            big_url = await client.upload_file(noise)
            image_url = await client.upload_file(picture)
            output = await client.subscribe("fal-ai/esrgan", {"image_url": image_url, "scale": 2})
            return await client.download(big_url), output

    back, output = run(go())
    assert back == noise.read_bytes()
    assert (output["image"]["width"], output["image"]["height"]) == (600, 400)
    assert any(r.path.endswith("/complete") and r.role == "cdn" for r in emulator.requests)


def test_injected_faults_are_recovered(emulator):
    emulator.set_faults({429: 0.2, 502: 0.15, 503: 0.15, "slow": 0.1}, roles={"queue", "cdn"}, seed=3)

    async def go():
        async with client_for(emulator) as client:
            outputs = []
            for i in range(4):
                try:
                    outputs.append(await client.subscribe("fal-ai/flux/schnell", {"prompt": f"f{i}"}))
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
