"""What registration deletes and keeps when the disaster is closed, and its log (S10.3).

Deletion is by exclusion: every collection of the database is emptied except the ones named
in `KEPT_COLLECTIONS`, which hold no personal data (shelter master data and its shards,
settings, the audit and outbox bookkeeping, the closures). So stays, person slots, check-outs,
card-read claims and any collection added later (sharded stays included) are deleted without
anyone having to remember to list them; `PERSONAL_DATA_COLLECTIONS` of adapters.mongo, where
kept, is checked against this in tests. The count after the deletion is what confirms it
(shelter_runtime.disaster.MongoPersonalData).
"""

from __future__ import annotations

import contextlib
from uuid import UUID

from faststream.kafka import KafkaBroker
from opentelemetry import propagate
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shelter_contracts.events import DisasterClosed, DisasterExported, PersonalDataDeleted
from shelter_contracts.topics import DISASTER
from shelter_registration.adapters.mongo import SHELTER_COLLECTIONS
from shelter_runtime.audit import COLLECTION as AUDIT_OUTBOX
from shelter_runtime.disaster import MongoPersonalData
from shelter_runtime.mongo import Document
from shelter_runtime.outbox import OUTBOX_FIELD, PENDING_COLLECTION, OutboxRelay

CLOSURES = "disaster_closures"
REPORTS = "disaster_reports"
EXPORTS = "disaster_exports"
CLOSURES_SOURCE = "disaster_closures"

#: Collections without personal data, kept when the disaster is closed; all others are emptied.
KEPT_COLLECTIONS = frozenset(
    {
        # Shelter master data (S10.6), kept closed for the next disaster: its shards, the
        # older single collection and the facts by version (adapters.mongo.MongoShelters).
        *SHELTER_COLLECTIONS,
        "settings",  # status items, links
        AUDIT_OUTBOX,  # ids and counts only, by contract (AuditRecorded)
        PENDING_COLLECTION,  # pointers `<source>|<id>|<event id>`; stale ones expire
        CLOSURES,
        REPORTS,
        EXPORTS,  # export ids, times and counts (DisasterExported)
    }
)


def personal_data(db: AsyncDatabase[Document]) -> MongoPersonalData:
    """Registration's personal data: every collection but `KEPT_COLLECTIONS`."""
    return MongoPersonalData(db, KEPT_COLLECTIONS)


class MongoOutboxBacklog:
    """The pointers of events written and not yet acknowledged by Kafka (shelters, stays)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.pending_collection: AsyncCollection[Document] = db[PENDING_COLLECTION]

    async def pending(self) -> int:
        return await self.pending_collection.count_documents({})


class MongoDisasterLog:
    """Closures (each with its `DisasterClosed` in an embedded outbox) and deletion reports."""

    def __init__(
        self,
        db: AsyncDatabase[Document],
        broker: KafkaBroker,
        topic_namespace: str,
        interval_seconds: float = 2.0,
    ) -> None:
        self.closures: AsyncCollection[Document] = db[CLOSURES]
        self.reports_collection: AsyncCollection[Document] = db[REPORTS]
        self.exports: AsyncCollection[Document] = db[EXPORTS]
        self._topic = DISASTER.name(topic_namespace)
        # Closures are few: the relay scans them instead of keeping pointers.
        self.relay = OutboxRelay(
            broker, {CLOSURES_SOURCE: self.closures}, interval_seconds, keep_pointers=False
        )

    async def add_closure(self, event: DisasterClosed) -> None:
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        entry = {
            "event_id": str(event.event_id),
            "topic": self._topic,
            "key": event.key,
            "payload": event.model_dump(mode="json"),
            "trace": carrier,
        }
        doc_id = str(event.closure_id)
        await self.closures.insert_one(
            {
                "_id": doc_id,
                "occurred_at": event.occurred_at,
                "event": event.model_dump(mode="json"),
                OUTBOX_FIELD: [entry],
            }
        )
        await self.relay.deliver(CLOSURES_SOURCE, doc_id)  # else the relay sends it later

    async def latest_closure(self) -> DisasterClosed | None:
        docs = await self.closures.find({}, {"event": 1, "occurred_at": 1}).to_list()
        if not docs:
            return None
        latest = max(docs, key=lambda d: str(d["event"]["occurred_at"]))
        return DisasterClosed.model_validate(latest["event"])

    async def add_report(self, report: PersonalDataDeleted) -> None:
        doc = {
            "_id": str(report.event_id),
            "closure_id": str(report.closure_id),
            "report": report.model_dump(mode="json"),
        }
        with contextlib.suppress(DuplicateKeyError):  # a replay: kept already
            await self.reports_collection.insert_one(doc)

    async def reports(self, closure_id: UUID) -> list[PersonalDataDeleted]:
        docs = await self.reports_collection.find({"closure_id": str(closure_id)}).to_list()
        return [PersonalDataDeleted.model_validate(d["report"]) for d in docs]

    async def add_export(self, event: DisasterExported) -> None:
        doc = {"_id": str(event.event_id), "export": event.model_dump(mode="json")}
        with contextlib.suppress(DuplicateKeyError):  # a replay: kept already
            await self.exports.insert_one(doc)

    async def latest_export(self) -> DisasterExported | None:
        docs = await self.exports.find({}).to_list()
        found = [DisasterExported.model_validate(d["export"]) for d in docs]
        return max(found, key=lambda e: e.occurred_at, default=None)
