"""The command line: its arguments, ``--upscale``'s images and ``--quit-when-done``, and a
later start's request handed to the window already running on the same job store (and taken
there). ``fal_desktop.app`` composes them; this module builds nothing."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from fal_desktop import __version__

__all__ = [
    "command_line_upscale",
    "hand_over",
    "listen_for_later_starts",
    "parse_args",
    "quit_when_finished",
    "take_request",
    "upscale_inputs",
    "working_directory",
]


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
        not_sent = quit_when_finished(app, manager, started | {job.id for job in window.resumed})
        window.spending.unattended = lambda jobs: not_sent(
            [job.id for job in jobs], "not sent: the spend limit was reached"
        )
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


def quit_when_finished(app, manager, job_ids: set[str]) -> Callable[[list[str], str], None]:
    """Exit once every one of ``job_ids`` has finished: status 0 if all completed. Returns
    ``not_sent(ids, why)``: those jobs will not be sent in this run (the spend limit paused
    sending), so they count as ended, not completed — the app does not wait for them for ever.
    They stay recorded, unsent, for a later start."""
    from fal_desktop.core.jobstore import JobState

    states: dict[str, JobState] = {}
    unsent: dict[str, str] = {}  # job id → why it will not be sent in this run
    if not job_ids:
        app.exit(1)
        return lambda _ids, _why: None

    def settle() -> None:
        if len(states) + len(unsent.keys() - states.keys()) < len(job_ids):
            return
        for job_id, why in sorted(unsent.items()):
            if job_id not in states:
                print(f"{job_id[:8]} {JobState.PENDING.value}: {why}", flush=True)
        done = all(s is JobState.COMPLETED for s in states.values())
        app.exit(0 if done and len(states) == len(job_ids) else 1)

    def ended(job_id: str, state: JobState, text: str) -> None:
        states[job_id] = state
        print(f"{job_id[:8]} {state.value}: {text}", flush=True)
        settle()

    def seen(update) -> None:
        if update.job_id not in job_ids or update.job_id in states:
            return
        if update.state is not JobState.PENDING:
            unsent.pop(update.job_id, None)  # sent after all (it was on its way): wait for it
        if update.state.finished:
            ended(update.job_id, update.state, update.message or update.error or "")

    manager.job_updated.connect(seen)
    for job_id in sorted(job_ids):  # already stopped: held by the spend limit, not sent
        job = manager.store.get(job_id)
        if job is not None and job.state.finished and job_id not in states:
            ended(job_id, job.state, job.error or "")

    def not_sent(ids: list[str], why: str) -> None:
        for job_id in ids:
            job = manager.store.get(job_id)
            if job_id in job_ids and job is not None and not job.request_id:
                unsent[job_id] = why
        settle()

    return not_sent


def listen_for_later_starts(window, instance) -> None:
    if not instance.listen(lambda request: take_request(window, request)):
        import logging

        logging.getLogger("fal_desktop").warning(
            "later starts cannot hand their requests to this "
            "window (the local socket could not be opened)"
        )
