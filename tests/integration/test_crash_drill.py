"""Crash drill: the app is killed (SIGKILL) with 50 jobs in flight; started again, it saves all
50 results and submits none twice; its jobs engine process ends with it. App and emulator run
as separate processes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import httpx
from PIL import Image

from fal_desktop.emulator.process import start_emulator_process, stop_emulator_process

KEY = "crash-drill:key"


def _count(db_path, sql):
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5) as db:
            return db.execute(sql).fetchone()[0]
    except sqlite3.Error:
        return 0


def _children(pid):
    return [int(p) for p in open(f"/proc/{pid}/task/{pid}/children").read().split()]


def _ends(pid, seconds=15.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]  # noqa: SIM115 - read at once
        except OSError:
            return True
        if state == "Z":
            return True
        time.sleep(0.05)
    return False


def test_sigkill_with_fifty_jobs_in_flight(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    for i in range(50):
        Image.new("RGB", (16, 12), (i * 5, 100, 200)).save(images / f"img{i:02d}.png")
    emulator, _hosts, urls = start_emulator_process(
        "--key", KEY, "--job-duration", "2.0", "--workers", "8"
    )
    try:
        env = {**os.environ, "FAL_KEY": KEY, "QT_QPA_PLATFORM": "offscreen"}
        base = [
            sys.executable,
            "-m",
            "fal_desktop",
            "--basedir",
            str(tmp_path / "app"),
            "--fal-hosts",
            json.dumps(urls),
        ]
        db = tmp_path / "app" / "data" / "jobs.sqlite3"
        first = subprocess.Popen(
            base + ["--upscale", str(images), "--quit-when-done"],  # scripted: nothing asked
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while _count(db, "SELECT count(*) FROM jobs WHERE request_id IS NOT NULL") < 50:
            assert time.monotonic() < deadline, "the jobs were never all submitted"
            assert first.poll() is None
            time.sleep(0.1)
        done_before = _count(db, "SELECT count(*) FROM jobs WHERE state = 'completed'")
        engines = _children(first.pid)  # the jobs engine process
        assert len(engines) == 1
        first.send_signal(signal.SIGKILL)  # no chance to clean up
        first.wait(timeout=30)
        assert _ends(engines[0]), "the jobs engine outlived the killed app"
        assert done_before < 50, "the jobs finished before the crash; the drill proves nothing"

        second = subprocess.run(
            base + ["--quit-when-done"], env=env, capture_output=True, text=True, timeout=300
        )
        assert second.returncode == 0, second.stdout[-2000:] + second.stderr[-2000:]
        assert _count(db, "SELECT count(*) FROM jobs WHERE state = 'completed'") == 50
        with sqlite3.connect(db) as conn:
            files = [json.loads(row[0]) for row in conn.execute("SELECT files_json FROM jobs")]
        assert all(len(f) == 1 and os.path.isfile(f[0]) for f in files)
        stats = httpx.get(f"{urls['schemas']}/_emulator/stats").json()
        assert stats["submissions"] == {"fal-ai/aura-sr": 50}  # none sent twice
    finally:
        stop_emulator_process(emulator)
