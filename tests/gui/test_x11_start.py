"""The app starts on a real X server (Xvfb, with a small window manager when there is one) on
Qt's xcb platform, and paints: the screen's own pixels of its window are grabbed and looked at.

CI sets FAL_DESKTOP_REQUIRE_X11=1 (``.ci/run``): there a missing Xvfb is a failure, not a skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

WINDOW_MANAGERS = ("matchbox-window-manager", "openbox", "xfwm4")


def _xvfb_run() -> str:
    found = shutil.which("xvfb-run")
    if found is None:
        if os.environ.get("FAL_DESKTOP_REQUIRE_X11"):
            pytest.fail("xvfb-run is not installed (.ci/apt-test-packages.txt has xvfb)")
        pytest.skip("xvfb-run is not installed")
    return found


def _under_xvfb(command: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    wm = next((w for w in WINDOW_MANAGERS if shutil.which(w)), None)
    script = tmp_path / "session.sh"
    script.write_text(('("$WM" >/dev/null 2>&1 &) ; sleep 0.5\n' if wm else "") + 'exec "$@"\n')
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "WM": wm or ""}
    env.pop("WAYLAND_DISPLAY", None)
    return subprocess.run(
        [_xvfb_run(), "-a", "-s", "-screen 0 1440x900x24", "sh", str(script), *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.timeout(240)
def test_the_app_starts_on_x11_and_paints_its_window(tmp_path):
    png = tmp_path / "window.png"
    started = _under_xvfb(
        [
            sys.executable,
            "-m",
            "fal_desktop",
            "--sandbox",
            "--basedir",
            str(tmp_path / "app"),
            "--quit-after",
            "2500",
            "--screenshot",
            str(png),
        ],
        tmp_path,
    )
    assert started.returncode == 0, started.stderr[-3000:]
    assert "cannot open its window" not in started.stderr
    image = Image.open(png).convert("RGB")
    assert image.width >= 800 and image.height >= 500
    colours = image.getcolors(maxcolors=1 << 20)
    assert len(colours) > 50  # text, frames, buttons: not a blank or single-colour rectangle
    # the yellow sandbox strip across the top, as the window painted it on the X server
    strip = [image.getpixel((x, y)) for x in range(10, 300, 7) for y in range(0, 60, 3)]
    assert any(
        abs(r - 0xF6) < 12 and abs(g - 0xC3) < 12 and abs(b - 0x43) < 12 for r, g, b in strip
    )


@pytest.mark.timeout(240)
def test_diagnose_on_x11_says_the_platform_plugin_starts(tmp_path):
    ran = _under_xvfb(
        [sys.executable, "-m", "fal_desktop", "--diagnose", "--basedir", str(tmp_path / "app")],
        tmp_path,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    report = json.loads(ran.stdout)
    assert report["qt_platform"] == "xcb"
    assert report["xcb_missing_libraries"] == []
    assert report["log_folder"] == str(tmp_path / "app" / "data" / "logs")


def test_a_platform_plugin_that_cannot_start_ends_with_a_sentence_not_an_abort(tmp_path):
    """Without a reachable X server (or with libraries missing) Qt would abort (SIGABRT, status
    134) with a message that names no package; the app says what is wrong and exits with 1."""
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "DISPLAY": ":4242"}
    env.pop("WAYLAND_DISPLAY", None)
    ran = subprocess.run(
        [sys.executable, "-m", "fal_desktop", "--basedir", str(tmp_path / "app")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 1, ran.stderr
    assert ran.stderr.startswith("fal-desktop cannot open its window:")
    assert "display" in ran.stderr or "sudo apt install" in ran.stderr
    assert (
        "Reinstalling the application" not in ran.stderr
    )  # Qt's misleading advice is only in the log
    log = (tmp_path / "app" / "data" / "logs" / "fal-desktop.log").read_text()
    assert "cannot open its window" in log and "Reinstalling the application" in log
