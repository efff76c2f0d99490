"""Composition root: parse arguments, build every object once, wire them, run Qt.

Only this module knows every layer. Paths, settings, hosts and the HTTP clients are
made here and passed in; nothing below reaches for globals.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fal_desktop import ENGINE_FLAG, __version__

if TYPE_CHECKING:
    from PySide6.QtCore import QLockFile

    from fal_desktop.startup import Startup
    from fal_desktop.ui.window.services import WindowServices

__all__ = ["main", "parse_args"]

SANDBOX_KEY = "sandbox-key:local-only"
KEYRING_PROBE_MS = 1000  # after the window is usable: keyring's import and detection are slow


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="fal-desktop",
        description="Generate and upscale images with the models hosted on fal.ai.",
    )
    parser.add_argument("--version", action="version", version=f"fal-desktop {__version__}")
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="run against a local fal emulator: no key or internet needed, images are made locally",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--basedir", type=Path, help="keep config, data and cache under this folder")
    where.add_argument(
        "--temp-basedir", action="store_true", help="use a temporary folder, deleted on exit"
    )
    parser.add_argument(
        "--upscale",
        nargs="+",
        metavar="IMAGE",
        help="upscale these images (files, folders or URLs) with the last-used upscaler",
    )
    parser.add_argument(
        "--quit-when-done",
        action="store_true",
        help="quit once the jobs started from the command line have finished "
        "(exit status 0 if all succeeded)",
    )
    parser.add_argument(
        "--fal-hosts",
        metavar="JSON",
        help="base URLs of fal's roles as JSON (queue, run, rest, cdn, schemas, platform), e.g. "
        "the line python -m fal_desktop.emulator prints",
    )
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="print versions, the resources and log folders, the keyring in use and "
        "whether Qt's platform plugin loads (naming missing libraries), then exit",
    )
    parser.add_argument("--platform-check", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quit-after", type=int, metavar="MS", help=argparse.SUPPRESS)
    parser.add_argument("--quit-when-ready", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--screenshot", type=Path, metavar="PNG", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == [ENGINE_FLAG]:  # the window's own jobs engine (jobs/engine_process.py)
        from fal_desktop.jobs.engine_process import main as engine_main

        return engine_main()
    args = parse_args(argv)
    if args.platform_check:  # --diagnose's child: can Qt start its platform plugin here?
        return platform_check()
    if args.upscale:  # now, against this process's working directory, whoever takes them
        from fal_desktop.core.inputs import resolve_inputs

        args.upscale = resolve_inputs(args.upscale, working_directory())
    if args.diagnose:
        print(diagnose(args))
        return 0

    # Only what the window's frame needs: the rest is imported by finish_startup, after it shows.
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from fal_desktop.quick_imports import read_pyside_checks_quickly

    read_pyside_checks_quickly()  # before our own modules: each import costs less from here

    from fal_desktop.core.logs import setup_logging
    from fal_desktop.core.paths import AppPaths
    from fal_desktop.core.resources import icon_file
    from fal_desktop.ui.window.crash import CrashReporter, install_qt_messages
    from fal_desktop.ui.window.instance import take_lock
    from fal_desktop.ui.window.main_window import MainWindow

    temp_dir = None
    if args.temp_basedir:
        import tempfile

        temp_dir = tempfile.mkdtemp(prefix="fal-desktop-")
    if temp_dir:
        paths = AppPaths.under(Path(temp_dir))
    elif args.basedir:
        paths = AppPaths.under(args.basedir)
    else:
        paths = AppPaths.default()
    paths.ensure()
    log_file = setup_logging(paths.logs, "fal-desktop.log")
    import logging

    logging.getLogger("fal_desktop").info(
        "fal-desktop %s starting (%s)%s",
        __version__,
        paths.data,
        " in the sandbox" if args.sandbox else "",
    )
    install_qt_messages()  # before the QApplication: a platform plugin that fails says what to install

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)  # the window needs a widgets application
    from fal_desktop.widgets.collector import GuiThreadCollector

    GuiThreadCollector(app)  # Qt objects in cycles are freed on this thread, never a worker's
    crashes = CrashReporter(
        log_file
    )  # from here on, nothing uncaught vanishes (a windowed build has no stderr)
    crashes.install()
    app.setApplicationName("fal-desktop")
    app.setOrganizationName("fal-desktop")
    from fal_desktop.ui.window.notify import app_title

    app.setApplicationDisplayName(app_title(args.sandbox))  # Qt appends it to window titles
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("fal-desktop")
    app.setWindowIcon(QIcon.fromTheme("fal-desktop", QIcon(str(icon_file()))))

    lock_path = paths.data / ("sandbox-jobs.lock" if args.sandbox else "jobs.lock")
    lock, first = take_lock(lock_path)
    if not first:  # another window has this job store: it takes the request
        from fal_desktop.ui.window.instance import SingleInstance

        return hand_over(args, SingleInstance(lock_path))
    window = MainWindow(paths=paths, sandbox=args.sandbox)
    window.home.start_args = argv  # "Try the sandbox" starts again with them
    from fal_desktop.ui.window.home import apply_start_preferences

    apply_start_preferences(window)  # the theme, before the window is first painted
    crashes.window = window  # its dialogs open over the window
    window.show()
    startup = make_startup(args, paths, app, window, (lock_path, lock))
    startup.quit_after_ms, startup.quit_when_ready = args.quit_after, args.quit_when_ready
    if args.screenshot:
        startup.screenshot, startup.screenshot_delay_ms = (
            args.screenshot,
            max(300, (args.quit_after or 900) - 600),
        )
    try:
        return int(startup.exec())
    finally:
        window.close()
        startup.close()
        if temp_dir:
            import shutil

            shutil.rmtree(temp_dir, ignore_errors=True)


def make_startup(
    args: argparse.Namespace,
    paths,
    app,
    window,
    held_lock: tuple[Path, QLockFile] | None = None,
) -> Startup:
    """The second step of the start (``startup.py``): the key store is loaded on a worker thread
    meanwhile (a locked keyring waits for its unlock prompt; the window says so), then
    ``finish_startup`` builds the rest."""
    from fal_desktop.startup import Startup

    startup = Startup(
        app,
        window,
        lambda startup: finish_startup(args, paths, app, window, startup, held_lock),
        prepare=lambda: load_key_store(args.sandbox),
    )
    startup.waiting = lambda: window.notice.show_message(
        "Reading your fal key from the system keyring… (unlock it if it asks)", info=True
    )
    return startup


def finish_startup(
    args: argparse.Namespace,
    paths,
    app,
    window,
    startup,
    held_lock: tuple[Path, QLockFile] | None = None,
) -> None:
    """Everything after the window's first paint: the job manager, catalog, first form, CLI jobs,
    and listening for later starts' requests."""
    from PySide6.QtCore import QTimer

    from fal_desktop.api.hosts import ROLES as HOST_ROLES
    from fal_desktop.api.hosts import FalHosts
    from fal_desktop.core.catalog import Catalog
    from fal_desktop.core.jobstore import JobStore
    from fal_desktop.jobs.process_manager import ProcessJobManager

    key_store = startup.prepared  # load_key_store's, read on a worker thread
    hosts = FalHosts()
    store_name = "jobs.sqlite3"
    if args.sandbox:
        from fal_desktop.emulator import Emulator

        emulator = Emulator(key=SANDBOX_KEY, job_duration=1.5).start()
        startup.closers.append(emulator.stop)
        hosts = emulator.hosts
        store_name = "sandbox-jobs.sqlite3"  # sandbox jobs never mix with real ones

    elif args.fal_hosts:
        import json

        given = json.loads(args.fal_hosts)
        hosts = FalHosts(**{role: given[role] for role in HOST_ROLES if role in given})
    store = JobStore(paths.data / store_name)
    startup.closers.append(store.close)
    catalog = Catalog(paths.schema_cache, hosts)

    def max_input_bytes(endpoint_id: str) -> int | None:
        schema = catalog.cached(endpoint_id)
        return schema.max_file_size() if schema is not None else None

    from fal_desktop.ui.window.prefs import jobs_in_flight

    manager = ProcessJobManager(
        store,
        hosts,
        paths.outputs,
        key=key_store.get,
        max_in_flight=jobs_in_flight(window.settings),
        max_input_bytes=max_input_bytes,
        log_dir=paths.logs,
    )
    startup.closers.append(manager.stop_and_wait)
    window.finish_setup(
        window_services(
            window,
            catalog=catalog,
            manager=manager,
            key_store=key_store,
            key_tester=key_tester(hosts),
        )
    )
    if not key_store.loaded_keyring:  # the key came from FAL_KEY: the keyring was not asked yet
        from fal_desktop.widgets.background import Background

        probe = Background(window)  # whether the key dialog can save there, asked off this thread
        QTimer.singleShot(
            KEYRING_PROBE_MS,
            window,
            lambda: probe.run(key_store.keyring_problem, detached=True, failed=lambda _exc: None),
        )
    command_line_upscale(app, window, manager, args)
    if held_lock is not None:
        from fal_desktop.ui.window.instance import SingleInstance

        lock_path, lock = held_lock
        instance = SingleInstance(lock_path, lock, parent=window)
        startup.closers.insert(
            0, instance.release
        )  # closers run last first: this one at the very end
        # Once usable (later starts try for 5 s): QtNetwork's import is not on the way there.
        QTimer.singleShot(0, window, lambda: listen_for_later_starts(window, instance))


