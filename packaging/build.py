"""Build the one-folder desktop app with PyInstaller into ``dist/fal-desktop/``.

pip install -e . pyinstaller
python packaging/build.py            # then: python packaging/smoke_test.py
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    return subprocess.call(
        [
            sys.executable,
            "-m",
            "PyInstaller",
            "--noconfirm",
            "--clean",
            "--distpath",
            str(ROOT / "dist"),
            "--workpath",
            str(ROOT / "build"),
            str(ROOT / "packaging" / "fal_desktop.spec"),
        ],
        cwd=ROOT,
    )


if __name__ == "__main__":
    sys.exit(main())
