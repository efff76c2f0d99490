"""The wheel carries the resources, and they load from an installed wheel as from a checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_installed_wheel_finds_its_resources(tmp_path):
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "dist"),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr[-2000:]
    wheel = next((tmp_path / "dist").glob("fal_desktop-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert "fal_desktop/_resources/schemas/fal-ai__flux__dev.json" in names
    assert "fal_desktop/_resources/icons/fal-desktop.svg" in names
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    code = (
        "import fal_desktop.core.resources as r, sys\n"
        "print(r.resources_dir()); print(len(r.bundled_schema_files())); print(r.icon_file().is_file())\n"
    )
    # The installed copy comes first on the path, ahead of this checkout's editable install.
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; sys.path.insert(0, sys.argv[1]); " + code.replace("\n", "; ").rstrip("; "),
            str(target),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    where, count, icon = out.stdout.split()
    assert Path(where) == target / "fal_desktop" / "_resources"
    assert int(count) == 12 and icon == "True"
