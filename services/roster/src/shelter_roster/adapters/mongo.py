"""Roster entries in MongoDB (FerretDB locally): one document per stay."""

from __future__ import annotations

from uuid import UUID

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from shelter_roster.domain.model import CheckInFacts, CheckOutFacts
from shelter_runtime.mongo import Document, set_once


class MongoRosterEntries:
    """Check-in and check-out facts are each written once (`set_once`), in either order."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["entries"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("shelter_id", 1), ("checked_in_at", 1)])

    async def record_check_in(self, facts: CheckInFacts) -> bool:
        return await set_once(
            self.collection,
            facts.stay_id,
            "checked_in_at",
            {
                "shelter_id": facts.shelter_id,
                "channel": int(facts.channel),
                "personal": facts.personal.model_dump(mode="json"),
                "statuses": list(facts.statuses),
                "message": facts.message,
                "checked_in_at": facts.checked_in_at,
                "training": facts.training,
            },
        )

    async def record_check_out(self, facts: CheckOutFacts) -> bool:
        return await set_once(
            self.collection,
            facts.stay_id,
            "checked_out_at",
            {
                "shelter_id": facts.shelter_id,
                "checked_out_at": facts.checked_out_at,
                "forced_check_out": facts.forced,
            },
        )

    async def get(self, stay_id: UUID) -> Document | None:
        return await self.collection.find_one({"_id": stay_id})

    async def list_for_shelter(self, shelter_id: str, limit: int, skip: int) -> list[Document]:
        cursor = (
            self.collection.find({"shelter_id": shelter_id, "checked_in_at": {"$exists": True}})
            .sort([("checked_in_at", 1), ("_id", 1)])
            .skip(skip)
            .limit(limit)
        )
        return [doc async for doc in cursor]
