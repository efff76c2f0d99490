"""Startup, against a bare PySide6 window in the same run (each started 7 times, median):

* window shown: process start to the main window painted with the event loop running, then
  exit (``--quit-after 0``); target ≤ 1.5× the bare window, to exit.
* ready ("usable"): process start to the form built, unfinished jobs resumed and the key known
  (``--quit-when-ready``; the app prints the moments and its CPU time so far to stderr,
  ``FAL_DESKTOP_STARTUP_TRACE``); target ≤ 2× the bare window, to exit. The key comes from
  ``FAL_KEY``; a fourth start without it times the keyring being read instead: from a real
  GNOME Keyring holding the key, on a private D-Bus session started for the benchmark, when
  ``dbus-daemon`` and ``gnome-keyring-daemon`` are installed (else whatever keyring the
  machine has, or none).

The four are interleaved, and CPU time is shown beside wall time (on a busy machine the CPU
time is the steadier of the two: "ready" counts the window's process up to that moment, not
the jobs engine it starts, which runs on another core). Our package is byte-compiled first, as
an installed app is. Prints a table and writes ``bench/results/startup.json``.

    python bench/startup.py
"""

from __future__ import annotations

import compileall
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import resource
except ImportError:  # Windows: wall time only
    resource = None

RUNS = 7
BENCH_KEY = "0bench00-0000-4000-8000-000000000000:0123456789abcdef0123456789abcdef"
HOST_ROLES = ("queue", "run", "rest", "cdn", "schemas", "platform")
BARE = (
    "import sys\nfrom PySide6.QtCore import QTimer\nfrom PySide6.QtWidgets import QApplication, QMainWindow\n"
    "app = QApplication(sys.argv[:1]); w = QMainWindow(); w.resize(1360, 860); w.show()\n"
    "QTimer.singleShot(0, app.quit); sys.exit(app.exec())\n"
)


def timed(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Seconds from process start to exit (``exit``), CPU seconds (``cpu``), and to each
    ``startup <moment>`` the app traced."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN) if resource else None
    start = time.monotonic()
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True, timeout=120)
    seconds = {"exit": time.monotonic() - start, "cpu": float("nan")}
    if before is not None:
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        seconds["cpu"] = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    for line in done.stderr.splitlines():
        words = line.split()
        if len(words) == 3 and words[0] == "startup":
            seconds[words[1]] = float(words[2]) - start
        elif len(words) == 3 and words[0] == "startup-cpu":
            seconds[f"cpu_{words[1]}"] = float(words[2])
    return seconds


@contextlib.contextmanager
def keyring_holding(key: str, home: Path) -> Iterator[dict[str, str]]:
    """The environment of a private D-Bus session whose GNOME Keyring holds ``key`` for the app
    (empty if the machine has no dbus-daemon or gnome-keyring-daemon)."""
    if not (shutil.which("dbus-daemon") and shutil.which("gnome-keyring-daemon")):
        yield {}
        return
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert bus.stdout is not None
    env = {
        "DBUS_SESSION_BUS_ADDRESS": bus.stdout.readline().strip(),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_RUNTIME_DIR": str(home),
    }
    try:
        subprocess.run(
            ["gnome-keyring-daemon", "--unlock", "--components=secrets"],
            input=b"bench-password",
            capture_output=True,
            env={**os.environ, **env},
            timeout=30,
            check=True,
        )
        store = (
            "import sys, time, keyring\nfor _ in range(100):\n    try:\n"
            "        keyring.set_password('fal-desktop', 'api-key', sys.stdin.read()); break\n"
            "    except Exception:\n        time.sleep(0.1)\n"
        )
        subprocess.run(
            [sys.executable, "-c", store],
            input=key,
            text=True,
            env={**os.environ, **env},
            check=True,
        )
        yield env
    finally:
        bus.terminate()
        bus.wait(timeout=10)


