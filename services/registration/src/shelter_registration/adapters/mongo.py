"""MongoDB (FerretDB locally) repositories; each document holds its pending events (outbox).

FerretDB v1 has no transactions and no partial indexes, so every change is one document
write, and "one present stay per person and shelter" is enforced by inserting numbered slots
per person (see MongoStays).

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

import contextlib
from collections.abc import Sequence
from dataclasses import replace
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
from shelter_registration.service_layer.ports import EventDispatcher
from shelter_runtime.mongo import Document, ShardedCollection
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
    """Stays keyed by the string of their id; each person's stays as numbered slots.

    FerretDB v1 on SQLite reads by scanning: `find_one({"_id": ...})` scans until the first
    match (a missing or recent document costs about 3 microseconds per stored one, 300 ms at
    100,000 stays), an update scans the whole collection, and a UUID `_id` is slower still;
    only the duplicate-`_id` check of an insert is indexed. So a stay is stored under
    `str(stay_id)` and the duplicate check never reads `stays`:

    - `person_stays` (sharded by `_id`, see ShardedCollection): the stays of one person and
      mode as slots `<mode>|<person key>|0`, `|1`, ... in order of check-in, each inserted
      once with a copy of the stay document. A check-in claims the next free slot after
      checking the ones before it, so two racing check-ins of one person are serialised by
      the slot insert: the loser reads the winner's slot and is refused if it is at the same
      shelter and present ("one present stay per person and shelter", as the unique
      `present_key` index did before);
    - `stay_check_outs` (sharded): the check-out claims; a stay with a claim is not present.

    A slot is written before its stay, so a writer that died in between leaves a slot whose
    stay is missing: the next reader inserts the stay from the slot (rolls it forward; an
    insert of an existing stay is refused cheaply by its `_id`) instead of being blocked.
    `stays` itself keeps the `present_key` field for the unique index of older databases.
    """

    def __init__(self, db: AsyncDatabase[Document], topic_namespace: str) -> None:
        self.collection: AsyncCollection[Document] = db["stays"]
        self.check_outs = ShardedCollection(db, "stay_check_outs")
        self.people = ShardedCollection(db, "person_stays")
        self._namespace = topic_namespace

    async def ensure_indexes(self) -> None:
        # Nothing to create: the slots enforce one present stay per person and shelter, and
        # FerretDB would use no index to read anyway.
        return None

    async def get(self, stay_id: UUID) -> Stay | None:
        # A scan of `stays` until the stay (see above): used by a staff or self check-out only.
        doc = await self.collection.find_one({"_id": str(stay_id)}, {OUTBOX_FIELD: 0})
        return None if doc is None else _stay(doc)

    def _document(self, stay: Stay, events: Sequence[Event]) -> Document:
        return {
            "_id": str(stay.stay_id),
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

    async def add(self, stay: Stay, events: Sequence[Event]) -> None:
        document = self._document(stay, events)
        slots = await self._slots(stay.person_key, stay.training)
        while True:
            if any(s.shelter_id == stay.shelter_id and s.checked_out_at is None for s in slots):
                raise AlreadyCheckedInError(stay.shelter_id)
            slot_id = _slot_id(stay.person_key, stay.training, len(slots))
            if await self.people.insert_once({"_id": slot_id, "stay": document}):
                break
            claimed = await self.people.find_one(slot_id)  # a racing check-in took the slot
            assert claimed is not None
            slots.append(await self._slot_stay(claimed))
        with contextlib.suppress(DuplicateKeyError):  # a reader rolled our slot forward
            await self.collection.insert_one(document)

    async def _slot_stay(self, slot: Document) -> Stay:
        """The stay of a slot, checked out if claimed so; its stay document rolled forward."""
        document = slot["stay"]
        with contextlib.suppress(DuplicateKeyError):  # stored, as nearly always
            await self.collection.insert_one(document)
        stay = _stay({key: value for key, value in document.items() if key != OUTBOX_FIELD})
        check_out = await self.check_outs.find_one(document["_id"])
        if check_out is None:
            return stay
        fields = check_out["fields"]
        return replace(
            stay,
            checked_out_at=fields["checked_out_at"],
            transferred_to=fields.get("transferred_to"),
        )

    async def _slots(self, person_key: str, training: bool) -> list[Stay]:
        stays: list[Stay] = []
        while True:
            slot = await self.people.find_one(_slot_id(person_key, training, len(stays)))
            if slot is None:
                return stays
            stays.append(await self._slot_stay(slot))

    async def present(self, person_key: str, training: bool) -> list[Stay]:
        stays = await self._slots(person_key, training)
        return sorted((s for s in stays if s.checked_out_at is None), key=lambda s: s.checked_in_at)

    async def check_out(self, stay: Stay, events: Sequence[Event]) -> bool:
        change: Document = {
            "_id": str(stay.stay_id),
            "fields": {
                "checked_out_at": stay.checked_out_at,
                "transferred_to": stay.transferred_to,
                "present_key": present_key(stay),
            },
            "events": outbox_entries(EVACUEE_STAYS, self._namespace, events),
        }
        if not await self.check_outs.insert_once(change):
            claimed = await self.check_outs.find_one(change["_id"])
            if claimed is not None:
                await self._apply(claimed)  # in case its writer died before applying it
            return False
        await self._apply(change)
        return True

    async def _apply(self, change: Document) -> None:
        # Read first: the update scans the whole collection on FerretDB v1 (see above), so
        # a check-out already applied is not written again. The outbox relay needs the
        # events in the stay's own document, so this write cannot move elsewhere.
        current = await self.collection.find_one({"_id": change["_id"]}, {"checked_out_at": 1})
        if current is None or current.get("checked_out_at") is not None:
            return
        # By `_id` alone: FerretDB filters any other condition after decoding every document.
        await self.collection.update_one(
            {"_id": change["_id"]},
            {"$set": change["fields"], "$push": {OUTBOX_FIELD: {"$each": change["events"]}}},
        )


def _slot_id(person_key: str, training: bool, number: int) -> str:
    return f"{'training' if training else 'real'}|{person_key}|{number}"


class StringIdDispatcher:
    """The outbox relay addressed with a stay's UUID: stays are stored under its string."""

    def __init__(self, relay: EventDispatcher) -> None:
        self._relay = relay

    async def deliver(self, source: str, key: object) -> bool:
        return await self._relay.deliver(source, str(key) if isinstance(key, UUID) else key)


def _stay(doc: dict[str, Any]) -> Stay:
    checked_out_at: datetime | None = doc.get("checked_out_at")
    return Stay(
        stay_id=UUID(str(doc["_id"])),
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
