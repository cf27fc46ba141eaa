"""OccupancyChanged for the integration service (S17): coalesced per shelter, latest never lost."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from shelter_contracts.events import OccupancyChanged
from shelter_stats.domain.model import CrowdingThresholds, ShelterStatistics
from shelter_stats.service_layer.coalescing import Coalescer
from shelter_stats.service_layer.ports import OccupancySender

log = logging.getLogger(__name__)

PRODUCER = "stats"


def occupancy_changed(
    statistics: ShelterStatistics, thresholds: CrowdingThresholds, counted_at: datetime
) -> OccupancyChanged:
    """The shelter's state as the occupancy event carries it."""
    counts = statistics.counts
    return OccupancyChanged(
        occurred_at=counted_at,
        shelter_id=statistics.shelter_id,
        producer=PRODUCER,
        present=counts.present,
        households=counts.households,
        checked_out=counts.checked_out,
        female=counts.female,
        male=counts.male,
        age_bands=dict(counts.age_bands),
        capacity=statistics.capacity,
        occupancy_rate=statistics.occupancy_rate,
        crowding_level=statistics.crowding_level(thresholds),
        is_open=statistics.is_open,
        counted_at=counted_at,
    )


class OccupancyNotifier:
    """Sends the latest statistics of each shelter, at most once per shelter per interval."""

    def __init__(
        self,
        send: OccupancySender,
        coalescer: Coalescer[str, ShelterStatistics],
        thresholds: CrowdingThresholds,
        *,
        clock: Callable[[], float],
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._send = send
        self._coalescer = coalescer
        self._thresholds = thresholds
        self._clock = clock
        self._now = now
        self._wake = asyncio.Event()

    def offer(self, statistics: ShelterStatistics) -> None:
        """The shelter's statistics changed (a refresher listener); deleted ones are not sent."""
        if statistics.deleted:
            return
        self._coalescer.offer(statistics.shelter_id, statistics)
        self._wake.set()

    async def send_due(self) -> int:
        """Send what is due now; what fails is kept for the next try. Returns the number sent."""
        sent = 0
        for shelter_id, statistics in self._coalescer.take_due(self._clock()):
            try:
                await self._send(occupancy_changed(statistics, self._thresholds, self._now()))
            except Exception:
                log.exception(
                    "publishing occupancy failed; will retry", extra={"shelter_id": shelter_id}
                )
                self._coalescer.put_back(shelter_id, statistics)
                continue
            sent += 1
        return sent

    def seconds_until_due(self) -> float | None:
        due = self._coalescer.next_due()
        return None if due is None else max(0.0, due - self._clock())

    async def run(self) -> None:
        """Send as values become due; a failed send is due again after the interval."""
        while True:
            self._wake.clear()  # before sending: an offer made meanwhile wakes the next wait
            await self.send_due()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.seconds_until_due())