def main() -> int:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "FAL_KEY": BENCH_KEY,
        "FAL_DESKTOP_STARTUP_TRACE": "1",
    }
    no_key = {name: value for name, value in env.items() if name != "FAL_KEY"}
    compileall.compile_dir(Path(__file__).resolve().parents[1] / "fal_desktop", quiet=1)
    with tempfile.TemporaryDirectory() as tmp, keyring_holding(BENCH_KEY, Path(tmp)) as bus:
        no_key.update(bus)
        nowhere = json.dumps(dict.fromkeys(HOST_ROLES, "http://127.0.0.1:9"))  # never fal.ai
        ours = [sys.executable, "-m", "fal_desktop", "--basedir", str(Path(tmp) / "app")]
        ours += ["--fal-hosts", nowhere]
        keyring_app = [*ours[:4], str(Path(tmp) / "keyring-app"), *ours[5:]]  # a log of its own
        commands = {
            "bare": ([sys.executable, "-c", BARE], env),
            "shown": (ours + ["--quit-after", "0"], env),
            "ready": (ours + ["--quit-when-ready"], env),
            "keyring": (keyring_app + ["--quit-when-ready"], no_key),
        }
        for command, its_env in commands.values():  # warm the disk cache
            timed(command, its_env)
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in commands}
        for _ in range(RUNS):  # interleaved, so a noisy neighbour hits all alike
            for name, (command, its_env) in commands.items():
                runs[name].append(timed(command, its_env))
        log = Path(tmp) / "keyring-app" / "data" / "logs" / "fal-desktop.log"
        key_said = "from the system keyring" in log.read_text(errors="replace")

    def median(name: str, key: str) -> float:
        values = [run[key] for run in runs[name] if key in run]  # older apps trace no CPU
        return statistics.median(values) if values else float("nan")

    bare, bare_cpu = median("bare", "exit"), median("bare", "cpu")
    rows = {
        "bare PySide6 window, to exit": (bare, bare_cpu),
        "fal desktop: window shown, to exit": (median("shown", "exit"), median("shown", "cpu")),
        "fal desktop: window shown (traced)": (median("ready", "shown"), None),
        "fal desktop: ready (traced)": (median("ready", "ready"), median("ready", "cpu_ready")),
        "fal desktop: ready, to exit": (median("ready", "exit"), median("ready", "cpu")),
        "ready, key from the keyring (traced)": (
            median("keyring", "ready"),
            median("keyring", "cpu_ready"),
        ),
    }
    result = {
        "bare_median_s": bare,
        "shown_exit_median_s": rows["fal desktop: window shown, to exit"][0],
        "shown_median_s": rows["fal desktop: window shown (traced)"][0],
        "ready_median_s": rows["fal desktop: ready (traced)"][0],
        "ready_exit_median_s": rows["fal desktop: ready, to exit"][0],
        "ready_cpu_median_s": rows["fal desktop: ready (traced)"][1],
        "keyring_ready_median_s": rows["ready, key from the keyring (traced)"][0],
        "keyring_ready_cpu_median_s": rows["ready, key from the keyring (traced)"][1],
        "bare_cpu_median_s": bare_cpu,
        "shown_exit_cpu_median_s": rows["fal desktop: window shown, to exit"][1],
        "ready_exit_cpu_median_s": rows["fal desktop: ready, to exit"][1],
    }
    result["ratio"] = result["shown_exit_median_s"] / bare
    result["ready_ratio"] = result["ready_median_s"] / bare
    result["ready_cpu_ratio"] = result["ready_cpu_median_s"] / bare_cpu
    result["cpu_ratio"] = result["shown_exit_cpu_median_s"] / bare_cpu
    print(f"startup, median of {RUNS}; process start to …")
    print(f"{'':<38} {'wall':>7} {'/ bare':>7} {'cpu':>7}")
    for label, (wall, cpu) in rows.items():
        cpu_text = f"{cpu * 1000:5.0f}ms" if cpu is not None else ""
        print(f"{label:<38} {wall * 1000:5.0f}ms {wall / bare:>7.2f} {cpu_text:>7}")
    print(
        f"ratio, window shown: {result['ratio']:.2f} (target ≤ 1.5; in CPU time "
        f"{result['cpu_ratio']:.2f}); ready: {result['ready_ratio']:.2f} (target ≤ 2; in CPU "
        f"time {result['ready_cpu_ratio']:.2f})"
    )
    where = "GNOME Keyring, private D-Bus session" if bus else "the machine's keyring"
    print(f"keyring row: {where}; the key {'was' if key_said else 'was NOT'} read from it")
    result["keyring_row_read_the_key"] = key_said
    out = Path(__file__).resolve().parent / "results" / "startup.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"date": time.strftime("%Y-%m-%d"), **result}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
