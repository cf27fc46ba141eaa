"""Live statistics for browsers (Server-Sent Events): an in-process fan-out to subscribers.

Each subscriber keeps only the newest statistics per shelter until it reads them, so a slow
browser costs at most one entry per shelter and never sees an older state after a newer one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from shelter_stats.domain.model import ShelterStatistics

#: The sequence number of a change (the SSE `id:`) and the shelter's statistics after it.
Change = tuple[int, ShelterStatistics]


class Subscription:
    def __init__(self, shelter_id: str | None) -> None:
        self.shelter_id = shelter_id
        self._pending: dict[str, Change] = {}
        self._wake = asyncio.Event()

    def deliver(self, change: Change) -> None:
        if self.shelter_id is None or change[1].shelter_id == self.shelter_id:
            self._pending.pop(change[1].shelter_id, None)  # keep the order of changes
            self._pending[change[1].shelter_id] = change
            self._wake.set()

    async def next(self, wait_seconds: float) -> Change | None:
        """The oldest unread change; None when none came within `wait_seconds`."""
        if not self._pending:
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), wait_seconds)
            except TimeoutError:
                return None
        shelter_id = next(iter(self._pending))
        return self._pending.pop(shelter_id)


class LiveFeed:
    def __init__(self) -> None:
        self._subscriptions: set[Subscription] = set()
        self.sequence = 0

    def publish(self, statistics: ShelterStatistics) -> None:
        """A shelter's statistics changed: tell every subscriber that follows it."""
        self.sequence += 1
        for subscription in self._subscriptions:
            subscription.deliver((self.sequence, statistics))

    @contextmanager
    def subscribe(self, shelter_id: str | None = None) -> Iterator[Subscription]:
        """Changes of one shelter, or of all when `shelter_id` is None, while the block runs."""
        subscription = Subscription(shelter_id)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)
