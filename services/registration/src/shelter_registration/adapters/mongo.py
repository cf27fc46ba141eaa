"""MongoDB (FerretDB locally) repositories; each document holds its pending events (outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shelter_contracts.events import Channel, Event
from shelter_contracts.personal import EvacueePersonal
from shelter_contracts.topics import EVACUEE_STAYS, SHELTERS
from shelter_registration.domain.model import Shelter, ShelterAlreadyExistsError, Stay
from shelter_runtime.mongo import Document
from shelter_runtime.outbox import OUTBOX_FIELD, outbox_entries


class MongoShelters:
    def __init__(self, db: AsyncDatabase[Document], topic_namespace: str) -> None:
        self.collection: AsyncCollection[Document] = db["shelters"]
        self._namespace = topic_namespace

    async def get(self, shelter_id: str) -> Shelter | None:
        doc = await self.collection.find_one({"_id": shelter_id})
        if doc is None:
            return None
        return Shelter(
            shelter_id=doc["_id"],
            name=doc["name"],
            capacity=doc["capacity"],
            is_open=doc["is_open"],
        )

    async def add(self, shelter: Shelter, events: Sequence[Event]) -> None:
        try:
            await self.collection.insert_one(
                {
                    "_id": shelter.shelter_id,
                    "name": shelter.name,
                    "capacity": shelter.capacity,
                    "is_open": shelter.is_open,
                    OUTBOX_FIELD: outbox_entries(SHELTERS, self._namespace, events),
                }
            )
        except DuplicateKeyError as exc:
            raise ShelterAlreadyExistsError(shelter.shelter_id) from exc


class MongoStays:
    def __init__(self, db: AsyncDatabase[Document], topic_namespace: str) -> None:
        self.collection: AsyncCollection[Document] = db["stays"]
        self._namespace = topic_namespace

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("shelter_id", 1), ("checked_in_at", 1)])

    async def get(self, stay_id: UUID) -> Stay | None:
        doc = await self.collection.find_one({"_id": stay_id})
        return None if doc is None else _stay(doc)

    async def add(self, stay: Stay, events: Sequence[Event]) -> None:
        await self.collection.insert_one(
            {
                "_id": stay.stay_id,
                "shelter_id": stay.shelter_id,
                "channel": int(stay.channel),
                "personal": stay.personal.model_dump(mode="json"),
                "checked_in_at": stay.checked_in_at,
                "checked_out_at": None,
                "training": stay.training,
                OUTBOX_FIELD: outbox_entries(EVACUEE_STAYS, self._namespace, events),
            }
        )

    async def check_out(self, stay: Stay, events: Sequence[Event]) -> bool:
        result = await self.collection.update_one(
            {"_id": stay.stay_id, "checked_out_at": None},
            {
                "$set": {"checked_out_at": stay.checked_out_at},
                "$push": {
                    OUTBOX_FIELD: {"$each": outbox_entries(EVACUEE_STAYS, self._namespace, events)}
                },
            },
        )
        return result.modified_count == 1


def _stay(doc: dict[str, Any]) -> Stay:
    checked_out_at: datetime | None = doc.get("checked_out_at")
    return Stay(
        stay_id=doc["_id"],
        shelter_id=doc["shelter_id"],
        channel=Channel(doc["channel"]),
        personal=EvacueePersonal.model_validate(doc["personal"]),
        checked_in_at=doc["checked_in_at"],
        checked_out_at=checked_out_at,
        training=doc.get("training", False),
    )
