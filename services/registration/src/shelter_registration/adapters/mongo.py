"""MongoDB (FerretDB locally) repositories; each document holds its pending events (outbox).

FerretDB v1 has no transactions and no partial indexes, so every change is one document
write, and "one present stay per person and shelter" is a unique index on a key that a stay
holds only while present (`present_key`); a check-out replaces it with the stay's own id.

FerretDB v1 also does not evaluate an update's filter atomically with its write: two
`update_one({"_id": x, "version": 2}, ...)` racing each other can both match (measured on the
test stack: about half of 30 races). Inserts, on the other hand, are refused atomically on a
duplicate key. So a conditional change is claimed first by inserting a change record whose
`_id` names the change (the shelter's next version, the stay's check-out); only the request
whose insert succeeds applies it. The record carries the whole change, so if the process
dies between claim and apply, the next request that runs into the claim applies it (rolls it
forward) instead of being blocked by it for ever; applying twice sets the same fields and at
worst queues an event twice under the same event id, which consumers drop.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shelter_contracts.events import Channel, Event, ShelterType
from shelter_contracts.personal import EvacueePersonal
from shelter_contracts.topics import EVACUEE_STAYS, SHELTERS
from shelter_registration.domain.model import (
    AlreadyCheckedInError,
    ConcurrentUpdateError,
    Shelter,
    ShelterAlreadyExistsError,
    Stay,
    present_key,
)
from shelter_runtime.mongo import Document
from shelter_runtime.outbox import OUTBOX_FIELD, outbox_entries

DUPLICATE_KEY = 11000


class MongoShelters:
    def __init__(self, db: AsyncDatabase[Document], topic_namespace: str) -> None:
        self.collection: AsyncCollection[Document] = db["shelters"]
        self.changes: AsyncCollection[Document] = db["shelter_changes"]
        self._namespace = topic_namespace

    async def get(self, shelter_id: str) -> Shelter | None:
        doc = await self.collection.find_one({"_id": shelter_id}, {OUTBOX_FIELD: 0})
        return None if doc is None else _shelter(doc)

    async def add(self, shelter: Shelter, events: Sequence[Event]) -> None:
        try:
            await self.collection.insert_one(
                {
                    "_id": shelter.shelter_id,
                    **_shelter_fields(shelter),
                    OUTBOX_FIELD: outbox_entries(SHELTERS, self._namespace, events),
                }
            )
        except DuplicateKeyError as exc:
            raise ShelterAlreadyExistsError(shelter.shelter_id) from exc

    async def add_many(self, shelters: Sequence[tuple[Shelter, Sequence[Event]]]) -> set[str]:
        taken: set[str] = set()
        for start in range(0, len(shelters), 500):
            docs = [
                {
                    "_id": shelter.shelter_id,
                    **_shelter_fields(shelter),
                    OUTBOX_FIELD: outbox_entries(SHELTERS, self._namespace, events),
                }
                for shelter, events in shelters[start : start + 500]
            ]
            try:
                await self.collection.insert_many(docs, ordered=False)
            except BulkWriteError as exc:
                errors = exc.details.get("writeErrors", [])
                if any(e.get("code") != DUPLICATE_KEY for e in errors):
                    raise
                taken |= {docs[e["index"]]["_id"] for e in errors}
        return taken

    async def update(self, shelter: Shelter, events: Sequence[Event]) -> None:
        change: Document = {
            "_id": f"{shelter.shelter_id}#{shelter.version}",
            "shelter_id": shelter.shelter_id,
            "version": shelter.version,
            "fields": _shelter_fields(shelter),
            "events": outbox_entries(SHELTERS, self._namespace, events),
        }
        try:
            await self.changes.insert_one(change)
        except DuplicateKeyError as exc:
            claimed = await self.changes.find_one({"_id": change["_id"]})
            if claimed is not None:
                await self._apply(claimed)  # in case its writer died before applying it
            raise ConcurrentUpdateError(shelter.shelter_id) from exc
        await self._apply(change)

    async def _apply(self, change: Document) -> None:
        read_version = change["version"] - 1
        version_filter: Document = {"version": read_version}
        if read_version == 1:  # documents written before versions were stored
            version_filter = {"$or": [version_filter, {"version": {"$exists": False}}]}
        await self.collection.update_one(
            {"_id": change["shelter_id"], **version_filter},
            {"$set": change["fields"], "$push": {OUTBOX_FIELD: {"$each": change["events"]}}},
        )

    async def all(self) -> list[Shelter]:
        # One scan: FerretDB v1 scans for any filter but _id, so a query per imported row
        # made a 2,000-row import take minutes.
        docs = await self.collection.find({}, {OUTBOX_FIELD: 0}).to_list()
        return [_shelter(doc) for doc in docs]

    async def list(self, offset: int, limit: int) -> tuple[list[Shelter], int]:
        live = {"deleted": {"$ne": True}}
        total = await self.collection.count_documents(live)
        cursor = self.collection.find(live, {OUTBOX_FIELD: 0}).sort("_id", 1).skip(offset)
        docs = await cursor.limit(limit).to_list()
        return [_shelter(doc) for doc in docs], total


def _shelter_fields(shelter: Shelter) -> Document:
    return {
        "name": shelter.name,
        "capacity": shelter.capacity,
        "address": shelter.address,
        "shelter_type": shelter.shelter_type.value,
        "latitude": shelter.latitude,
        "longitude": shelter.longitude,
        "open_data_id": shelter.open_data_id,
        "municipality_code": shelter.municipality_code,
        "is_open": shelter.is_open,
        "opened_at": shelter.opened_at,
        "opened_by": shelter.opened_by,
        "closed_at": shelter.closed_at,
        "closed_by": shelter.closed_by,
        "training": shelter.training,
        "deleted": shelter.deleted,
        "version": shelter.version,
    }


def _shelter(doc: Document) -> Shelter:
    return Shelter(
        shelter_id=doc["_id"],
        name=doc["name"],
        capacity=doc["capacity"],
        is_open=doc.get("is_open", False),
        address=doc.get("address", ""),
        shelter_type=ShelterType(doc.get("shelter_type", ShelterType.DESIGNATED)),
        latitude=doc.get("latitude"),
        longitude=doc.get("longitude"),
        open_data_id=doc.get("open_data_id"),
        municipality_code=doc.get("municipality_code"),
        opened_at=doc.get("opened_at"),
        opened_by=doc.get("opened_by"),
        closed_at=doc.get("closed_at"),
        closed_by=doc.get("closed_by"),
        training=doc.get("training", False),
        deleted=doc.get("deleted", False),
        version=doc.get("version", 1),
    )


class MongoStays:
    def __init__(self, db: AsyncDatabase[Document], topic_namespace: str) -> None:
        self.collection: AsyncCollection[Document] = db["stays"]
        self.check_outs: AsyncCollection[Document] = db["stay_check_outs"]
        self._namespace = topic_namespace

    async def ensure_indexes(self) -> None:
        # Stays written before present_key existed get one first: a unique index refuses
        # two documents that both lack the field.
        async for doc in self.collection.find({"present_key": {"$exists": False}}):
            stay = _stay(doc)
            await self.collection.update_one(
                {"_id": stay.stay_id},
                {"$set": {"person_key": stay.person_key, "present_key": present_key(stay)}},
            )
        await self.collection.create_index([("shelter_id", 1), ("checked_in_at", 1)])
        await self.collection.create_index([("person_key", 1)])
        await self.collection.create_index([("present_key", 1)], unique=True)

    async def get(self, stay_id: UUID) -> Stay | None:
        doc = await self.collection.find_one({"_id": stay_id}, {OUTBOX_FIELD: 0})
        return None if doc is None else _stay(doc)

    async def add(self, stay: Stay, events: Sequence[Event]) -> None:
        try:
            await self.collection.insert_one(
                {
                    "_id": stay.stay_id,
                    "shelter_id": stay.shelter_id,
                    "channel": int(stay.channel),
                    "personal": stay.personal.model_dump(mode="json"),
                    "person_key": stay.person_key,
                    "present_key": present_key(stay),
                    "checked_in_at": stay.checked_in_at,
                    "checked_out_at": None,
                    "training": stay.training,
                    "transferred_from": stay.transferred_from,
                    "transferred_to": None,
                    "remarks": stay.remarks,
                    OUTBOX_FIELD: outbox_entries(EVACUEE_STAYS, self._namespace, events),
                }
            )
        except DuplicateKeyError as exc:
            raise AlreadyCheckedInError(stay.shelter_id) from exc

    async def present(self, person_key: str, training: bool) -> list[Stay]:
        cursor = self.collection.find(
            {"person_key": person_key, "checked_out_at": None, "training": training},
            {OUTBOX_FIELD: 0},
        ).sort("checked_in_at", 1)
        return [_stay(doc) for doc in await cursor.to_list()]

    async def check_out(self, stay: Stay, events: Sequence[Event]) -> bool:
        change: Document = {
            "_id": stay.stay_id,
            "fields": {
                "checked_out_at": stay.checked_out_at,
                "transferred_to": stay.transferred_to,
                "present_key": present_key(stay),
            },
            "events": outbox_entries(EVACUEE_STAYS, self._namespace, events),
        }
        try:
            await self.check_outs.insert_one(change)
        except DuplicateKeyError:
            claimed = await self.check_outs.find_one({"_id": stay.stay_id})
            if claimed is not None:
                await self._apply(claimed)  # in case its writer died before applying it
            return False
        await self._apply(change)
        return True

    async def _apply(self, change: Document) -> None:
        await self.collection.update_one(
            {"_id": change["_id"], "checked_out_at": None},
            {"$set": change["fields"], "$push": {OUTBOX_FIELD: {"$each": change["events"]}}},
        )


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
        transferred_from=doc.get("transferred_from"),
        transferred_to=doc.get("transferred_to"),
        remarks=doc.get("remarks"),
        person_key=doc.get("person_key", ""),
    )


class MongoStatusItems:
    """The status items of the public form (S10.7), one settings document."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["settings"]

    async def get(self) -> tuple[str, ...] | None:
        doc = await self.collection.find_one({"_id": "status-items"})
        return None if doc is None else tuple(doc["items"])

    async def set(self, items: tuple[str, ...]) -> None:
        await self.collection.update_one(
            {"_id": "status-items"}, {"$set": {"items": list(items)}}, upsert=True
        )