def listen_for_later_starts(window, instance) -> None:
    if not instance.listen(lambda request: take_request(window, request)):
        import logging

        logging.getLogger("fal_desktop").warning(
            "later starts cannot hand their requests to this "
            "window (the local socket could not be opened)"
        )


def window_services(
    window, *, catalog, manager, key_store, key_tester=None, sessions=None
) -> WindowServices:
    """The window's services that are not widgets, built here once (tests build theirs with
    this too): the form's memory, the sessions (deleting files on a worker), saving. The Qt ones
    belong to ``window`` and use its settings."""
    from concurrent.futures import ThreadPoolExecutor

    from fal_desktop.core.form_memory import FormMemory
    from fal_desktop.core.sessions import SessionStore
    from fal_desktop.ui.results.autosave import AutoSaver
    from fal_desktop.ui.results.saver import ResultSaver
    from fal_desktop.ui.window.services import WindowServices

    paths = window.paths
    file_remover = ThreadPoolExecutor(1, thread_name_prefix="remove-files")
    saver = ResultSaver(window.settings, window, record=paths.data / "saved-files.json")
    return WindowServices(
        catalog=catalog,
        manager=manager,
        key_store=key_store,
        key_tester=key_tester,
        memory=FormMemory(paths.config / "last-values.json"),
        sessions=sessions or SessionStore(manager.store, background=file_remover.submit),
        saver=saver,
        autosaver=AutoSaver(window.settings, saver, window),
        file_remover=file_remover,
    )


