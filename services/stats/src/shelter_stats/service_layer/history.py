"""Records each shelter's counts into its occupancy history (a refresher listener).

Recounts come far more often than buckets change, so the latest counts of each shelter are
kept in memory and written every few seconds (`history_flush_seconds`): one write per shelter
and flush, whatever the rate of check-ins. A bucket (5 minutes) keeps its latest counts, so
a crash loses at most the changes of one interval (and the recount at start offers every
shelter again). Old buckets are dropped when a shelter starts a new bucket.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from shelter_stats.domain.history import HistoryPoint, bucket_of
from shelter_stats.domain.model import ShelterStatistics
from shelter_stats.service_layer.ports import Statistics

log = logging.getLogger(__name__)


class HistoryRecorder:
    def __init__(
        self,
        stats: Statistics,
        *,
        flush_seconds: float = 5.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._stats = stats
        self._flush_seconds = flush_seconds
        self._now = now
        self._pending: dict[str, HistoryPoint] = {}
        self._last_bucket: dict[str, int] = {}

    def offer(self, statistics: ShelterStatistics) -> None:
        """The shelter's statistics changed (a refresher listener)."""
        counts = statistics.counts
        self._pending[statistics.shelter_id] = HistoryPoint(
            bucket_of(self._now()), counts.present, counts.households, counts.checked_out
        )

    async def flush(self) -> int:
        """Write the pending points; the number written. Failed points are kept for later."""
        pending, self._pending = self._pending, {}
        new_bucket = {s for s, p in pending.items() if self._last_bucket.get(s) != p.bucket}
        try:
            await self._stats.record_history(pending, trim=new_bucket)
        except Exception:
            for shelter_id, point in pending.items():
                self._pending.setdefault(shelter_id, point)
            raise
        self._last_bucket.update((s, p.bucket) for s, p in pending.items())
        return len(pending)

    async def run(self) -> None:
        """Flush every few seconds (a lifespan task)."""
        while True:
            await asyncio.sleep(self._flush_seconds)
            try:
                await self.flush()
            except Exception:
                log.exception("recording occupancy history failed; will retry")
