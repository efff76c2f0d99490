"""Missing system libraries of Qt's X11 plugin, named with the Debian/Ubuntu packages to install."""

from __future__ import annotations

from pathlib import Path

from fal_desktop.core import system_libs
from fal_desktop.core.system_libs import DEBIAN_PACKAGES, missing_libraries, packages_for

LDD = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f9a)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibQt6XcbQpa.so.6 => not found
\tlibxcb-icccm.so.4 => not found
"""


def test_the_libraries_ldd_cannot_find_are_named_once_with_their_packages():
    missing = missing_libraries(Path("libqxcb.so"), LDD)
    assert missing == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1", "libQt6XcbQpa.so.6"]
    # a library of no known package is named itself
    assert packages_for(missing) == ["libxcb-icccm4", "libxcb-keysyms1", "libQt6XcbQpa.so.6"]


def test_the_failure_sentence_names_the_packages_to_install(monkeypatch):
    monkeypatch.setattr(system_libs, "xcb_plugin", lambda: Path("libqxcb.so"))
    monkeypatch.setattr(
        system_libs,
        "missing_libraries",
        lambda plugin: ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"],
    )
    sentence = system_libs.platform_failure_sentence(["could not load the xcb plugin"])
    assert "sudo apt install libxcb-icccm4 libxcb-keysyms1" in sentence


def test_the_readme_lists_every_package_of_the_table():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    runtime = (Path(__file__).resolve().parents[2] / ".ci" / "apt-packages.txt").read_text(
        encoding="utf-8"
    )
    for package in set(DEBIAN_PACKAGES.values()):
        assert package in readme, package
        assert package in runtime, package
