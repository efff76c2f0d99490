"""Desktop notifications over a real session bus (dbus-run-session) to a fake freedesktop
notification service; without a service the app learns it was not taken (and uses the tray)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("fake_notifications.py")


def _send(*args: str) -> dict:
    if shutil.which("dbus-run-session") is None:
        pytest.skip("dbus-run-session is not installed")
    ran = subprocess.run(
        ["dbus-run-session", "--", sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr[-2000:]
    return json.loads(ran.stdout.strip().splitlines()[-1])


def test_a_notification_reaches_the_desktop_service_over_d_bus():
    answer = _send()
    assert answer["taken"] is True
    assert answer["received"] == [
        {"app": "fal desktop", "summary": "fal desktop", "body": "3 of 3 jobs are done."}
    ]


def test_without_a_notification_service_it_is_not_taken():
    assert _send("--no-service") == {"taken": False, "received": []}
