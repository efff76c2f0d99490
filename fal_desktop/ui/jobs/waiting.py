"""What the result area says for a selected job that has no picture (yet)."""

from __future__ import annotations

from fal_desktop.core.jobstore import JobState
from fal_desktop.ui.jobs.table import JobRow

__all__ = ["waiting_text"]


def waiting_text(row: JobRow) -> str:
    state = row.state
    if row.waiting_for_key:
        return "Waiting for your fal key: it goes on as soon as a key is set (Settings → fal API key…)."
    if state in (JobState.NOT_FETCHED, JobState.HELD, JobState.EXPIRED):
        return f"{row.error}" if row.error else "This run stopped: its log below says why."
    if state is JobState.PENDING:
        return "Not sent to fal yet: it goes as soon as a place is free."
    if state is JobState.SUBMITTING:
        return "Sending to fal…"
    if state is JobState.QUEUED:
        place = f", place {row.queue_position + 1}" if row.queue_position is not None else ""
        return f"Waiting in fal's queue{place}…"
    if state is JobState.RUNNING:
        done = f" {row.progress:.0%}" if row.progress is not None else ""
        return f"Running…{done}\nThe result appears here when it is done."
    if state is JobState.DOWNLOADING:
        return "Downloading the result…"
    if state is JobState.FAILED:
        if not row.error:
            return "This run failed: its log below says why."
        return f"This run failed: {row.error}\n(The log below has fal's details.)"
    if state is JobState.CANCELLED:
        return "This run was cancelled."
    return "This run finished without an image to show."
