"""Composition root: build every object once, wire them, run Qt (the command line's words
are read by ``cli.py``; ``--diagnose`` is ``diagnose.py``).

Only this module knows every layer. Paths, settings, hosts and the HTTP clients are
made here and passed in; nothing below reaches for globals.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fal_desktop import ENGINE_FLAG, KEYRING_FLAG, __version__
from fal_desktop.cli import (
    command_line_upscale,
    hand_over,
    listen_for_later_starts,
    parse_args,
    working_directory,
)

if TYPE_CHECKING:
    from PySide6.QtCore import QLockFile, QObject

    from fal_desktop.startup import Startup
    from fal_desktop.ui.window.main_window import MainWindow
    from fal_desktop.ui.window.services import WindowServices

__all__ = [
    "finish_startup",
    "gui_thread_first",
    "key_tester",
    "main",
    "make_startup",
    "window_services",
]

SANDBOX_KEY = "sandbox-key:local-only"
KEYRING_PROBE_MS = 1000  # after the window is usable: keyring's import and detection are slow


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == [ENGINE_FLAG]:  # the window's own jobs engine (jobs/engine_process.py)
        from fal_desktop.jobs.engine_process import main as engine_main

        return engine_main()
    if argv[:1] == [KEYRING_FLAG]:  # a starting window's keyring read (core/keyring_child.py)
        from fal_desktop.core.keyring_child import main as keyring_main

        return keyring_main()
    args = parse_args(argv)
    if args.platform_check:  # --diagnose's child: can Qt start its platform plugin here?
        from fal_desktop.diagnose import platform_check

        return platform_check()
    if args.upscale:  # now, against this process's working directory, whoever takes them
        from fal_desktop.core.inputs import resolve_inputs

        args.upscale = resolve_inputs(args.upscale, working_directory())
    if args.diagnose:
        from fal_desktop.diagnose import diagnose

        print(diagnose(args))
        return 0

    keyring_child = start_keyring_read(args.sandbox)  # first: it runs while the window is built
    try:
        return run_window(argv, args, keyring_child)
    finally:
        if keyring_child is not None:
            keyring_child.stop()


def start_keyring_read(sandbox: bool):
    """The keyring read in a child process (``core/keyring_child.py``), unless the key is in
    the environment (or the sandbox's): then the keyring is not read at start at all."""
    import os

    from fal_desktop.core.secrets import key_in_environment

    if sandbox or key_in_environment(os.environ):
        return None
    from fal_desktop.core.keyring_child import KeyringChild

    return KeyringChild()


def run_window(argv: list[str], args: argparse.Namespace, keyring_child) -> int:
    """The window, from its frame to the end of the event loop."""
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
    gui_thread_first(app)
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
    startup = make_startup(args, paths, app, window, (lock_path, lock), keyring_child)
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
    keyring_child=None,
) -> Startup:
    """The second step of the start (``startup.py``): the key store is loaded on a worker thread
    meanwhile (a locked keyring waits for its unlock prompt; the window says so), then
    ``finish_startup`` builds the rest."""
    from fal_desktop.startup import Startup

    startup = Startup(
        app,
        window,
        lambda startup: finish_startup(args, paths, app, window, startup, held_lock),
        prepare=lambda: load_key_store(args.sandbox, keyring_child),
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
    import logging

    where = "the sandbox's own" if args.sandbox else key_store.source().value
    logging.getLogger("fal_desktop").info("fal key: %s", where)
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
        ),
        panels_later=True,  # usable first: the jobs table, results and sessions right after
    )
    if not key_store.loaded_keyring:  # the key came from FAL_KEY: the keyring was not asked yet
        from fal_desktop.widgets.background import Background

        probe = Background(window)  # whether the key dialog can save there, asked off this thread
        QTimer.singleShot(
            KEYRING_PROBE_MS,
            window,
            lambda: probe.run(probe_keyring, key_store, detached=True, failed=lambda _exc: None),
        )
    window.once_ready(lambda: command_line_upscale(app, window, manager, args))
    if held_lock is not None:
        from fal_desktop.ui.window.instance import SingleInstance

        lock_path, lock = held_lock
        instance = SingleInstance(lock_path, lock, parent=window)
        startup.closers.insert(
            0, instance.release
        )  # closers run last first: this one at the very end
        # Once usable (later starts try for 5 s): QtNetwork's import is not on the way there.
        QTimer.singleShot(0, window, lambda: listen_for_later_starts(window, instance))


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


def gui_thread_first(app: QObject) -> None:
    """Process-wide, once (the app and the benchmarks): garbage is collected on the GUI thread
    only, so Qt objects in cycles are freed there, never on a worker's."""
    from fal_desktop.widgets.collector import GuiThreadCollector

    GuiThreadCollector(app)


def built_window(
    paths, *, catalog, manager, key_store, key_tester=None, sessions=None, sandbox=False
) -> MainWindow:
    """A main window finished at once, with the services as the app builds them (the GUI tests
    and benchmarks; the app itself paints the frame first, see ``finish_startup``)."""
    from PySide6.QtCore import QSettings

    from fal_desktop.ui.window.main_window import MainWindow

    settings = QSettings(str(paths.config / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(paths=paths, sandbox=sandbox, settings=settings)
    window.finish_setup(
        window_services(
            window,
            catalog=catalog,
            manager=manager,
            key_store=key_store,
            key_tester=key_tester,
            sessions=sessions,
        )
    )
    return window


def probe_keyring(key_store) -> None:
    """Whether the keyring works (the key dialog's Save needs it), asked by a child process that
    does not read the key: ``keyring``'s import would otherwise take the GIL from the window for
    150–250 ms. Should the child fail, it is asked here. Run it off the GUI thread."""
    from fal_desktop.core.keyring_child import KeyringChild

    answer = KeyringChild(read_key=False).answer()
    if answer is not None:
        key_store.take_probe(answer)
    key_store.keyring_problem()  # asked here only if the child did not answer


def load_key_store(sandbox: bool, keyring_child=None):
    """The key store, with the keyring read (may block: a locked keyring asks to be unlocked):
    by ``keyring_child`` if one was started, else here. Start-up calls this on a worker thread,
    never on the window's."""
    from fal_desktop.core.secrets import ApiKeyStore

    answer = None
    if keyring_child is not None:
        from fal_desktop.startup import trace

        answer = keyring_child.answer()
        trace("keyring")  # the child answered
        if answer is None and keyring_child.stopped:  # quitting: no unlock prompt asked again
            return ApiKeyStore(environ={})
    return ApiKeyStore(environ={"FAL_KEY": SANDBOX_KEY} if sandbox else None).load(answer)


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
