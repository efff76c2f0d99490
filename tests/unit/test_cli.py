"""The command line: ``fal-desktop --version`` and ``python -m fal_desktop``."""

from __future__ import annotations

import subprocess
import sys

from fal_desktop import __version__
from fal_desktop.cli import parse_args


def test_version_from_module_entry_point():
    out = subprocess.run(
        [sys.executable, "-m", "fal_desktop", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0
    assert out.stdout.strip() == f"fal-desktop {__version__}"


def test_arguments():
    args = parse_args(["--sandbox", "--temp-basedir"])
    assert args.sandbox and args.temp_basedir and args.basedir is None
