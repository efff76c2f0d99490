"""Which system libraries Qt's X11 platform plugin (xcb) is missing, and the Debian/Ubuntu
packages that bring them: for ``--diagnose`` and for the sentence a failed start ends with.

No Qt here: this runs when Qt itself could not start.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = [
    "DEBIAN_PACKAGES",
    "missing_libraries",
    "packages_for",
    "platform_failure_sentence",
    "xcb_plugin",
]

#: The system libraries PySide6's Qt needs on Linux (``ldd`` on its libraries and the xcb
#: plugin), by the Debian/Ubuntu package that brings each. README.md lists the same packages.
DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
}


def xcb_plugin() -> Path | None:
    """PySide6's xcb platform plugin (in a frozen build too), if it is there."""
    from importlib.util import find_spec

    try:  # found, not imported: no Qt library is loaded by this
        spec = find_spec("PySide6")
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        plugin = Path(folder) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def missing_libraries(library: Path, ldd_output: str | None = None) -> list[str]:
    """The shared libraries ``library`` needs that the system cannot find (``ldd`` says
    "not found"), each named once. Empty when ldd cannot run (not Linux)."""
    if ldd_output is None:
        try:
            ldd_output = subprocess.run(
                ["ldd", str(library)], capture_output=True, text=True, timeout=20, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return []
    missing: list[str] = []
    for line in ldd_output.splitlines():
        name, _, where = line.strip().partition("=>")
        if "not found" in where and name.strip() not in missing:
            missing.append(name.strip())
    return missing


def packages_for(libraries: list[str]) -> list[str]:
    """The packages that bring ``libraries``; a library not in the table is named itself."""
    found: list[str] = []
    for library in libraries:
        package = DEBIAN_PACKAGES.get(library, library)
        if package not in found:
            found.append(package)
    return found


def platform_failure_sentence(qt_messages: list[str]) -> str:
    """What to tell the user when Qt could not start its platform plugin (``qt_messages``: what
    Qt said before giving up)."""
    plugin = xcb_plugin() if sys.platform.startswith("linux") else None
    missing = missing_libraries(plugin) if plugin is not None else []
    if missing:
        packages = packages_for(missing)
        return (
            "fal-desktop cannot open its window: Qt's X11 platform plugin needs system libraries "
            f"that are not installed ({', '.join(missing)}). On Debian or Ubuntu install them "
            f"with:\n    sudo apt install {' '.join(packages)}\n"
            "(README.md lists every package fal-desktop needs on Linux.)"
        )
    said = " ".join(qt_messages)
    if "could not connect to display" in said:
        import os

        return (
            f"fal-desktop cannot open its window: it could not connect to the display "
            f"{os.environ.get('DISPLAY', '')!r} (check that DISPLAY or WAYLAND_DISPLAY is set and the "
            "desktop session is running)."
        )
    detail = f" Qt said: {said.strip()}" if said.strip() else ""
    return (
        "fal-desktop cannot open its window: no Qt platform plugin could be started. "
        f"Run fal-desktop --diagnose for details.{detail}"
    )
