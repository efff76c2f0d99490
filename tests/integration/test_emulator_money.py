"""The emulator's money switches: out of credit, fal's retention, a slow submit answer, failing
downloads; as a Python switch and as CLI flags."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import pytest

from fal_desktop.emulator import Emulator
from fal_desktop.emulator.service import OUT_OF_CREDIT

KEY = "money-key:secret"
AUTH = {"Authorization": f"Key {KEY}"}
LOCKED = (
    "User is locked. Reason: Exhausted balance. Top up your balance at fal.ai/dashboard/billing."
)


@pytest.fixture
def emu():
    with Emulator(key=KEY, job_duration=0.05) as emulator:
        yield emulator


def _done(http, emu, body) -> None:
    deadline = time.monotonic() + 20
    while http.get(body["status_url"]).json()["status"] != "COMPLETED":
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_out_of_credit_answers_fals_403_on_submit_and_storage_token(emu):
    emu.out_of_credit = True
    with httpx.Client(headers=AUTH, timeout=20) as http:
        submit = http.post(f"{emu.urls['queue']}/fal-ai/flux/schnell", json={"prompt": "x"})
        token = http.post(f"{emu.urls['rest']}/storage/auth/token?storage_type=fal-cdn-v3", json={})
        run = http.post(f"{emu.urls['run']}/fal-ai/flux/schnell", json={"prompt": "x"})
        assert [r.status_code for r in (submit, token, run)] == [403, 403, 403]
        assert submit.json() == token.json() == OUT_OF_CREDIT == {"detail": LOCKED}
        assert emu.submissions["fal-ai/flux/schnell"] == 0  # nothing was taken (or charged)
        bad_key = httpx.post(
            f"{emu.urls['queue']}/fal-ai/flux/schnell",
            json={},
            headers={"Authorization": "Key x:y"},
        )
        assert bad_key.status_code == 401  # the key is checked first
        emu.out_of_credit = False
        assert (
            http.post(f"{emu.urls['queue']}/fal-ai/flux/schnell", json={"prompt": "x"}).status_code
            == 200
        )


def test_a_finished_request_is_forgotten_past_fals_retention(emu):
    with httpx.Client(headers=AUTH, timeout=20) as http:
        body = http.post(f"{emu.urls['queue']}/fal-ai/flux/schnell", json={"prompt": "kept"}).json()
        _done(http, emu, body)
        assert http.get(body["response_url"]).status_code == 200  # within the hour
        emu.retention_scale = 1e-9  # the hour (six minutes for 10 KB results) has passed
        gone = [http.get(body["status_url"]), http.get(body["response_url"])]
        assert [r.status_code for r in gone] == [404, 404]
        assert gone[0].json()["status"] == "NOT_FOUND"
        emu.retention_scale = 1.0
        assert http.get(body["status_url"]).status_code == 404  # forgotten for good


def test_a_running_request_never_expires_and_expire_completed_forgets_finished_ones(emu):
    emu.job_duration = 3.0
    emu.retention_scale = 0.0
    with httpx.Client(headers=AUTH, timeout=20) as http:
        body = http.post(f"{emu.urls['queue']}/fal-ai/flux/schnell", json={"prompt": "slow"}).json()
        assert http.get(body["status_url"]).status_code == 202
        emu.job_duration = 0.05
        emu.retention_scale = 1.0
        quick = http.post(f"{emu.urls['queue']}/fal-ai/flux/schnell", json={"prompt": "q"}).json()
        _done(http, emu, quick)
        assert emu.expire_completed() == [quick["request_id"]]
        assert http.get(quick["status_url"]).status_code == 404
        assert http.get(body["status_url"]).status_code == 202


def test_slow_submit_answer_takes_the_job_first_and_failing_downloads_answer_the_status(emu):
    emu.submit_delay = 1.0
    with httpx.Client(headers=AUTH, timeout=20) as http:
        body = http.post(
            f"{emu.urls['queue']}/fal-ai/flux/schnell", json={"prompt": "slow answer"}
        ).json()
        assert body["request_id"] in emu.service.queue.jobs and len(emu.submit_requests) == 1
        emu.submit_delay = 0.0
        _done(http, emu, body)
        url = http.get(body["response_url"]).json()["images"][0]["url"]
        emu.fail_downloads(2, status=404)
        assert [httpx.get(url).status_code for _ in range(3)] == [404, 404, 200]


def test_cli_flags_for_credit_retention_and_slow_submits():
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "fal_desktop.emulator",
            "--key",
            KEY,
            "--job-duration",
            "0.05",
            "--out-of-credit",
            "--retention-scale",
            "0.5",
            "--submit-delay",
            "0",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        info = json.loads(process.stdout.readline())
        answer = httpx.post(
            f"{info['queue']}/fal-ai/flux/schnell", json={"prompt": "x"}, headers=AUTH, timeout=20
        )
        assert answer.status_code == 403 and answer.json() == {"detail": LOCKED}
    finally:
        process.terminate()
        assert process.wait(timeout=20) == 0
        process.stdout.close()
