"""What kind of failure an error is: data every layer decides on, never a display string.

Kept in a module of its own (no imports) so the job store can type its records with it.
"""

from __future__ import annotations

from enum import Enum

__all__ = ["ErrorKind"]


class ErrorKind(str, Enum):
    """Why a job stopped (stored with the job; travels on every update that says so)."""

    REJECTED_INPUT = "rejected_input"  # fal refused a value (422): the same input fails again
    AUTH = "auth"  # the key is missing, wrong, or not allowed to use this model
    OUT_OF_CREDIT = "out_of_credit"  # the account's balance is used up: fal took nothing
    RATE_LIMITED = "rate_limited"  # too many requests right now
    NETWORK = "network"  # fal could not be reached, or the connection broke
    TIMEOUT = "timeout"  # fal (or the job) took too long
    SERVER = "server"  # fal or the model's server failed: not the input
    PROTOCOL = "protocol"  # fal answered with something this app does not understand
    NOT_FOUND = "not_found"  # fal does not know this model or request
    CANCELLED = "cancelled"  # cancelled at fal
    LOCAL_INPUT = "local_input"  # a local file to send could not be read or is too large
    DISK = "disk"  # a result could not be written to disk
    MAYBE_SENT = "maybe_sent"  # the app stopped while sending: fal may or may not have the job
    EXPIRED = "expired"  # fal no longer keeps the request or its result
    INTERNAL = "internal"  # something went wrong inside fal-desktop
    OTHER = "other"  # an error fal gave that fits none of the above

    @property
    def same_input_fails(self) -> bool:
        """Sending the same input again would fail the same way (so Retry/Run again are off)."""
        return self in (ErrorKind.REJECTED_INPUT, ErrorKind.LOCAL_INPUT)

    @classmethod
    def parse(cls, value: object) -> ErrorKind | None:
        """A stored or received kind; ``None`` for none, ``OTHER`` for one this version does not
        know (a newer app wrote it)."""
        if value is None or value == "":
            return None
        try:
            return cls(value)
        except ValueError:
            return cls.OTHER
