from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """UTC time cut to milliseconds, the precision BSON dates keep."""

    def now(self) -> datetime:
        now = datetime.now(UTC)
        return now.replace(microsecond=now.microsecond // 1000 * 1000)
