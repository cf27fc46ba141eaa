"""A transactional outbox embedded in the aggregate's own document.

FerretDB has no multi-document transactions, so an aggregate and the events it produced are
written in one document: the events wait in its `outbox` array until Kafka has acknowledged
them, then are pulled out. A relay retries whatever is left (Kafka down, process killed), so an
accepted change always reaches the bus; consumers drop the duplicates a retry may cause by
event id. The trace context of the request is kept with each event so a relayed event still
joins the request's trace.

Finding what is left must not scan the aggregates (100,000 stays and more, no index on
FerretDB): writers first insert a pointer per event into a small `outbox_pending` collection
(`OutboxMarks`, `_id` = `<source>|<document id>|<event id>`), then write the aggregate. The
relay reads the pointers, publishes what the aggregates hold, and deletes the pointers of
published events; a pointer whose event never reached its aggregate (the write failed after
the pointer was inserted) is dropped after a grace period. Aggregates written before pointers
existed are found by one scan at start.

FerretDB v1 applies an update as "read the whole document, apply, write it back" with no
transaction, so the relay's `$pullAll` of published events and a writer's `$set` + `$push`
of the same aggregate at the same moment can undo one another: a check-out or a shelter's
opening lost with its event, or published events back in the outbox. The `$pullAll` runs
under `writing(collection, _id)` (the collection that holds the aggregate: a shard for a
`ShardedCollection`), the key the aggregate's writers take for their updates; the lock is
held for the update only, never while publishing to Kafka.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from faststream.kafka import KafkaBroker
from opentelemetry import context, propagate
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, PyMongoError

from shelter_contracts.events import Event
from shelter_contracts.topics import Topic
from shelter_runtime.mongo import DUPLICATE_KEY, Document, ShardedCollection, writing

OUTBOX_FIELD = "outbox"
log = logging.getLogger(__name__)

#: Where a source's aggregates live: one collection, or one kept as shards by `_id` (a large
#: one: each read or update by `_id` then scans one shard, see `ShardedCollection`).
OutboxSource = AsyncCollection[Document] | ShardedCollection


def _holding(source: OutboxSource, doc_id: Any) -> AsyncCollection[Document]:
    """The collection that holds the aggregate `doc_id` of `source`."""
    return source.of(str(doc_id)) if isinstance(source, ShardedCollection) else source


def _parts(source: OutboxSource) -> list[AsyncCollection[Document]]:
    return source.all() if isinstance(source, ShardedCollection) else [source]


def outbox_entries(topic: Topic, namespace: str, events: Sequence[Event]) -> list[Document]:
    """What to store in the aggregate's `outbox` array for these events."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return [
        {
            "event_id": str(event.event_id),
            "topic": topic.name(namespace),
            "key": event.shelter_id,
            "payload": event.model_dump(mode="json"),
            "trace": carrier,
        }
        for event in events
    ]


PENDING_COLLECTION = "outbox_pending"


def _marker_id(source: str, doc_id: Any, event_id: str) -> str:
    return f"{source}|{doc_id}|{event_id}"


class OutboxMarks:
    """Pointers to the events a writer is about to store in the outbox of `source`."""

    def __init__(self, pending: AsyncCollection[Document], source: str) -> None:
        self._pending = pending
        self.source = source

    async def mark(self, doc_id: Any, entries: Sequence[Document]) -> None:
        """Insert before the aggregate's write: a pointer without its event costs a check."""
        await self.mark_many([(doc_id, entries)])

    async def mark_many(self, documents: Sequence[tuple[Any, Sequence[Document]]]) -> None:
        at = datetime.now(UTC)
        markers = [
            {
                "_id": _marker_id(self.source, doc_id, e["event_id"]),
                "source": self.source,
                "doc_id": doc_id,
                "event_id": e["event_id"],
                "at": at,
            }
            for doc_id, entries in documents
            for e in entries
        ]
        if not markers:
            return
        try:
            await self._pending.insert_many(markers, ordered=False)
        except BulkWriteError as error:  # marked already (a retry): nothing to add
            if any(e.get("code") != DUPLICATE_KEY for e in error.details.get("writeErrors", [])):
                raise


