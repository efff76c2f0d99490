"""What the jobs panel says about a job: its log text and what Retry and Run again do."""

from __future__ import annotations

from fal_desktop.core.jobstore import JobState
from fal_desktop.ui.jobs.table import JobRow

__all__ = ["MAYBE_AT_FAL_TIP", "RETRY_REJECTED_TIP", "RUN_AGAIN_TIP", "log_text", "retry_tip"]

RETRY_REJECTED_TIP = "fal rejected a value: fix it in the form and run again"
RUN_AGAIN_TIP = "Start a new paid job at fal with the same input"
MAYBE_AT_FAL_TIP = (
    "fal may already have this job (the app stopped while sending it): Retry sends it again, "
    "which may be charged twice. Wait a little for its result first."
)
_ENDED = {
    JobState.FAILED: "Failed",
    JobState.NOT_FETCHED: "Not fetched",
    JobState.HELD: "Held",
    JobState.EXPIRED: "Expired",
}


def retry_tip(row: JobRow | None) -> str | None:
    """What Retry does for this job, or ``None`` if it does not apply."""
    if row is None:
        return None
    if row.state is JobState.NOT_FETCHED:
        return "Fetch the result of this paid job again (no new job)"
    if row.state is JobState.HELD:
        return "Send it now (fal did not take it; nothing was charged)"
    if (
        row.state in (JobState.FAILED, JobState.CANCELLED)
        and not row.job.request_id
        and not row.input_rejected
    ):
        return MAYBE_AT_FAL_TIP if row.maybe_at_fal else "Send this job (fal never had it)"
    return None


def log_text(row: JobRow) -> str:
    """The header, the job's log lines, and how it ended."""
    lines = [f"{row.job.endpoint_id}  ·  job {row.job.id[:8]}"]
    if row.job.request_id:
        lines[0] += f"  ·  request {row.job.request_id}"
    lines += [entry.message for entry in row.logs]
    if row.error:
        lines += ["", f"{_ENDED.get(row.state, 'Failed')}: {row.error}"]
        if row.error_detail:
            lines.append(row.error_detail)
    elif row.state is JobState.FAILED:
        lines += ["", "Failed"]
    elif row.state is JobState.CANCELLED:
        lines += ["", "Cancelled"]
    elif row.state is JobState.COMPLETED:
        lines += ["", f"Completed · {len(row.files)} file{'s' if len(row.files) != 1 else ''}"]
    return "\n".join(lines)
