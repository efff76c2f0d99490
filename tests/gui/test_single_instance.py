"""One fal-desktop per job store: a later start hands its request to the running one."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager

from PIL import Image

from fal_desktop.ui.window.instance import SingleInstance

ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def in_child(code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], env=ENV, stdout=subprocess.PIPE, text=True
    )


@contextmanager
def running_app(command: list[str]):
    """The app started and ready (its start-up trace says so), killed afterwards."""
    app = subprocess.Popen(
        command, env={**ENV, "FAL_DESKTOP_STARTUP_TRACE": "1"}, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while "startup ready" not in app.stderr.readline():
            assert time.monotonic() < deadline and app.poll() is None, (
                "the first start never got ready"
            )
        yield app
    finally:
        app.kill()
        app.wait(30)
        app.stderr.close()


def test_a_second_start_is_refused_the_lock_and_its_request_reaches_the_first(qtbot, tmp_path):
    lock = tmp_path / "jobs.lock"
    first = SingleInstance(lock)
    assert first.acquire()
    got = []
    assert first.listen(got.append)
    second = in_child(
        "import sys; from pathlib import Path; from fal_desktop.ui.window.instance import SingleInstance as S\n"
        "s = S(Path(sys.argv[1])); print(s.acquire(), s.send({'upscale': ['/pics/a.png']}))",
        str(lock),
    )
    qtbot.waitUntil(lambda: bool(got), timeout=10000)
    assert got == [{"upscale": ["/pics/a.png"]}]
    qtbot.waitUntil(lambda: second.poll() is not None, timeout=10000)
    assert second.stdout.read().split() == ["False", "ok"]  # no lock for it; the first said ok
    first.release()


def test_the_lock_of_a_start_that_crashed_is_taken_over(tmp_path):
    lock = tmp_path / "jobs.lock"
    crashed = in_child(
        "import os, sys; from pathlib import Path; from fal_desktop.ui.window.instance import SingleInstance as S\n"
        "s = S(Path(sys.argv[1])); print(s.acquire(), flush=True); os._exit(9)",
        str(lock),
    )
    assert crashed.stdout.read().strip() == "True" and crashed.wait(10) == 9
    assert lock.exists()  # left behind
    again = SingleInstance(lock)
    assert again.acquire()
    again.release()


def test_starting_the_app_again_sends_the_images_to_the_running_window(tmp_path):
    image = tmp_path / "holiday.png"
    Image.new("RGB", (16, 12), (10, 120, 200)).save(image)
    base = [sys.executable, "-m", "fal_desktop", "--sandbox", "--basedir", str(tmp_path / "app")]
    with running_app(base) as first:
        second = subprocess.run(
            base + ["--upscale", str(image)], env=ENV, capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 0, second.stderr
        assert "already running" in second.stdout and "1 item(s)" in second.stdout
        db = tmp_path / "app" / "data" / "sandbox-jobs.sqlite3"
        deadline = time.monotonic() + 30
        while True:
            with sqlite3.connect(db, timeout=5) as conn:
                inputs = [
                    json.loads(row[0]) for row in conn.execute("SELECT inputs_json FROM jobs")
                ]
            if any(str(image) in job.values() for job in inputs):
                break
            assert time.monotonic() < deadline, (
                f"the running window did not take the image: {inputs}"
            )
            time.sleep(0.2)
        assert first.poll() is None


def test_a_second_start_that_must_wait_for_its_jobs_is_refused_with_a_sentence(tmp_path):
    base = [sys.executable, "-m", "fal_desktop", "--sandbox", "--basedir", str(tmp_path / "app")]
    with running_app(base):
        second = subprocess.run(
            base + ["--upscale", "x.png", "--quit-when-done"],
            env=ENV,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 1 and "--quit-when-done needs one of its own" in second.stderr
