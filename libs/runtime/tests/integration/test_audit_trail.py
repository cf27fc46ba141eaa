"""The audit trail relays a record Kafka refused at request time, without a restart (S10.8)."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from typing import Any, cast

from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient

from shelter_contracts.events import AuditRecorded
from shelter_runtime.audit import COLLECTION, AuditTrail
from shelter_runtime.mongo import Document
from shelter_runtime.outbox import PENDING_COLLECTION


class RefusingBroker:
    """A broker that refuses every publish while `down` (Kafka unreachable), then takes them."""

    def __init__(self) -> None:
        self.down = True
        self.published: list[str] = []

    async def publish(self, message: Document, **_: Any) -> None:
        if self.down:
            raise ConnectionError("kafka unreachable")
        self.published.append(message["event_id"])


async def test_a_record_refused_by_kafka_is_relayed_once_kafka_is_back_without_a_restart(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    db = mongo_client[database_name]
    broker = RefusingBroker()
    trail = AuditTrail(
        db, cast(KafkaBroker, broker), producer="roster", topic_namespace="ns", interval_seconds=0.2
    )
    assert await trail.relay_pending() == 0  # the relay's first round (its start-up scan)
    event = AuditRecorded(occurred_at=datetime.now(UTC), producer="roster", action="a.b")
    await trail.record(event)
    await trail.drain()  # the inline delivery was refused: the record waits in the outbox
    assert broker.published == []
    assert await db[COLLECTION].count_documents({}) == 1
    assert await db[PENDING_COLLECTION].count_documents({}) == 0  # no pointer was written

    broker.down = False  # Kafka is reachable again; the process keeps running
    relay = asyncio.create_task(trail.run())
    try:
        for _ in range(600):  # bounded wait (slow shared machine), fails loudly below
            if broker.published:
                break
            await asyncio.sleep(0.1)
    finally:
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay
    assert broker.published == [str(event.event_id)]
    assert await db[COLLECTION].count_documents({}) == 0
