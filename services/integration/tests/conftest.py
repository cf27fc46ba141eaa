"""Fixtures of the integration tests: an in-memory read model like the MongoDB one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import pytest

from shelter_integration.domain.model import Facts, Occupancy, ShelterState
from shelter_integration.domain.webhooks import Delivery, DeliveryStatus, Webhook


class MemoryShelters:
    def __init__(self) -> None:
        self.by_id: dict[str, ShelterState] = {}
        self.fail = False

    def _get(self, shelter_id: str) -> ShelterState:
        if self.fail:
            raise ConnectionError("database down")
        return self.by_id.get(shelter_id, ShelterState(shelter_id))

    async def record_facts(self, shelter_id: str, facts: Facts) -> bool:
        state = self._get(shelter_id)
        if state.facts is not None and state.facts.version >= facts.version:
            return False
        self.by_id[shelter_id] = ShelterState(shelter_id, facts, state.occupancy)
        return True

    async def record_occupancy(self, shelter_id: str, occupancy: Occupancy) -> bool:
        state = self._get(shelter_id)
        if state.occupancy is not None and state.occupancy.counted_at >= occupancy.counted_at:
            return False
        self.by_id[shelter_id] = ShelterState(shelter_id, state.facts, occupancy)
        return True

    async def states(self, shelter_ids: Sequence[str]) -> list[ShelterState]:
        return [self._get(s) for s in shelter_ids]

    async def all_states(self) -> list[ShelterState]:
        return [self._get(s) for s in sorted(self.by_id)]

    async def page(self, limit: int, offset: int) -> tuple[list[ShelterState], int]:
        published = [s for s in await self.all_states() if s.publishable]
        return published[offset : offset + limit], len(published)


@pytest.fixture
def shelters() -> MemoryShelters:
    return MemoryShelters()


class MemoryWebhookStore:
    """The webhook store in memory, with the MongoDB one's queries."""

    def __init__(self) -> None:
        self.endpoints: dict[str, Webhook] = {}
        self.log: dict[str, Delivery] = {}

    async def add_webhook(self, webhook: Webhook) -> None:
        self.endpoints[webhook.webhook_id] = webhook

    async def webhooks(self) -> list[Webhook]:
        return [self.endpoints[k] for k in sorted(self.endpoints)]

    async def webhook(self, webhook_id: str) -> Webhook | None:
        return self.endpoints.get(webhook_id)

    async def delete_webhook(self, webhook_id: str) -> bool:
        return self.endpoints.pop(webhook_id, None) is not None

    async def save_delivery(self, delivery: Delivery) -> None:
        self.log[delivery.delivery_id] = delivery

    async def delivery(self, delivery_id: str) -> Delivery | None:
        return self.log.get(delivery_id)

    async def due(self, now: datetime, limit: int) -> list[Delivery]:
        return [
            d
            for d in self.log.values()
            if d.status is DeliveryStatus.PENDING
            and d.next_attempt_at is not None
            and d.next_attempt_at <= now
        ][:limit]

    async def deliveries(
        self, *, webhook_id: str | None, status: DeliveryStatus | None, limit: int
    ) -> list[Delivery]:
        found = [
            d
            for d in self.log.values()
            if webhook_id in (None, d.webhook_id) and status in (None, d.status)
        ]
        return sorted(found, key=lambda d: d.created_at, reverse=True)[:limit]


@pytest.fixture
def webhook_store() -> MemoryWebhookStore:
    return MemoryWebhookStore()
