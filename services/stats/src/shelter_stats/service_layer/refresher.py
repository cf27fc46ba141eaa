"""Recounts the shelters touched by a batch of events and tells the listeners what changed.

Consumers only store facts and touch the shelter; this loop recounts the touched shelters
together (one aggregation per batch), so a burst of check-ins costs one recount per shelter,
not one per check-in. At start every shelter is recounted: a recount lost to a crash after
an event was stored is made up for, and the listeners hear the current state once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from shelter_stats.domain.model import ShelterStatistics
from shelter_stats.service_layer.ports import Statistics

log = logging.getLogger(__name__)

Listener = Callable[[ShelterStatistics], None]


class StatisticsRefresher:
    def __init__(
        self,
        stats: Statistics,
        listeners: Sequence[Listener] = (),
        *,
        batch_size: int = 200,
        retry_seconds: float = 1.0,
    ) -> None:
        self._stats = stats
        self._listeners = list(listeners)
        self._batch_size = batch_size
        self._retry_seconds = retry_seconds
        self._dirty: dict[str, None] = {}  # insertion-ordered set: oldest touch first
        self._wake = asyncio.Event()
        self._last: dict[str, ShelterStatistics] = {}

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def touch(self, shelter_id: str) -> None:
        self._dirty[shelter_id] = None
        self._wake.set()

    async def touch_all(self) -> None:
        for shelter_id in await self._stats.shelter_ids():
            self.touch(shelter_id)

    @property
    def pending(self) -> int:
        return len(self._dirty)

    async def refresh_dirty(self) -> list[ShelterStatistics]:
        """Recount every touched shelter; returns (and tells the listeners) what changed."""
        changed: list[ShelterStatistics] = []
        while self._dirty:
            batch = list(self._dirty)[: self._batch_size]
            for shelter_id in batch:
                del self._dirty[shelter_id]
            try:
                refreshed = await self._stats.refresh(batch)
            except Exception:
                for shelter_id in batch:  # a touch that came meanwhile is kept anyway
                    self._dirty[shelter_id] = None
                raise
            for statistics in refreshed:
                if self._last.get(statistics.shelter_id) != statistics:
                    self._last[statistics.shelter_id] = statistics
                    changed.append(statistics)
                    for listener in self._listeners:
                        listener(statistics)
        return changed

    async def run(self) -> None:
        """Recount at start, then whenever shelters are touched; retries while storage fails."""
        while True:
            try:
                await self.touch_all()
                break
            except Exception:
                log.exception("listing shelters failed; retrying")
                await asyncio.sleep(self._retry_seconds)
        while True:
            await self._wake.wait()
            self._wake.clear()
            try:
                await self.refresh_dirty()
            except Exception:
                log.exception("recounting shelters failed; retrying")
                await asyncio.sleep(self._retry_seconds)
                self._wake.set()
