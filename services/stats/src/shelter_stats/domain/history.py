"""Occupancy over time (収容状況の推移): per shelter, one point per time bucket, bounded.

The latest counts within a bucket stand for the bucket. Only shelter-level counts are kept
(present, households, checked out): nothing about a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

#: Width of a bucket: one point per shelter every five minutes.
BUCKET_SECONDS = 300
#: Buckets kept per shelter: seven days of five-minute points.
BUCKETS_KEPT = 7 * 24 * 12


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    bucket: int  # start of the bucket, seconds since the epoch
    present: int
    households: int
    checked_out: int

    @property
    def at(self) -> datetime:
        return datetime.fromtimestamp(self.bucket, UTC)


def bucket_of(at: datetime, seconds: int = BUCKET_SECONDS) -> int:
    """The start of the bucket holding `at`, in seconds since the epoch."""
    timestamp = int(at.timestamp())
    return timestamp - timestamp % seconds


def oldest_kept(bucket: int, seconds: int = BUCKET_SECONDS, kept: int = BUCKETS_KEPT) -> int:
    """The oldest bucket kept once `bucket` is the newest one."""
    return bucket - (kept - 1) * seconds
