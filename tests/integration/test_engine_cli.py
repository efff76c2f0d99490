"""``fal-desktop --jobs-engine`` as a process, spoken to over its pipes as the window does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fal_desktop.core.jobstore import JobStore
from fal_desktop.jobs import wire


def start_engine():
    return subprocess.Popen(
        [sys.executable, "-m", "fal_desktop", "--jobs-engine"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def configure(tmp_path: Path, **changes) -> bytes:
    JobStore(tmp_path / "jobs.sqlite3").close()  # the window creates the store first
    fields = {
        "protocol": wire.PROTOCOL,
        "key": "cli:key",
        "store": str(tmp_path / "jobs.sqlite3"),
        "outputs": str(tmp_path / "out"),
        "max_in_flight": 4,
        "retry": None,
        "hosts": {
            "queue": "http://127.0.0.1:9",
            "run": "http://127.0.0.1:9",
            "rest": "http://127.0.0.1:9",
            "cdn": "http://127.0.0.1:9",
            "schemas": "http://127.0.0.1:9",
        },
    }
    return wire.encode("configure", **{**fields, **changes})


def test_hello_then_a_clean_stop_when_stdin_closes_and_no_qt_loaded(tmp_path):
    engine = start_engine()
    try:
        engine.stdin.write(configure(tmp_path))
        engine.stdin.flush()
        hello = json.loads(engine.stdout.readline())
        assert (
            hello["type"] == "hello"
            and hello["protocol"] == wire.PROTOCOL
            and hello["pid"] == engine.pid
        )
        if sys.platform.startswith("linux"):
            assert (
                "libQt6" not in Path(f"/proc/{engine.pid}/maps").read_text()
            )  # the engine stays small
        engine.stdin.close()  # the window went away
        assert engine.wait(timeout=15) == 0
        rest = [json.loads(line) for line in engine.stdout.read().splitlines()]
        assert [m["type"] for m in rest] == ["bye"]
        assert b"cli:key" not in engine.stderr.read()
    finally:
        engine.kill()
        engine.wait()


def test_a_window_of_another_protocol_gets_a_sentence_and_the_engine_exits(tmp_path):
    engine = start_engine()
    out, err = engine.communicate(configure(tmp_path, protocol=99), timeout=30)
    messages = [json.loads(line) for line in out.splitlines()]
    assert [m["type"] for m in messages] == ["error"]
    assert "protocol 1" in messages[0]["message"] and "99" in messages[0]["message"]
    assert engine.returncode == 2


def test_an_engine_without_stderr_still_speaks_only_messages_and_ignores_ctrl_c(tmp_path):
    """As in a windowed build, which has no stderr to hand on; Ctrl+C in a terminal is the window's."""
    import os
    import signal

    engine = subprocess.Popen(
        [sys.executable, "-m", "fal_desktop", "--jobs-engine"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        preexec_fn=lambda: os.close(2),
    )
    try:
        engine.stdin.write(configure(tmp_path))
        engine.stdin.flush()
        assert json.loads(engine.stdout.readline())["type"] == "hello"
        engine.send_signal(signal.SIGINT)
        engine.stdin.write(wire.encode("shutdown"))
        engine.stdin.close()
        assert engine.wait(timeout=15) == 0
        assert [json.loads(line)["type"] for line in engine.stdout.read().splitlines()] == ["bye"]
    finally:
        engine.kill()
        engine.wait()
