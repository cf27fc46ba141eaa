"""The integration service's read model in MongoDB (FerretDB locally): one document per shelter.

`shelters`: `_id` the shelter id, `version` and `facts` (the facts of the highest version
seen), `counted_at` and `occupancy` (the latest counts). Every read and write is by `_id` on a
collection of one small document per shelter, so FerretDB's lack of indexes costs little.
The facts and the counts of one shelter come from two topics whose consumers run side by
side, so every write of a shelter holds its write lock (`shelter_runtime.mongo.writing`):
FerretDB would otherwise keep only one of two writes made at the same moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shelter_contracts.events import CrowdingLevel, ShelterType
from shelter_integration.domain.model import Facts, Occupancy, ShelterState
from shelter_runtime.mongo import Document, writing

PUBLISHED: Document = {"facts": {"$exists": True}, "facts.deleted": {"$ne": True}}


def facts_document(facts: Facts) -> Document:
    return {
        "name": facts.name,
        "capacity": facts.capacity,
        "address": facts.address,
        "shelter_type": facts.shelter_type.value,
        "latitude": facts.latitude,
        "longitude": facts.longitude,
        "open_data_id": facts.open_data_id,
        "municipality_code": facts.municipality_code,
        "is_open": facts.is_open,
        "opened_at": facts.opened_at,
        "closed_at": facts.closed_at,
        "training": facts.training,
        "deleted": facts.deleted,
        "changed_at": facts.changed_at,
    }


def occupancy_document(occupancy: Occupancy) -> Document:
    return {
        "present": occupancy.present,
        "households": occupancy.households,
        "female": occupancy.female,
        "male": occupancy.male,
        "age_bands": dict(occupancy.age_bands),
        "capacity": occupancy.capacity,
        "occupancy_rate": occupancy.occupancy_rate,
        "crowding_level": occupancy.crowding_level.value if occupancy.crowding_level else None,
    }


def state_from(document: Document) -> ShelterState:
    facts = occupancy = None
    stored: dict[str, Any] | None = document.get("facts")
    if stored is not None:
        facts = Facts(
            version=int(document["version"]),
            name=stored["name"],
            capacity=int(stored["capacity"]),
            address=stored.get("address") or "",
            shelter_type=ShelterType(stored.get("shelter_type") or ShelterType.DESIGNATED),
            latitude=stored.get("latitude"),
            longitude=stored.get("longitude"),
            open_data_id=stored.get("open_data_id"),
            municipality_code=stored.get("municipality_code"),
            is_open=bool(stored.get("is_open")),
            opened_at=stored.get("opened_at"),
            closed_at=stored.get("closed_at"),
            training=bool(stored.get("training")),
            deleted=bool(stored.get("deleted")),
            changed_at=stored.get("changed_at"),
        )
    counts: dict[str, Any] | None = document.get("occupancy")
    if counts is not None:
        level = counts.get("crowding_level")
        occupancy = Occupancy(
            counted_at=document["counted_at"],
            present=int(counts.get("present") or 0),
            households=int(counts.get("households") or 0),
            female=int(counts.get("female") or 0),
            male=int(counts.get("male") or 0),
            age_bands={str(k): int(v) for k, v in (counts.get("age_bands") or {}).items()},
            capacity=counts.get("capacity"),
            occupancy_rate=counts.get("occupancy_rate"),
            crowding_level=CrowdingLevel(level) if level else None,
        )
    return ShelterState(document["_id"], facts, occupancy)


class MongoShelters:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.shelters: AsyncCollection[Document] = db["shelters"]

    async def _update_if(self, condition: Document, update: Document) -> bool:
        async with writing(self.shelters, condition["_id"]):
            try:
                await self.shelters.update_one(condition, update, upsert=True)
            except DuplicateKeyError:  # the document exists and the condition is false
                result = await self.shelters.update_one(condition, update)
                return result.matched_count > 0
            return True

    async def record_facts(self, shelter_id: str, facts: Facts) -> bool:
        return await self._update_if(
            {
                "_id": shelter_id,
                "$or": [{"version": {"$lt": facts.version}}, {"version": {"$exists": False}}],
            },
            {"$set": {"version": facts.version, "facts": facts_document(facts)}},
        )

    async def record_occupancy(self, shelter_id: str, occupancy: Occupancy) -> bool:
        return await self._update_if(
            {
                "_id": shelter_id,
                "$or": [
                    {"counted_at": {"$lt": occupancy.counted_at}},
                    {"counted_at": {"$exists": False}},
                ],
            },
            {
                "$set": {
                    "counted_at": occupancy.counted_at,
                    "occupancy": occupancy_document(occupancy),
                }
            },
        )

    async def states(self, shelter_ids: Sequence[str]) -> list[ShelterState]:
        found = {
            doc["_id"]: state_from(doc)
            async for doc in self.shelters.find({"_id": {"$in": list(shelter_ids)}})
        }
        return [found.get(shelter_id, ShelterState(shelter_id)) for shelter_id in shelter_ids]

    async def all_states(self) -> list[ShelterState]:
        return [state_from(doc) async for doc in self.shelters.find({}).sort("_id", 1)]

    async def page(self, limit: int, offset: int) -> tuple[list[ShelterState], int]:
        cursor = self.shelters.find(PUBLISHED).sort("_id", 1).skip(offset).limit(limit)
        items = [state_from(doc) async for doc in cursor]
        return items, await self.shelters.count_documents(PUBLISHED)
