"""Per-stay facts and shelter capacities in MongoDB; no personal data is stored here."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shelter_runtime.mongo import Document, set_once
from shelter_stats.domain.model import ShelterCounts


class MongoStatistics:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.stays: AsyncCollection[Document] = db["stays"]
        self.shelters: AsyncCollection[Document] = db["shelters"]

    async def ensure_indexes(self) -> None:
        await self.stays.create_index([("shelter_id", 1), ("training", 1)])

    async def record_check_in(
        self, stay_id: UUID, shelter_id: str, age_band: int, training: bool, at: datetime
    ) -> bool:
        return await set_once(
            self.stays,
            stay_id,
            "checked_in_at",
            {
                "shelter_id": shelter_id,
                "age_band": age_band,
                "training": training,
                "checked_in_at": at,
            },
        )

    async def record_check_out(self, stay_id: UUID, shelter_id: str, at: datetime) -> bool:
        return await set_once(
            self.stays, stay_id, "checked_out_at", {"shelter_id": shelter_id, "checked_out_at": at}
        )

    async def record_shelter(self, shelter_id: str, capacity: int, as_of: datetime) -> bool:
        """Keep the newest capacity; an older event arriving late changes nothing."""
        try:
            await self.shelters.update_one(
                {
                    "_id": shelter_id,
                    "$or": [{"as_of": {"$lt": as_of}}, {"as_of": {"$exists": False}}],
                },
                {"$set": {"capacity": capacity, "as_of": as_of}},
                upsert=True,
            )
        except DuplicateKeyError:
            return False
        return True

    async def counts(self, shelter_id: str) -> ShelterCounts:
        real_stay = {
            "shelter_id": shelter_id,
            "checked_in_at": {"$exists": True},
            "training": False,
        }
        checked_in = await self.stays.count_documents(real_stay)
        checked_out = await self.stays.count_documents(
            {**real_stay, "checked_out_at": {"$exists": True}}
        )
        shelter = await self.shelters.find_one({"_id": shelter_id})
        return ShelterCounts(
            shelter_id=shelter_id,
            capacity=shelter["capacity"] if shelter else None,
            checked_in=checked_in,
            checked_out=checked_out,
        )
