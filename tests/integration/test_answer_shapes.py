"""The emulator answers like fal: for every kind of real answer in tests/data/fal_answers, the
emulator's answer has the same fields with the same value types, and the other lines of
reference §17 that no stored answer covers yet."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime

import httpx
import pytest

from tests.fal_answers import load_answers, shape
from tests.integration.conftest import KEY

AUTH = {"Authorization": f"Key {KEY}"}
ANSWERS = [a for a in load_answers() if a.get("compare_shape", True)]
ENDPOINT = "fal-ai/flux/schnell"


def _finished(http, body):
    for _ in range(400):
        status = http.get(body["status_url"], params={"logs": "0"}).json()
        if status["status"] == "COMPLETED":
            return status
        time.sleep(0.02)
    raise AssertionError("the emulator's job did not finish")


def emulated_status_in_queue(emulator, http):
    emulator.job_duration = 3.0  # two workers busy: the third job waits in the queue
    jobs = [
        http.post(f"{emulator.urls['queue']}/{ENDPOINT}", json={"prompt": f"p{i}"}).json()
        for i in range(3)
    ]
    try:
        status = http.get(jobs[-1]["status_url"], params={"logs": "0"})
        assert status.status_code == 202
        return [jobs[-1], status.json()]  # the submit answer and a status answer alike
    finally:
        for job in jobs:
            http.put(job["cancel_url"])


def emulated_status_completed(emulator, http):
    body = http.post(f"{emulator.urls['queue']}/{ENDPOINT}", json={"prompt": "done"}).json()
    return [_finished(http, body)]


def emulated_run_result(emulator, http):
    response = http.post(f"{emulator.urls['run']}/{ENDPOINT}", json={"prompt": "run"})
    assert response.status_code == 200
    return [response.json()]


def emulated_error_bad_key(emulator, http):
    answers = []
    for url in (
        f"{emulator.urls['queue']}/{ENDPOINT}",
        f"{emulator.urls['run']}/{ENDPOINT}",
        f"{emulator.urls['rest']}/storage/auth/token?storage_type=fal-cdn-v3",
    ):
        response = httpx.post(url, json={}, headers={"Authorization": "Key nobody:nothing"})
        assert response.status_code == 401
        answers.append(response.json())
    return answers


EMULATED = {
    name.removeprefix("emulated_"): fn
    for name, fn in globals().items()
    if name.startswith("emulated_")
}
#: Answers whose emulator side another change adds (the out-of-credit switch): compared once it exists.
OUT_OF_CREDIT = "error_out_of_credit"


@pytest.mark.parametrize("answer", ANSWERS, ids=[a["file"] for a in ANSWERS])
def test_the_emulator_answers_in_fals_shape(emulator, answer):
    kind = answer["kind"]
    if kind == OUT_OF_CREDIT and kind not in EMULATED:
        pytest.skip("the emulator's out-of-credit answer is compared where that switch is built")
    assert kind in EMULATED, f"no emulator answer is compared with {answer['file']} ({kind})"
    with httpx.Client(headers=AUTH) as http:
        emulated = EMULATED[kind](emulator, http)
    real = shape(answer["response"]["body"])
    for body in emulated:
        assert shape(body) == real, f"{answer['file']}: {body}"


def test_every_answer_kind_in_the_folder_is_compared():
    kinds = {a["kind"] for a in ANSWERS} - {OUT_OF_CREDIT}
    assert kinds <= set(EMULATED) and {"status_in_queue", "status_completed", "run_result"} <= kinds


# -- the rest of §17, line by line -------------------------------------------------------


def test_request_routes_take_only_the_short_app_id(emulator):
    with httpx.Client(headers=AUTH) as http:
        body = http.post(f"{emulator.urls['queue']}/{ENDPOINT}", json={"prompt": "x"}).json()
        assert "gateway_request_id" not in body
        assert body["status_url"].startswith(f"{emulator.urls['queue']}/fal-ai/flux/requests/")
        for url, method in (
            (body["status_url"], "GET"),
            (body["response_url"], "GET"),
            (body["cancel_url"], "PUT"),
        ):
            full = url.replace("/fal-ai/flux/requests/", f"/{ENDPOINT}/requests/")
            assert http.request(method, full).status_code == 405
        unknown = http.get(f"{emulator.urls['queue']}/fal-ai/flux/requests/no-such-id/status")
        assert unknown.status_code == 404 and unknown.json() == {"status": "NOT_FOUND"}


def test_a_result_asked_for_too_early_is_400_with_the_request_and_its_urls(emulator):
    emulator.job_duration = 3.0
    with httpx.Client(headers=AUTH) as http:
        body = http.post(f"{emulator.urls['queue']}/{ENDPOINT}", json={"prompt": "x"}).json()
        early = http.get(body["response_url"])
        http.put(body["cancel_url"])
    assert early.status_code == 400
    assert early.json() == {
        "detail": early.json()["detail"],
        **{k: body[k] for k in ("request_id", "response_url", "status_url", "cancel_url")},
    }
    assert isinstance(early.json()["detail"], str) and early.json()["detail"]


def test_log_lines_are_naive_timestamp_message_labels(emulator):
    with httpx.Client(headers=AUTH) as http:
        body = http.post(f"{emulator.urls['queue']}/{ENDPOINT}", json={"prompt": "x"}).json()
        _finished(http, body)
        logs = http.get(body["status_url"], params={"logs": "1"}).json()["logs"]
    assert logs and all(set(line) == {"timestamp", "message", "labels"} for line in logs)
    assert all(line["labels"] == {} for line in logs)
    assert all(datetime.fromisoformat(line["timestamp"]).tzinfo is None for line in logs)


def test_the_status_stream_pings_and_sends_only_new_log_lines(emulator):
    emulator.service.ping_interval = 0.05  # a quiet stream sends `: ping` comments meanwhile
    emulator.job_duration = 2.0
    try:

        async def go():
            async with httpx.AsyncClient(headers=AUTH) as http:
                body = (
                    await http.post(f"{emulator.urls['queue']}/{ENDPOINT}", json={"prompt": "s"})
                ).json()
                async with http.stream(
                    "GET", body["status_url"] + "/stream", params={"logs": "1"}
                ) as reply:
                    return [line async for line in reply.aiter_lines()]

        lines = asyncio.run(go())
    finally:
        emulator.service.ping_interval = 10.0
    assert ": ping" in lines
    assert not [line for line in lines if line.startswith("event:")]
    events = [json.loads(line[len("data: ") :]) for line in lines if line.startswith("data: ")]
    messages = [log["message"] for event in events for log in (event.get("logs") or [])]
    assert events[-1]["status"] == "COMPLETED" and len(messages) == len(set(messages))
    assert "Step 1/5" in messages and "Done" in messages


def test_an_unknown_path_on_the_run_host_is_plain_text(emulator):
    response = httpx.post(f"{emulator.urls['run']}/nobody/nothing", json={}, headers=AUTH)
    assert response.status_code == 404 and response.text == "404: Not Found"
    assert response.headers["content-type"].startswith("text/plain")


def test_a_bad_key_gets_fals_sentence(emulator):
    response = httpx.post(
        f"{emulator.urls['queue']}/{ENDPOINT}",
        json={},
        headers={"Authorization": "Key nobody:nothing"},
    )
    assert response.status_code == 401
    assert response.json() == {"detail": "No user found for Key ID and Secret"}


def test_the_cdn_token_lasts_about_30_days_and_says_when_it_was_made(emulator):
    token = httpx.post(
        f"{emulator.urls['rest']}/storage/auth/token?storage_type=fal-cdn-v3", json={}, headers=AUTH
    ).json()
    assert set(token) == {"token", "token_type", "base_url", "expires_at", "created_at"}
    assert token["token_type"] == "Bearer" and token["base_url"] == emulator.urls["cdn"]
    life = datetime.fromisoformat(token["expires_at"]) - datetime.fromisoformat(token["created_at"])
    assert 29 <= life.days <= 31


def test_a_models_own_refusal_is_a_422_with_a_plain_string_detail(emulator):
    emulator.refuse("forbidden-word", "The prompt is not allowed.")
    try:
        with httpx.Client(headers=AUTH) as http:
            direct = http.post(
                f"{emulator.urls['run']}/{ENDPOINT}", json={"prompt": "a Forbidden-Word here"}
            )
            body = http.post(
                f"{emulator.urls['queue']}/{ENDPOINT}", json={"prompt": "forbidden-word"}
            ).json()
            status = _finished(http, body)
            result = http.get(body["response_url"])
    finally:
        emulator.service.refusals.clear()
    assert direct.status_code == 422 and direct.json() == {"detail": "The prompt is not allowed."}
    assert status["error"] == "The prompt is not allowed."
    assert result.status_code == 422 and result.json() == {"detail": "The prompt is not allowed."}
