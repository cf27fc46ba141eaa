"""A transactional outbox embedded in the aggregate's own document.

FerretDB has no multi-document transactions, so an aggregate and the events it produced are
written in one document: the events wait in its `outbox` array until Kafka has acknowledged
them, then are pulled out. A relay retries whatever is left (Kafka down, process killed), so an
accepted change always reaches the bus; consumers drop the duplicates a retry may cause by
event id. The trace context of the request is kept with each event so a relayed event still
joins the request's trace.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from faststream.kafka import KafkaBroker
from opentelemetry import context, propagate
from pymongo.asynchronous.collection import AsyncCollection

from shelter_contracts.events import Event
from shelter_contracts.topics import Topic
from shelter_runtime.mongo import Document

OUTBOX_FIELD = "outbox"
log = logging.getLogger(__name__)


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


class OutboxRelay:
    """Publishes the outbox entries of the given collections, oldest first, and removes them."""

    def __init__(
        self,
        broker: KafkaBroker,
        collections: Mapping[str, AsyncCollection[Document]],
        interval_seconds: float = 2.0,
        deliver_timeout_seconds: float = 5.0,
    ) -> None:
        self._broker = broker
        self._collections = collections
        self._interval = interval_seconds
        self._deliver_timeout = deliver_timeout_seconds
        self._lock = asyncio.Lock()

    async def deliver(self, source: str, doc_id: Any) -> bool:
        """Deliver the pending events of one document now; False if Kafka did not take them.

        Bounded in time so a request never hangs on a broker outage: what is not delivered
        stays in the outbox for the relay.
        """
        collection = self._collections[source]
        try:
            async with asyncio.timeout(self._deliver_timeout):
                doc = await collection.find_one({"_id": doc_id}, {OUTBOX_FIELD: 1})
                return True if not doc else await self._publish_all(collection, doc)
        except TimeoutError:
            log.warning("outbox delivery timed out; the relay will retry")
            return False

    async def deliver_all(self) -> int:
        """One pass over every collection; returns the number of events published."""
        published = 0
        async with self._lock:
            for collection in self._collections.values():
                cursor = collection.find(
                    {f"{OUTBOX_FIELD}.0": {"$exists": True}}, {OUTBOX_FIELD: 1}
                ).sort("_id", 1)
                async for doc in cursor:
                    before = len(doc.get(OUTBOX_FIELD, []))
                    if not await self._publish_all(collection, doc):
                        return published
                    published += before
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
        for entry in doc.get(OUTBOX_FIELD, []):
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
            # Pull by the whole entry as read: FerretDB v1 ignores a $pull with a condition
            # ({"event_id": ...}) without an error, but matches an exact value.
            await collection.update_one({"_id": doc["_id"]}, {"$pull": {OUTBOX_FIELD: entry}})
        return True