def load_key_store(sandbox: bool):
    """The key store, with the keyring read (may block: a locked keyring asks to be unlocked).
    Start-up calls this on a worker thread, never on the window's."""
    from fal_desktop.core.secrets import ApiKeyStore

    return ApiKeyStore(environ={"FAL_KEY": SANDBOX_KEY} if sandbox else None).load()


def working_directory() -> str | None:
    """This process's working directory, or None if it is gone (deleted under us)."""
    import os

    try:
        return os.getcwd()
    except OSError:
        return None


def upscale_inputs(items: Sequence[str], cwd: str | Path | None = None) -> list[str]:
    """Image files (folders opened) and URLs to upscale, from the command line's words; a
    relative path is resolved against ``cwd`` (the caller's working directory), or left out
    if there is none: it is never sent to fal as text."""
    from fal_desktop.core.inputs import image_files_in, is_url, resolve_inputs

    items = resolve_inputs(list(items), cwd)
    local = [str(p) for p in image_files_in([Path(a) for a in items if not is_url(a)])]
    return local + [a for a in items if is_url(a)]


def command_line_upscale(app, window, manager, args: argparse.Namespace) -> None:
    """``--upscale``'s images: asked about like a drop (several images: their estimated total
    first), once start-up is done. With ``--quit-when-done`` (scripted use) nothing is asked —
    the spend limit still applies — and the app quits when those jobs (and any resumed) end."""
    inputs = upscale_inputs(args.upscale, working_directory()) if args.upscale else []
    if args.quit_when_done:
        started = set(window.upscale(inputs, ask=False)) if args.upscale else set()
        quit_when_finished(app, manager, started | {job.id for job in window.resumed})
    elif args.upscale:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(0, window, lambda: window.upscale(inputs))


