"""Find the app's bundled resources the same way from a checkout, a wheel or a frozen build.

The repository keeps them in ``resources/`` at its top level; the wheel carries them as
``fal_desktop/_resources`` and a PyInstaller build puts them beside the package.
"""

from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

__all__ = ["resources_dir", "bundled_model_names", "bundled_schema_files", "icon_file"]


@cache
def resources_dir() -> Path:
    candidates = []
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        candidates.append(Path(frozen_root) / "fal_desktop" / "_resources")
    # The installed package's folder (what importlib.resources.files gives for a package on
    # disk, without importing importlib.resources on the way to the first window).
    candidates.append(Path(__file__).parents[1] / "_resources")
    candidates.append(Path(__file__).resolve().parents[2] / "resources")
    for path in candidates:
        if (path / "schemas").is_dir():
            return path
    raise FileNotFoundError("fal-desktop's resources folder is missing from this installation.")


def bundled_schema_files() -> list[Path]:
    """Every bundled endpoint document (``resources/schemas/<owner>__<name>.json``)."""
    return sorted(p for p in (resources_dir() / "schemas").glob("*__*.json"))


def bundled_model_names() -> dict[str, str]:
    """The bundled models' display names by endpoint id (``resources/model-names.json``), for
    the picker before fal's catalog is known; empty if the file is missing or broken."""
    import json  # here: only the catalog asks, once

    try:
        data = json.loads((resources_dir() / "model-names.json").read_text(encoding="utf-8"))
        models = data["models"]
        return {
            str(endpoint_id): entry["display_name"].strip()
            for endpoint_id, entry in models.items()
            if isinstance(entry, dict)
            and isinstance(entry.get("display_name"), str)
            and entry["display_name"].strip()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def icon_file() -> Path:
    """The app icon (SVG source; the PNG sizes sit beside it)."""
    return resources_dir() / "icons" / "fal-desktop.svg"


_names: dict[str, str] | None = None


def model_title(endpoint_id: str) -> str:
    """How a menu or a setting names a model: "AuraSR (aura-sr)" for a bundled one (its display
    name, and the id that tells two similar names apart), else the id without ``fal-ai/``."""
    global _names
    if _names is None:
        _names = bundled_model_names()
    short = endpoint_id.removeprefix("fal-ai/")
    name = _names.get(endpoint_id)
    return f"{name} ({short})" if name else short
