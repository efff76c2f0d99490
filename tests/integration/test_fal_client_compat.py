"""fal's official Python client (fal-client 1.0.3), unmodified but for its host constants,
works against the emulator: the emulator is faithful to the protocol fal's clients speak."""

from __future__ import annotations

import os

import fal_client
import fal_client.client as fal_module
import pytest

from tests.integration.conftest import KEY


@pytest.fixture
def official(emulator, monkeypatch):
    """A SyncClient whose hosts point at the emulator."""
    monkeypatch.setattr(fal_module, "QUEUE_URL_FORMAT", emulator.urls["queue"] + "/")
    monkeypatch.setattr(fal_module, "RUN_URL_FORMAT", emulator.urls["run"] + "/")
    monkeypatch.setattr(fal_module, "REST_URL", emulator.urls["rest"])
    monkeypatch.setattr(fal_module, "CDN_URL", emulator.urls["cdn"])
    return fal_client.SyncClient(key=KEY)


def test_subscribe_with_logs(official):
    updates = []
    result = official.subscribe(
        "fal-ai/flux/dev",
        arguments={"prompt": "a fox", "seed": 3},
        with_logs=True,
        on_queue_update=updates.append,
    )
    assert result["seed"] == 3 and result["images"][0]["url"].startswith("http://127.0.0.1")
    kinds = {type(u).__name__ for u in updates}
    assert "InProgress" in kinds
    logs = [
        log["message"]
        for u in updates
        if isinstance(u, fal_client.InProgress)
        for log in (u.logs or [])
    ]
    assert "Step 1/5" in logs


def test_submit_status_result_cancel(official, emulator):
    handle = official.submit("fal-ai/flux/schnell", arguments={"prompt": "x"})
    status = handle.status(with_logs=True)
    assert isinstance(status, (fal_client.Queued, fal_client.InProgress, fal_client.Completed))
    assert handle.get()["images"]
    emulator.job_duration = 2.0
    slow = official.submit("fal-ai/flux/schnell", arguments={"prompt": "y"})
    slow.cancel()
    final = None
    for event in slow.iter_events(with_logs=True, interval=0.05):
        final = event
    assert isinstance(final, fal_client.Completed)


def test_run(official):
    output = official.run("fal-ai/flux/schnell", arguments={"prompt": "direct"})
    assert output["images"][0]["width"] > 0


def test_upload_single_and_multipart(official, emulator, tmp_path, monkeypatch):
    small = tmp_path / "small.png"
    small.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(2048))
    url = official.upload_file(small)
    assert url.startswith(emulator.urls["cdn"])

    monkeypatch.setattr(fal_module, "MULTIPART_THRESHOLD", 1024 * 1024)
    big = tmp_path / "big.bin"
    data = os.urandom(12 * 1024 * 1024 + 5)
    big.write_bytes(data)
    big_url = official.upload_file(big)
    import httpx

    assert httpx.get(big_url).content == data
    assert any(r.path.endswith("/complete") for r in emulator.requests if r.role == "cdn")


def test_error_paths(official, emulator, monkeypatch):
    with pytest.raises(fal_client.client.FalClientHTTPError) as invalid:
        official.subscribe("fal-ai/flux/dev", arguments={"num_inference_steps": 3})
    assert invalid.value.status_code == 422
    assert any(item["loc"] == ["body", "prompt"] for item in invalid.value.message)

    wrong = fal_client.SyncClient(key="wrong:key")
    with pytest.raises(fal_client.client.FalClientHTTPError) as denied:
        wrong.submit("fal-ai/flux/dev", arguments={"prompt": "x"})
    assert denied.value.status_code == 401