def take_request(window, request: dict[str, Any]) -> None:
    """A later start's request (``SingleInstance``): show the window, upscale what it brought."""
    if window.isMinimized():
        window.showNormal()  # a maximized window stays maximized
    window.raise_()
    window.activateWindow()
    items = request.get("upscale")
    if isinstance(items, list) and items:
        cwd = request.get("cwd")  # the later start's working directory, not this window's
        inputs = upscale_inputs(
            [str(item) for item in items], cwd if isinstance(cwd, str) else None
        )
        from PySide6.QtCore import QTimer

        # Asked about like a drop (several images: their estimated total first), once this
        # request has been taken: the question never holds up the hand-over.
        QTimer.singleShot(0, window, lambda: window.upscale(inputs))


def hand_over(args: argparse.Namespace, instance) -> int:
    """This start found fal-desktop running on the same job store: send it the request."""
    if args.quit_when_done:  # it cannot wait for jobs another window runs
        print(
            "fal-desktop is already running with this data folder, and --quit-when-done needs one "
            "of its own: close that window, or use --basedir DIR for a separate folder.",
            file=sys.stderr,
        )
        return 1
    request: dict[str, Any] = {"show": True, "cwd": working_directory()}
    if args.upscale:
        request["upscale"] = list(args.upscale)  # made absolute in main(), against our cwd
    answer = instance.send(request)
    if answer in ("ok", "busy"):
        what = (
            f"sent {len(args.upscale)} item(s) to it to upscale"
            if args.upscale
            else "brought its window to the front"
        )
        later = " (it is busy; it will take them shortly)" if answer == "busy" else ""
        print(f"fal-desktop is already running with this data folder; {what}{later}.")
        return 0
    message = (
        "fal-desktop is already running with this data folder but did not answer. Close it "
        "(or end it in the task manager) and start again, or use --basedir for another folder."
    )
    print(message, file=sys.stderr if sys.stderr is not None else sys.stdout)
    if sys.stderr is None:  # a windowed build started from the desktop: nobody sees a console
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.warning(None, "fal desktop", message)
    return 1


def platform_check() -> int:
    """Start Qt's platform plugin (the one this desktop would use) and say which it is."""
    from PySide6.QtGui import QGuiApplication

    from fal_desktop.ui.window.crash import install_qt_messages

    install_qt_messages()
    app = QGuiApplication(sys.argv[:1])
    print(app.platformName())
    return 0


def diagnose(args: argparse.Namespace | None = None) -> str:
    """What a bug report needs: versions, where resources and logs are, which keyring is used,
    and whether Qt's platform plugin starts (missing system libraries named, with packages)."""
    import json
    import platform
    from importlib.metadata import entry_points

    import PySide6

    from fal_desktop.core.paths import AppPaths
    from fal_desktop.core.resources import bundled_schema_files, resources_dir
    from fal_desktop.core.secrets import ApiKeyStore

    store = ApiKeyStore(environ={})
    if args is not None and args.basedir:
        paths = AppPaths.under(args.basedir)
    else:
        paths = AppPaths.default()
    return json.dumps(
        {
            "fal_desktop": __version__,
            "python": platform.python_version(),
            "pyside6": PySide6.__version__,
            "platform": platform.platform(),
            "frozen": bool(getattr(sys, "frozen", False)),
            "resources": str(resources_dir()),
            "bundled_models": len(bundled_schema_files()),
            "keyring": store.backend_name(),
            "keyring_problem": store.keyring_problem(),
            "keyring_plugins": sorted(e.name for e in entry_points(group="keyring.backends")),
            "log_folder": str(paths.logs),
            **platform_report(),
        },
        indent=1,
    )


