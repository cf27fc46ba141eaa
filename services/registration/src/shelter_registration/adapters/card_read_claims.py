"""Claims of applied card reads, one document per event id (sharded: FerretDB reads by scan)."""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.asynchronous.database import AsyncDatabase

from shelter_runtime.mongo import Document, ShardedCollection


class MongoCardReadClaims:
    def __init__(self, db: AsyncDatabase[Document], shards: int = 16) -> None:
        self.claims = ShardedCollection(db, "card_read_claims", shards)

    async def claim(self, event_id: str, shelter_id: str) -> bool:
        fresh = await self.claims.insert_once(
            {"_id": event_id, "shelter_id": shelter_id, "claimed_at": datetime.now(UTC)}
        )
        if fresh:
            return True
        doc = await self.claims.find_one(event_id, {"outcome": 1})
        return doc is None or "outcome" not in doc

    async def finish(self, event_id: str, outcome: str) -> None:
        await self.claims.of(event_id).update_one(
            {"_id": event_id}, {"$set": {"outcome": outcome, "finished_at": datetime.now(UTC)}}
        )
