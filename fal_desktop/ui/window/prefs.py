"""The user's preferences, read from the app's QSettings: a bad or missing stored value reads
as the default, never as an error."""

from __future__ import annotations

from PySide6.QtCore import QSettings

__all__ = [
    "DEFAULT_UPSCALER",
    "THEMES",
    "JOBS_IN_FLIGHT",
    "jobs_in_flight",
    "notifications_on",
    "set_jobs_in_flight",
    "set_notifications_on",
    "set_theme",
    "theme",
]

THEMES = ("system", "light", "dark")
DEFAULT_UPSCALER = "fal-ai/aura-sr"  # until the user picks one (Preferences, or by using it)
JOBS_IN_FLIGHT = (1, 32, 16)  # least, most, default


def theme(settings: QSettings) -> str:
    value = str(settings.value("prefs/theme", "system") or "system").strip().lower()
    return value if value in THEMES else "system"


def set_theme(settings: QSettings, name: str) -> None:
    settings.setValue("prefs/theme", name if name in THEMES else "system")


def jobs_in_flight(settings: QSettings) -> int:
    least, most, default = JOBS_IN_FLIGHT
    try:
        value = int(str(settings.value("prefs/jobs_in_flight", default)).strip())
    except (TypeError, ValueError):
        return default
    return min(most, max(least, value))


def set_jobs_in_flight(settings: QSettings, value: int) -> None:
    least, most, _ = JOBS_IN_FLIGHT
    settings.setValue("prefs/jobs_in_flight", min(most, max(least, int(value))))


def notifications_on(settings: QSettings) -> bool:
    value = str(settings.value("prefs/notifications", "true")).strip().lower()
    return value not in ("false", "0", "no", "off")


def set_notifications_on(settings: QSettings, on: bool) -> None:
    settings.setValue("prefs/notifications", "true" if on else "false")
