"""``--diagnose``: what a bug report needs, and whether Qt's platform plugin starts here
(``--platform-check``, run in a child process)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from fal_desktop import __version__

__all__ = ["diagnose", "platform_check", "platform_report"]


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