def platform_report() -> dict[str, Any]:
    """Qt's platform plugin started in a child process (a failure there ends only the child),
    and on Linux the system libraries its X11 plugin lacks, with the packages that bring them."""
    import os
    import subprocess

    from fal_desktop.core.system_libs import missing_libraries, packages_for, xcb_plugin

    command = (
        [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "fal_desktop"]
    )
    try:
        child = subprocess.run(
            [*command, "--platform-check"], capture_output=True, text=True, timeout=60, check=False
        )
        started = child.stdout.strip() if child.returncode == 0 else None
        problem = (
            None
            if started
            else (child.stderr.strip() or f"it ended with status {child.returncode}")
        )
    except (OSError, subprocess.SubprocessError) as exc:
        started, problem = None, str(exc)
    report: dict[str, Any] = {
        "qt_platform": started or "failed",
        "qt_platform_requested": os.environ.get("QT_QPA_PLATFORM", ""),
    }
    if problem:
        report["qt_platform_problem"] = problem
    plugin = xcb_plugin() if sys.platform.startswith("linux") else None
    if plugin is not None:
        missing = missing_libraries(plugin)
        report["xcb_missing_libraries"] = missing
        if missing:
            report["xcb_install"] = "sudo apt install " + " ".join(packages_for(missing))
    return report


def quit_when_finished(app, manager, job_ids: set[str]) -> None:
    """Exit once every one of ``job_ids`` has finished: status 0 if all completed."""
    from fal_desktop.core.jobstore import JobState

    if not job_ids:
        app.exit(1)
        return
    states: dict[str, JobState] = {}

    def ended(job_id: str, state: JobState, text: str) -> None:
        states[job_id] = state
        print(f"{job_id[:8]} {state.value}: {text}", flush=True)
        if len(states) == len(job_ids):
            app.exit(0 if all(s is JobState.COMPLETED for s in states.values()) else 1)

    def seen(update) -> None:
        if update.job_id in job_ids and update.state.finished and update.job_id not in states:
            ended(update.job_id, update.state, update.message or update.error or "")

    manager.job_updated.connect(seen)
    for job_id in sorted(job_ids):  # already stopped: held by the spend limit, not sent
        job = manager.store.get(job_id)
        if job is not None and job.state.finished and job_id not in states:
            ended(job_id, job.state, job.error or "")


#: The key test's answer when the key works but the account cannot pay for jobs.
NO_CREDIT = (
    "The key works, but your fal account has no credit left — jobs will be refused until you "
    "top up."
)


def key_tester(hosts):
    """A function that checks a key with fal's free catalog call, then (an ADMIN key only; any
    other gets 401/403 and nothing is said) whether the account has credit left. Run it off the
    GUI thread."""

    def test(key: str) -> str | None:
        from fal_desktop.api import AuthError, BalanceExhaustedError, FalError
        from fal_desktop.api.platform import PlatformClient

        try:
            with PlatformClient(key, hosts) as client:
                client.check_key()  # GET /v1/models?limit=1: no job, nothing paid
                try:
                    balance = client.balance()  # None for a key that is not ADMIN
                except BalanceExhaustedError:
                    return NO_CREDIT  # fal says the account is locked
                except FalError:
                    balance = None  # the balance is a bonus: never a reason to doubt the key
        except BalanceExhaustedError:  # fal knows the key: the account is out of credit
            return NO_CREDIT
        except AuthError:
            return "fal did not accept this key."
        except FalError as exc:
            return f"The key could not be checked: {exc.user_message}"
        if balance is not None and balance[0] <= 0:
            return NO_CREDIT
        return None

    return test