class OutboxRelay:
    """Publishes the outbox entries of the given collections, oldest first, and removes them."""

    def __init__(
        self,
        broker: KafkaBroker,
        collections: Mapping[str, OutboxSource],
        interval_seconds: float = 2.0,
        deliver_timeout_seconds: float = 5.0,
        *,
        keep_pointers: bool = True,
        grace_seconds: float = 300.0,
    ) -> None:
        """`keep_pointers`: find pending events through `outbox_pending` in the database of
        the collections (written by `OutboxMarks`); False scans the collections instead."""
        pending = None
        if keep_pointers and collections:
            pending = next(iter(collections.values())).database[PENDING_COLLECTION]
        self._broker = broker
        self._collections = collections
        self._interval = interval_seconds
        self._deliver_timeout = deliver_timeout_seconds
        self._pending = pending
        self._grace = timedelta(seconds=grace_seconds)
        self._scanned = pending is None
        self._lock = asyncio.Lock()

    @staticmethod
    def marks(db: AsyncDatabase[Document], source: str) -> OutboxMarks:
        """The pointer writer of one source collection of `db` (see the module docstring)."""
        return OutboxMarks(db[PENDING_COLLECTION], source)

    async def deliver(self, source: str, doc_id: Any) -> bool:
        """Deliver the pending events of one document now; False if Kafka did not take them.

        Bounded in time so a request never hangs on a broker outage: what is not delivered
        stays in the outbox for the relay.
        """
        try:
            async with asyncio.timeout(self._deliver_timeout):
                return await self._deliver(source, doc_id) is not None
        except TimeoutError:
            log.warning("outbox delivery timed out; the relay will retry")
            return False

    async def _deliver(self, source: str, doc_id: Any) -> set[str] | None:
        """Publish the document's outbox; the event ids it held, None if Kafka refused."""
        collection = _holding(self._collections[source], doc_id)
        doc = await collection.find_one({"_id": doc_id}, {OUTBOX_FIELD: 1})
        return set() if not doc else await self._publish_document(source, collection, doc)

    async def _publish_document(
        self, source: str, collection: AsyncCollection[Document], doc: Document
    ) -> set[str] | None:
        """Publish the outbox of `doc` and delete its pointers; None if Kafka refused."""
        held = {str(e["event_id"]) for e in doc.get(OUTBOX_FIELD, [])}
        if not await self._publish_all(collection, doc):
            return None
        if self._pending is not None and held:
            ids = [_marker_id(source, doc["_id"], event_id) for event_id in held]
            try:
                await self._pending.delete_many({"_id": {"$in": ids}})
            except PyMongoError:  # published already: a pointer left over is dropped later
                log.warning("outbox pointers not deleted; the relay will drop them")
        return held

    async def deliver_all(self) -> int:
        """One pass over the pending pointers; returns the number of events published."""
        async with self._lock:
            if not self._scanned:
                published = await self._scan_all()
                if published is None:
                    return 0
                self._scanned = True
                return published + await self._deliver_pending()
            return await self._deliver_pending()

    async def _deliver_pending(self) -> int:
        if self._pending is None:
            return await self._scan_all() or 0
        markers: dict[tuple[str, Any], list[Document]] = {}
        async for marker in self._pending.find({}):
            markers.setdefault((marker["source"], marker["doc_id"]), []).append(marker)
        published = 0
        now = datetime.now(UTC)
        for (source, doc_id), group in sorted(markers.items(), key=lambda kv: str(kv[0])):
            if source not in self._collections:
                continue
            held = await self._deliver(source, doc_id)
            if held is None:
                return published
            published += len(held)
            # Not in the aggregate: published and pulled before, or its write never happened.
            stale = [m["_id"] for m in group if m["event_id"] not in held and self._old(m, now)]
            if stale:
                await self._pending.delete_many({"_id": {"$in": stale}})
        return published

    def _old(self, marker: Document, now: datetime) -> bool:
        at: datetime = marker["at"]
        if at.tzinfo is None:
            at = at.replace(tzinfo=UTC)
        return now - at > self._grace

    async def _scan_all(self) -> int | None:
        """Every collection, scanned for outbox entries (aggregates written without pointers)."""
        published = 0
        for source, collections in self._collections.items():
            for collection in _parts(collections):
                cursor = collection.find(
                    {f"{OUTBOX_FIELD}.0": {"$exists": True}}, {OUTBOX_FIELD: 1}
                ).sort("_id", 1)
                async for doc in cursor:
                    held = await self._publish_document(source, collection, doc)
                    if held is None:
                        return None
                    published += len(held)
        return published

    async def run(self) -> None:
        """Relay forever (a lifespan task); errors are logged and retried next round."""
        while True:
            try:
                count = await self.deliver_all()
                if count:
                    log.info("outbox relayed events", extra={"count": count})
            except Exception:
                log.exception("outbox relay round failed")
            await asyncio.sleep(self._interval)

    async def _publish_all(self, collection: AsyncCollection[Document], doc: Document) -> bool:
        published: list[Document] = []
        try:
            for entry in doc.get(OUTBOX_FIELD, []):
                if not await self._publish(entry):
                    return False
                published.append(entry)
        finally:
            if published:
                # One update for the document (each scans its collection on FerretDB v1), by
                # the whole entries as read: FerretDB v1 ignores a $pull with a condition
                # ({"event_id": ...}) without an error, but matches exact values. Under the
                # document's write lock, which its writers take too (module docstring).
                async with writing(collection, doc["_id"]):
                    await collection.update_one(
                        {"_id": doc["_id"]}, {"$pullAll": {OUTBOX_FIELD: published}}
                    )
        return True

    async def _publish(self, entry: Document) -> bool:
        token = context.attach(propagate.extract(entry.get("trace", {})))
        try:
            await self._broker.publish(
                entry["payload"],
                topic=entry["topic"],
                key=entry["key"].encode(),
                headers={"event-type": entry["payload"].get("event_type", "")},
            )
        except Exception:
            log.warning(
                "outbox publish failed; will retry",
                extra={"event_id": entry["event_id"], "topic": entry["topic"]},
            )
            return False
        finally:
            context.detach(token)
        return True
