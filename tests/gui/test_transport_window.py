"""Through the real window and the emulator: a submit fal may have taken is never sent again,
redirects are followed (the key only to fal's hosts), any file name uploads, every image over
the pixel limit gets the app's sentence, and relative paths on the command line are resolved
where they were typed, at the first start and at the hand-over to a running window."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from urllib.parse import unquote

from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from fal_desktop.core.jobstore import JobState
from tests.gui.conftest import KEY, rows, run_prompt
from tests.unit.test_inputs import _png_header

MAYBE_SENT = "fal may have received the job, so it was not sent again"


def _run_and_wait(qtbot, window, prompt):
    window.model_panel.select_model("fal-ai/flux/schnell")
    window.model_panel.form.fields["prompt"].set_value(prompt)
    window.model_panel.run_button.click()
    qtbot.waitUntil(
        lambda: len(rows(window)) == 1 and rows(window)[0].state.finished, timeout=20000
    )
    return rows(window)[0]


def _drop(window, *paths):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    window.dropEvent(
        QDropEvent(
            QPointF(10, 10),
            Qt.DropAction.CopyAction,
            mime,
            Qt.MouseButton.LeftButton,
            Qt.KeyboardModifier.NoModifier,
        )
    )


def test_a_503_after_fal_accepted_the_submit_is_not_sent_again_and_the_job_says_so(
    qtbot, open_window, emulator
):
    emulator.set_faults({"503-accepted": 1.0}, roles={"queue"})
    window = open_window()
    row = _run_and_wait(qtbot, window, "a lighthouse")
    assert (
        emulator.submissions["fal-ai/flux/schnell"] == 1
    )  # fal has it once; it was not sent again
    assert row.state is JobState.FAILED and MAYBE_SENT in row.error
    assert "HTTP 503" in row.error_detail


def test_a_307_on_submit_status_and_result_is_followed(qtbot, open_window, emulator):
    emulator.set_faults({307: 1.0}, roles={"queue"})
    window = open_window()
    row = run_prompt(qtbot, window, "a moved lighthouse")
    assert row.files and os.path.isfile(row.files[0])
    assert emulator.submissions["fal-ai/flux/schnell"] == 1
    redirected = {
        r.method
        for r in emulator.requests
        if r.role == "queue" and "_emulator_redirected" in r.query
    }
    assert redirected == {"POST", "GET"} and emulator.faults.injected[307] >= 3


def test_a_redirect_off_fal_never_takes_the_key_along(qtbot, open_window, emulator):
    emulator.set_faults({307: 1.0}, roles={"queue"}, redirect_to=emulator.urls["elsewhere"])
    window = open_window()
    row = _run_and_wait(qtbot, window, "elsewhere")
    assert [r for r in emulator.requests if r.role == "elsewhere"] == []  # not followed at all
    assert row.state is JobState.FAILED and emulator.submissions["fal-ai/flux/schnell"] == 0
    assert (
        "not one of fal's API hosts" in row.error and "neither your key nor your input" in row.error
    )


def test_photos_with_any_name_upload_one_by_one_and_in_a_batch(
    qtbot, open_window, emulator, tmp_path
):
    emulator.job_duration = 0.1
    names = ["café 日本.png", "Ünïcödé – 写真 (1).png", "100% sure.png"]
    for i, name in enumerate(names):
        Image.new("RGB", (24, 16), (40 * i, 120, 200)).save(tmp_path / name)
    window = open_window()
    window.model_panel.select_model("fal-ai/esrgan")
    _drop(window, tmp_path / names[0])
    qtbot.waitUntil(
        lambda: len(rows(window)) == 1 and rows(window)[0].state.finished, timeout=20000
    )
    _drop(window, *(tmp_path / n for n in names))
    qtbot.waitUntil(
        lambda: len(rows(window)) == 4 and all(r.state.finished for r in rows(window)),
        timeout=30000,
    )
    assert [(r.state, r.error) for r in rows(window)] == [(JobState.COMPLETED, None)] * 4
    sent = [r.headers["X-Fal-File-Name"] for r in emulator.requests if r.path == "/files/upload"]
    assert sorted(unquote(s) for s in sent) == sorted([names[0], *names])
    stored = {p.name for p in emulator.service.storage.root.glob("*/*")}
    assert set(names) <= stored  # the emulator kept each name as the photo had it
    assert emulator.submissions["fal-ai/esrgan"] == 4


def test_every_image_over_the_pixel_limit_says_the_apps_sentence(
    qtbot, open_window, emulator, tmp_path
):
    big = _png_header(tmp_path / "big.png", 9000, 9000)  # over the app's 64 MP
    huge = _png_header(tmp_path / "huge.png", 60000, 60000)  # over Pillow's own bomb limit too
    window = open_window()
    window.model_panel.select_model("fal-ai/esrgan")
    _drop(window, big, huge)
    qtbot.waitUntil(
        lambda: len(rows(window)) == 2 and all(r.state.finished for r in rows(window)),
        timeout=20000,
    )
    errors = {r.job.label: r.error for r in rows(window)}
    assert errors == {
        "big.png": "big.png is 9000×9000 pixels, more than the 64 megapixels this app accepts.",
        "huge.png": "huge.png is 60000×60000 pixels, more than the 64 megapixels this app accepts.",
    }
    assert emulator.submissions["fal-ai/esrgan"] == 0


# -- relative paths on the command line ------------------------------------------------------


def _photos(folder, count=2):
    (folder / "photos").mkdir(parents=True)
    for i in range(count):
        Image.new("RGB", (16, 12), (60 * i, 100, 200)).save(folder / "photos" / f"p{i}.png")
    return sorted(str(p) for p in (folder / "photos").iterdir())


def _app(emulator, tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "FAL_KEY": KEY}
    command = [
        sys.executable,
        "-m",
        "fal_desktop",
        "--basedir",
        str(tmp_path / "app"),
        "--fal-hosts",
        json.dumps(emulator.hosts.as_dict()),
    ]
    return command, env


def _image_inputs(tmp_path):
    with sqlite3.connect(tmp_path / "app" / "data" / "jobs.sqlite3", timeout=5) as conn:
        return sorted(
            json.loads(row[0]).get("image_url")
            for row in conn.execute("SELECT inputs_json FROM jobs")
        )


def test_a_relative_folder_at_the_first_start_is_the_one_next_to_the_caller(emulator, tmp_path):
    emulator.job_duration = 0.1
    here = tmp_path / "here"
    expected = _photos(here)
    command, env = _app(emulator, tmp_path)
    done = subprocess.run(
        command + ["--upscale", "photos", "--quit-when-done"],
        cwd=here,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert _image_inputs(tmp_path) == expected  # absolute: never the text "photos/p0.png"
    assert emulator.submissions["fal-ai/aura-sr"] == 2


def test_a_relative_folder_handed_to_a_running_window_is_the_one_next_to_the_second_start(
    emulator, tmp_path
):
    emulator.job_duration = 0.1
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    _photos(first_dir, 1)  # a "photos" folder where the running window was started: not this one
    expected = _photos(second_dir, 1)  # one image: no question about a batch's total
    command, env = _app(emulator, tmp_path)
    env["FAL_DESKTOP_STARTUP_TRACE"] = "1"
    first = subprocess.Popen(command, cwd=first_dir, env=env, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while "startup ready" not in first.stderr.readline():
            assert time.monotonic() < deadline and first.poll() is None, (
                "the first start never got ready"
            )
        second = subprocess.run(
            command + ["--upscale", "photos"],
            cwd=second_dir,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 0 and "sent 1 item(s)" in second.stdout, (
            second.stderr
        )  # the folder
        deadline = time.monotonic() + 60
        while emulator.submissions["fal-ai/aura-sr"] < 1 or len(emulator.completed_at) < 1:
            assert time.monotonic() < deadline, (
                f"the running window did not upscale them: {_image_inputs(tmp_path)}"
            )
            time.sleep(0.2)
        assert _image_inputs(tmp_path) == expected
        assert emulator.submissions["fal-ai/aura-sr"] == 1
    finally:
        first.kill()
        first.wait(30)
        first.stderr.close()


def test_a_hand_over_request_is_resolved_against_the_senders_folder_never_the_windows(
    qtbot, tmp_path, monkeypatch
):
    from PySide6.QtCore import QObject

    from fal_desktop.cli import take_request

    class Window(QObject):
        got: list[list[str]] = []

        def isMinimized(self):
            return False

        def raise_(self):
            pass

        def activateWindow(self):
            pass

        def upscale(self, inputs, ask=True):
            self.got.append(inputs)

    sender = _photos(tmp_path / "sender", 2)
    _photos(tmp_path / "window", 1)
    monkeypatch.chdir(tmp_path / "window")
    window = Window()
    take_request(
        window, {"upscale": ["photos", "https://x.test/a.png"], "cwd": str(tmp_path / "sender")}
    )
    take_request(
        window, {"upscale": ["photos/p0.png", "/abs/b.png"]}
    )  # no cwd: relative ones are left out
    qtbot.waitUntil(lambda: len(window.got) == 2, timeout=5000)
    assert window.got == [[*sender, "https://x.test/a.png"], ["/abs/b.png"]]
