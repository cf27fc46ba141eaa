"""The outbox relay finds pending events through pointers, not by scanning the aggregates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import cast

from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient

from shelter_contracts.events import ShelterFacts, ShelterRegistered
from shelter_contracts.topics import SHELTERS
from shelter_runtime.mongo import Document
from shelter_runtime.outbox import OUTBOX_FIELD, PENDING_COLLECTION, OutboxRelay, outbox_entries
from shelter_testing.brokers import RecordingBroker


def _entries(shelter_id: str) -> list[Document]:
    event = ShelterRegistered(
        occurred_at=datetime.now(UTC),
        shelter_id=shelter_id,
        producer="test",
        version=1,
        shelter=ShelterFacts(name="千代田小学校", capacity=10),
    )
    return outbox_entries(SHELTERS, "ns", [event])


async def test_pointed_events_are_published_and_unwritten_ones_dropped_after_grace(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    db = mongo_client[database_name]
    aggregates = db["aggregates"]
    marks = OutboxRelay.marks(db, "aggregates")
    written, unwritten, stale = _entries("a-1"), _entries("a-2"), _entries("a-3")
    legacy = _entries("a-0")
    await aggregates.insert_one({"_id": "a-0", OUTBOX_FIELD: legacy})  # before pointers
    await marks.mark("a-1", written)
    await aggregates.insert_one({"_id": "a-1", OUTBOX_FIELD: written})
    await marks.mark("a-2", unwritten)  # its write has not happened (yet)
    await marks.mark("a-3", stale)  # its write failed long ago
    await db[PENDING_COLLECTION].update_one(
        {"event_id": stale[0]["event_id"]},
        {"$set": {"at": datetime.now(UTC) - timedelta(hours=1)}},
    )
    await marks.mark("a-1", written)  # a retried mark adds nothing
    broker = RecordingBroker()
    relay = OutboxRelay(cast(KafkaBroker, broker), {"aggregates": aggregates}, grace_seconds=60)

    assert await relay.deliver_all() == 2
    assert sorted(broker.published) == sorted(e[0]["event_id"] for e in (legacy, written))
    left = [m["event_id"] async for m in db[PENDING_COLLECTION].find({})]
    assert left == [unwritten[0]["event_id"]]
    assert (await aggregates.find_one({"_id": "a-1"}) or {})[OUTBOX_FIELD] == []

    # After the first round only pointers are read: an unpointed event is not found.
    await aggregates.insert_one({"_id": "a-9", OUTBOX_FIELD: _entries("a-9")})
    await aggregates.insert_one({"_id": "a-2", OUTBOX_FIELD: unwritten})  # written late
    assert await relay.deliver_all() == 1
    assert broker.published[-1] == unwritten[0]["event_id"]
    assert await db[PENDING_COLLECTION].count_documents({}) == 0


async def test_a_delivery_on_request_clears_its_pointers(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    db = mongo_client[database_name]
    aggregates = db["aggregates"]
    entries = _entries("a-1")
    await OutboxRelay.marks(db, "aggregates").mark("a-1", entries)
    await aggregates.insert_one({"_id": "a-1", OUTBOX_FIELD: entries})
    broker = RecordingBroker()
    relay = OutboxRelay(cast(KafkaBroker, broker), {"aggregates": aggregates})

    assert await relay.deliver("aggregates", "a-1") is True
    assert broker.published == [entries[0]["event_id"]]
    assert await db[PENDING_COLLECTION].count_documents({}) == 0
