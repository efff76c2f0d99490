"""Scale of what the user sees: a session of 10,000 results and a dropped folder of 5,000 images.

1. A session of 10,000 results: the time from switching to it until the gallery's visible tiles
   show their thumbnails (target ≤ 0.5 s) and until every run is in the gallery (the newest
   page is read at once, the older runs on a worker); then the gallery scrolled through in 200
   steps, each frame (scroll + synchronous repaint) timed (target p99 ≤ 16 ms). Baseline in
   the same run: switching to a session of 100 results.
2. A folder of 5,000 images dropped on the window: the time from the drop until fal (the
   emulator, in its own process) has the first job (target ≤ 1 s), and a 5 ms heartbeat on the
   GUI thread while the folder is scanned and the jobs are recorded (target p99 gap ≤ 16 ms).
   Baseline in the same run: the same drop scanned on the GUI thread, as before.

Prints a table and writes ``bench/results/session_scale.json``.

    python bench/session_scale.py [session|drop]   (one part only; both by default)

The batch question a folder drop asks ("Send these jobs?", with its estimated total) is
answered Send at once, as a user would; the benchmark checks that it was asked once per drop.
The process is set up as the app's (``gui_thread_first``: garbage collected on the GUI thread).
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PIL import Image  # noqa: E402
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl  # noqa: E402
from PySide6.QtGui import QDropEvent  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from fal_desktop.app import built_window, gui_thread_first  # noqa: E402
from fal_desktop.core.catalog import Catalog  # noqa: E402
from fal_desktop.core.jobstore import JobRecord, JobState, JobStore  # noqa: E402
from fal_desktop.core.paths import AppPaths  # noqa: E402
from fal_desktop.core.secrets import ApiKeyStore  # noqa: E402
from fal_desktop.core.sessions import SessionStore  # noqa: E402
from fal_desktop.emulator.process import start_emulator_process, stop_emulator_process  # noqa: E402
from fal_desktop.jobs.process_manager import ProcessJobManager  # noqa: E402
from fal_desktop.ui.window.main_window import MainWindow  # noqa: E402

KEY = "scale:key"
RESULTS = 10_000
DROPPED = 5_000


def pictures(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n in range(count):
        path = folder / f"img{n:05d}.png"
        Image.new("RGB", (96, 72), (n % 256, (n // 256) % 256, 120)).save(path)
        paths.append(path)
    return paths


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def wait(app: QApplication, until, limit: float = 60.0) -> float:
    start = time.perf_counter()
    while not until():
        app.processEvents()
        time.sleep(0.0005)
        if time.perf_counter() - start > limit:
            raise TimeoutError("did not happen in time")
    return time.perf_counter() - start


def visible_thumbnails_ready(window: MainWindow) -> bool:
    gallery = window.session_ui.panel.gallery
    model = gallery.model()
    shown = [
        model.index(row)
        for row in range(model.rowCount())
        if gallery.visualRect(model.index(row)).intersects(gallery.viewport().rect())
    ]
    if not shown:
        return False
    cache = window.session_ui.thumbnails
    return all(cache.get(index.data(Qt.ItemDataRole.UserRole).path) is not None for index in shown)


def session_of(store: JobStore, sessions: SessionStore, files: list[Path], name: str) -> str:
    session = sessions.create(name)
    now = time.time()
    store.save_many(
        [
            JobRecord(
                "fal-ai/flux/schnell",
                {"prompt": f"picture {n}"},
                state=JobState.COMPLETED,
                files=[str(path)],
                output={"seed": n},
                created_at=now - n - 2,
                finished_at=now - n - 1,
                session_id=session.id,
            )
            for n, path in enumerate(files)
        ]
    )
    return session.id


class Heartbeat:
    def __init__(self) -> None:
        self.gaps: list[float] = []
        self.last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self.beat)

    def beat(self) -> None:
        now = time.perf_counter()
        self.gaps.append((now - self.last) * 1000)
        self.last = now


def drop(window: MainWindow, folder: Path, on_gui_thread: bool) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(folder))])
    if on_gui_thread:  # the way drops were handled before: scanned where the drop arrives
        from fal_desktop.ui.window.drop_inputs import inputs_from_mime

        window.inputs.take_inputs(inputs_from_mime(mime))
        return
    event = QDropEvent(
        QPointF(5, 5),
        Qt.DropAction.CopyAction,
        mime,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    window.dropEvent(event)


def answer_send(asked: list[str]) -> None:
    """The batch question is a modal box: answered Send here (and counted), as a user would."""
    from fal_desktop.ui.jobs import money_questions

    def ask(_parent: object, text: str) -> bool:
        asked.append(text)
        return True

    money_questions.ask_batch = ask


def main() -> int:
    parts = set(sys.argv[1:]) or {"session", "drop"}
    app = QApplication.instance() or QApplication(sys.argv[:1])
    gui_thread_first(app)  # as the app: garbage is collected on the GUI thread only
    asked: list[str] = []
    answer_send(asked)
    emulator, hosts, _info = start_emulator_process(
        *("--key", KEY, "--job-duration", "30", "--workers", "64", "--render-once")
    )
    report: dict[str, object] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            made = time.perf_counter()
            files = pictures(root / "results", RESULTS)
            dropped = root / "dropped"
            pictures(dropped, DROPPED)
            print(f"made {RESULTS + DROPPED} pictures in {time.perf_counter() - made:.1f} s")
            paths = AppPaths.under(root / "app").ensure()
            store = JobStore(paths.data / "jobs.sqlite3")
            sessions = SessionStore(store)
            small = session_of(store, sessions, files[:100], "small")
            large = session_of(store, sessions, files, "large")
            keys = ApiKeyStore(environ={"FAL_KEY": KEY})
            manager = ProcessJobManager(store, hosts, paths.outputs, key=keys.get)
            window = built_window(
                paths,
                catalog=Catalog(paths.schema_cache, hosts),
                manager=manager,
                key_store=keys,
                sessions=sessions,
            )
            window.resize(1600, 1000)
            window.show()
            wait(app, lambda: window.isVisible())
            if "session" in parts:
                opened = {}
                whole = {}
                sizes = {"100 results": 100, "10,000 results": RESULTS}
                for name, session_id in (("100 results", small), ("10,000 results", large)):
                    window.session_ui.new_session("empty")  # from an empty session each time
                    app.processEvents()
                    start = time.perf_counter()
                    window.session_ui.switch_to(session_id)
                    wait(app, lambda: visible_thumbnails_ready(window))
                    opened[name] = time.perf_counter() - start
                    # a big session's older runs join the gallery from a worker: all of them
                    # are there before the scrolling is timed (it scrolls through all 10,000)
                    model = window.session_ui.panel.gallery_model
                    wait(app, lambda n=sizes[name], m=model: m.rowCount() >= n)
                    whole[name] = time.perf_counter() - start
                gallery = window.session_ui.panel.gallery
                bar = gallery.verticalScrollBar()
                notch = 3 * bar.singleStep()  # what one wheel notch scrolls
                scrolls = {
                    "wheel (one notch a frame)": [notch * n for n in range(200)],
                    "fling (all 10,000 in 200 frames)": list(
                        range(0, bar.maximum(), max(1, bar.maximum() // 200))
                    )[:200],
                }
                scrolled = {}
                for name, values in scrolls.items():
                    bar.setValue(0)
                    wait(app, lambda: visible_thumbnails_ready(window))
                    frames = []
                    for value in values:
                        start = time.perf_counter()
                        bar.setValue(value)
                        app.processEvents()
                        gallery.viewport().repaint()
                        frames.append((time.perf_counter() - start) * 1000)
                    scrolled[name] = {
                        "frames": len(frames),
                        "median_ms": statistics.median(frames),
                        "p99_ms": percentile(frames, 0.99),
                        "max_ms": max(frames),
                    }
                report["session"] = {"open_s": opened, "whole_s": whole, "scroll": scrolled}
                print("\nA session of many results (switch to it: first visible thumbnails)")
                print("| session | first thumbnails | every run in the gallery |")
                print("|---|---|---|")
                for name, seconds in opened.items():
                    print(f"| {name} | {seconds:.3f} s | {whole[name]:.3f} s |")
                print("\nScrolling the 10,000 (each frame: scroll + synchronous repaint)")
                print("| scroll | frames | median | p99 | max |")
                print("|---|---|---|---|---|")
                for name, row in scrolled.items():
                    print(
                        f"| {name} | {row['frames']} | {row['median_ms']:.1f} ms | "
                        f"{row['p99_ms']:.1f} ms | {row['max_ms']:.1f} ms |"
                    )
            if "drop" in parts:
                window.model_panel.select_model("fal-ai/aura-sr")
                rows: dict[str, dict[str, float]] = {}
                for label, on_gui in (
                    ("scan on the GUI thread (before)", True),
                    ("scan on a worker", False),
                ):
                    known = {job.id for job in store.all(limit=100_000)}
                    before = window.jobs_model.rowCount()
                    heart = Heartbeat()
                    heart.timer.start()
                    dropped_at = time.time()
                    drop(window, dropped, on_gui)
                    # the heartbeat goes on until all dropped images are jobs, plus a second
                    wait(app, lambda b=before: window.jobs_model.rowCount() >= b + DROPPED, 120)
                    end = time.perf_counter() + 1.0
                    wait(app, lambda e=end: time.perf_counter() > e)
                    heart.timer.stop()
                    new: list[JobRecord] = []

                    def first_sent(known=known, new=new) -> bool:
                        new[:] = [j for j in store.all(limit=100_000) if j.id not in known]
                        return any(j.submitted_at for j in new)

                    while not first_sent():  # read afterwards: fal's clock of the first submit
                        wait(app, lambda e=time.perf_counter() + 0.5: time.perf_counter() > e)
                    sent = min(j.submitted_at for j in new if j.submitted_at)
                    rows[label] = {
                        "first_sent_s": sent - dropped_at,
                        "jobs": len(new),
                        "beats": len(heart.gaps),
                        "median_ms": statistics.median(heart.gaps),
                        "p99_ms": percentile(heart.gaps, 0.99),
                        "max_ms": max(heart.gaps),
                        "asked": len(asked),
                    }
                    asked.clear()
                    for job in new:  # cancelled, so the next drop starts from a quiet window
                        manager.cancel(job.id)
                    end = time.perf_counter() + 3.0
                    wait(app, lambda e=end: time.perf_counter() > e)
                    window.jobs_panel.clear_requested.emit()
                report["drop"] = rows
                print(f"\nA dropped folder of {DROPPED} images (5 ms heartbeat on the GUI thread)")
                print("| drop | first job at fal | jobs | asked | median gap | p99 gap | max gap |")
                print("|---|---|---|---|---|---|---|")
                for label, row in rows.items():
                    print(
                        f"| {label} | {row['first_sent_s']:.2f} s | {row['jobs']} | {row['asked']} | "
                        f"{row['median_ms']:.1f} ms | {row['p99_ms']:.1f} ms | {row['max_ms']:.0f} ms |"
                    )
            window.close()
            manager.shutdown()
            store.close()
    finally:
        stop_emulator_process(emulator)
    out = Path(__file__).resolve().parent / "results" / "session_scale.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
