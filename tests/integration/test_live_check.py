"""``python -m fal_desktop.live_check`` against the emulator (never against fal in tests)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from fal_desktop import live_check
from tests.integration.conftest import KEY


def test_the_live_check_runs_every_step_against_the_emulator_and_says_what_held(emulator):
    env = {**os.environ, "FAL_KEY": KEY, "QT_QPA_PLATFORM": "offscreen"}
    before = emulator.submissions[live_check.ENDPOINT]
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "fal_desktop.live_check",
            "--hosts-json",
            json.dumps(emulator.hosts.as_dict()),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = {line.split("  ")[0].strip(): line for line in done.stdout.splitlines()}
    for name in (
        "schema fetch",
        "queue submit",
        "status stream to COMPLETED",
        "result",
        "result download",
        "cancel",
        "upload 1 KB",
        "download of the upload",
        "upload with a non-ASCII file name",
    ):
        assert " PASS " in lines[name], done.stdout
    assert "9 of 9 checks held" in done.stdout
    assert emulator.submissions[live_check.ENDPOINT] == before + 2  # the job and the cancelled one
    assert KEY not in done.stdout + done.stderr


def test_a_failing_step_is_a_fail_and_what_needs_it_is_not_run(emulator, capsys):
    emulator.set_faults({"503-accepted": 1.0}, roles={"queue"})  # every submit's answer is lost
    status = live_check.main(
        ["--hosts-json", json.dumps(emulator.hosts.as_dict())], key_source=lambda: KEY
    )
    out = capsys.readouterr().out
    lines = {line.split("  ")[0].strip(): line for line in out.splitlines()}
    assert status == 1
    assert (
        " FAIL " in lines["queue submit"] and "may have received the job" in lines["queue submit"]
    )
    for name in ("status stream to COMPLETED", "result", "result download"):
        assert " -  " in lines[name] and "nothing was submitted" in lines[name]
    assert " FAIL " in lines["cancel"] and " PASS " in lines["upload 1 KB"]


def test_it_refuses_to_run_without_a_key(emulator, capsys):
    start = len(emulator.requests)
    status = live_check.main(
        ["--hosts-json", json.dumps(emulator.hosts.as_dict())], key_source=lambda: None
    )
    assert status == 2 and "No fal key" in capsys.readouterr().err
    assert len(emulator.requests) == start  # nothing was sent
