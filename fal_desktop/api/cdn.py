"""The token fal's CDN takes for uploads (``/storage/auth/token``): a credential, never shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

__all__ = ["CdnToken"]


@dataclass(frozen=True)
class CdnToken:
    token: str
    token_type: str
    base_url: str
    expires_at: datetime

    def expired(self, margin: float = 0.0) -> bool:
        """Whether the token is (or within ``margin`` seconds will be) past ``expires_at``."""
        return datetime.now(UTC) + timedelta(seconds=margin) >= self.expires_at

    def __repr__(self) -> str:  # the token is a credential too
        return f"CdnToken(token_type={self.token_type!r}, base_url={self.base_url!r}, expires_at={self.expires_at})"

    @property
    def header(self) -> str:
        return f"{self.token_type} {self.token}"
