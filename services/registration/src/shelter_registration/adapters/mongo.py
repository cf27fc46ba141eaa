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

Nor does FerretDB v1 apply an update atomically: it reads the whole document, applies the
operators and writes it back, so of two updates of one document at the same moment one is
lost, even when they touch different fields. A stay's check-out or a shelter's change
(`$set` and `$push` of its events) and the outbox relay's `$pullAll` of published events
hit the same document: a check-out (S12) or an open or close (S14) vanished with its event,
or published events came back. Every update of such a document therefore runs under
`writing(shard, _id)`, the key the relay takes too ("nothing accepted is ever lost").
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import asdict, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shelter_contracts.events import Channel, Event, ShelterType
from shelter_contracts.personal import EvacueePersonal
from shelter_contracts.topics import EVACUEE_STAYS, SHELTERS
from shelter_registration.domain.links import DisasterLink
from shelter_registration.domain.model import (
    AlreadyCheckedInError,
    ConcurrentUpdateError,
    Shelter,
    ShelterAlreadyExistsError,
    Stay,
    present_key,
)
from shelter_registration.service_layer.ports import EventDispatcher
from shelter_runtime.mongo import (
    SHARD_CONCURRENCY,
    Document,
    ShardedCollection,
    upsert,
    writing,
)
from shelter_runtime.outbox import OUTBOX_FIELD, OutboxRelay, outbox_entries

#: Shards of the stays: about 400 stays in each at 100,000 (a read by id scans one shard).
STAY_SHARDS = 256
#: Slot lists kept between a check-in's lookup and its insert (MongoStays.present, add).
READ_SLOTS_KEPT = 1024


#: Shards of the shelters: about 16 shelters in each at 1,000 (see MongoShelters).
SHELTER_SHARDS = 64

#: The names the outbox relay knows the collections by (service_layer.handlers, bootstrap).
SHELTERS_SOURCE = "shelters"
STAYS_SOURCE = "stays"

#: The shelters, kept as the shards `shelters_000` ... (see MongoShelters); `shelters` alone is
#: where they were kept before, moved into the shards once at start.
SHELTERS_COLLECTION = "shelters"
SHELTER_CHANGES_COLLECTION = "shelter_changes"
#: Every collection that holds shelter master data, shards and the older one included (the
#: disaster's purge keeps them: adapters.purge).
SHELTER_COLLECTIONS: frozenset[str] = frozenset(
    {
        SHELTERS_COLLECTION,
        SHELTER_CHANGES_COLLECTION,
        *(f"{SHELTERS_COLLECTION}_{n:03d}" for n in range(SHELTER_SHARDS)),
    }
)

#: The stays, kept as the shards `stays_000` ... (see MongoStays); `stays` alone is where
#: they were kept before, moved into the shards once at start (`MongoStays.ensure_indexes`).
STAYS_COLLECTION = "stays"
PERSON_STAYS_COLLECTION = "person_stays"

#: The collections that hold personal data (names, addresses, birth dates), for whatever
#: must find or delete it (a purge when a disaster is closed): each entry is a collection
#: name, which also covers its shards `<name>_000`, `<name>_001`, ... (ShardedCollection).
#: `stay_check_outs` holds only ids, times and digests; `outbox_pending` only ids.
PERSONAL_DATA_COLLECTIONS: tuple[str, ...] = (STAYS_COLLECTION, PERSON_STAYS_COLLECTION)


def is_personal_data_collection(name: str) -> bool:
    """True for a collection of PERSONAL_DATA_COLLECTIONS or one of its shards."""
    return any(
        name == base or (name.startswith(f"{base}_") and name[len(base) + 1 :].isdigit())
        for base in PERSONAL_DATA_COLLECTIONS
    )


class MongoShelters:
    """Shelters kept as the shards `shelters_000` ... by id; their changes claimed by insert.

    FerretDB v1 on SQLite scans a collection for every read or update, even by `_id`, and an
    update does so under the database's single write lock. With every shelter in one
    collection, each check-in's `get` and each open, close or training switch scanned all of
    them (1,000 shelters: about 2 opens a second). A shelter is therefore stored in the shard
    of its id (ShardedCollection, about 16 shelters a shard at 1,000), so `get` and `update`
    scan one shard; `all` and `list` read every shard (staff pages, imports, the disaster's
    close: rare). `shelters` alone is where they were kept before, moved into the shards once
    at start (`ensure_layout`).

    `shelter_changes` stays one collection: a change is only inserted (the duplicate-`_id`
    check is indexed) and read back only when two writers raced for the same version.
    """

    def __init__(self, db: AsyncDatabase[Document], topic_namespace: str) -> None:
        self.collection = ShardedCollection(db, SHELTERS_COLLECTION, SHELTER_SHARDS)
        self.changes: AsyncCollection[Document] = db[SHELTER_CHANGES_COLLECTION]
        self._legacy: AsyncCollection[Document] = db[SHELTERS_COLLECTION]
        self._namespace = topic_namespace
        # Events are pointed at before they are written, so the relay never scans (outbox).
        self._marks = OutboxRelay.marks(db, SHELTERS_SOURCE)

    async def ensure_layout(self) -> None:
        """Move the shelters of an older database (one `shelters` collection) into the shards.

        Safe for this service: it runs at start, before requests are served; copying inserts
        each shelter only where its id is still free (a shard's newer copy is never
        overwritten), so a repeated or concurrent move changes nothing; the old collection is
        dropped last, so a move cut short is finished at the next start. Pending events move
        with their shelter: their pointers name the shelter's id, which the relay now finds
        in its shard (and the relay's first round scans the shards for entries without one).
        """
        await _move_into_shards(self._legacy, self.collection)

    async def get(self, shelter_id: str) -> Shelter | None:
        doc = await self.collection.find_one(shelter_id, {OUTBOX_FIELD: 0})
        return None if doc is None else _shelter(doc)

    async def add(self, shelter: Shelter, events: Sequence[Event]) -> None:
        entries = outbox_entries(SHELTERS, self._namespace, events)
        await self._marks.mark(shelter.shelter_id, entries)
        document = {"_id": shelter.shelter_id, **_shelter_fields(shelter), OUTBOX_FIELD: entries}
        if not await self.collection.insert_once(document):
            raise ShelterAlreadyExistsError(shelter.shelter_id)

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
            await self._marks.mark_many([(doc["_id"], doc[OUTBOX_FIELD]) for doc in docs])
            # One insert per shard touched; an id already taken is reported, not an error.
            inserted = await self.collection.insert_many_once(docs)
            taken |= {doc["_id"] for doc in docs} - inserted
        return taken

    async def update(self, shelter: Shelter, events: Sequence[Event]) -> None:
        change: Document = {
            "_id": f"{shelter.shelter_id}#{shelter.version}",
            "shelter_id": shelter.shelter_id,
            "version": shelter.version,
            "fields": _shelter_fields(shelter),
            "events": outbox_entries(SHELTERS, self._namespace, events),
        }
        await self._marks.mark(shelter.shelter_id, change["events"])
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
        shard = self.collection.of(change["shelter_id"])
        # Under the document's write lock, which the outbox relay's $pullAll takes too: on
        # FerretDB v1 either write could otherwise undo the other (module docstring), and
        # the version filter and the write are one step within this process.
        async with writing(shard, change["shelter_id"]):
            await shard.update_one(
                {"_id": change["shelter_id"], **version_filter},
                {"$set": change["fields"], "$push": {OUTBOX_FIELD: {"$each": change["events"]}}},
            )

    async def _read_all(self, query: Document) -> list[Document]:
        """The matching shelters of every shard, without their outbox: a few shards at once."""
        limit = asyncio.Semaphore(SHARD_CONCURRENCY)

        async def read(shard: AsyncCollection[Document]) -> list[Document]:
            async with limit:
                return await shard.find(query, {OUTBOX_FIELD: 0}).to_list()

        found = await asyncio.gather(*(read(shard) for shard in self.collection.all()))
        return [doc for docs in found for doc in docs]

    async def all(self) -> list[Shelter]:
        # One read per shard, not per shelter: a query per imported row made a 2,000-row
        # import take minutes.
        return [_shelter(doc) for doc in await self._read_all({})]

    async def list(self, offset: int, limit: int) -> tuple[list[Shelter], int]:
        # Sorted here: the shards hold a few thousand small documents between them at most.
        docs = sorted(await self._read_all({"deleted": {"$ne": True}}), key=lambda d: d["_id"])
        return [_shelter(doc) for doc in docs[offset : offset + limit]], len(docs)


async def _move_into_shards(legacy: AsyncCollection[Document], shards: ShardedCollection) -> None:
    """Copy an old single collection into its shards, ids as strings (an id already there is
    skipped, so a second run or a second instance is harmless), 500 a round trip, then drop it."""
    if legacy.name not in await legacy.database.list_collection_names():
        return
    batch: list[Document] = []
    async for doc in legacy.find({}):
        batch.append({**doc, "_id": str(doc["_id"])})
        if len(batch) == 500:
            await shards.insert_many_once(batch)
            batch = []
    if batch:
        await shards.insert_many_once(batch)
    await legacy.drop()


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
    `str(stay_id)` in the shard of that id (`stays_000` ...: a read, the check-out's update
    and the outbox relay's delivery scan one shard, about 400 stays at 100,000), and the
    duplicate check never reads the stays:

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
    A stay keeps the `present_key` field for the unique index of older databases.
    """

    def __init__(self, db: AsyncDatabase[Document], topic_namespace: str) -> None:
        self.collection = ShardedCollection(db, STAYS_COLLECTION, STAY_SHARDS)
        self.check_outs = ShardedCollection(db, "stay_check_outs")
        self.people = ShardedCollection(db, PERSON_STAYS_COLLECTION)
        self._legacy: AsyncCollection[Document] = db[STAYS_COLLECTION]
        self._namespace = topic_namespace
        self._marks = OutboxRelay.marks(db, STAYS_SOURCE)
        # The slots `present` just read, which the check-in's `add` then starts from instead
        # of reading them again (see `add`); bounded, as a lookup that is not followed by an
        # add (a refusal) leaves its entry.
        self._read_slots: OrderedDict[tuple[str, bool], list[Stay]] = OrderedDict()

    async def ensure_indexes(self) -> None:
        """Move the stays of an older database (one `stays` collection) into the shards.

        No index to create: the slots enforce one present stay per person and shelter, and
        FerretDB would use no index to read anyway. The move runs at start, before requests
        are served; copying is idempotent (an id already in its shard is skipped), so two
        instances starting together both succeed, and the old collection is dropped last.
        Pending events keep their pointers and reach Kafka from the shards.
        """
        await _move_into_shards(self._legacy, self.collection)

    async def get(self, stay_id: UUID) -> Stay | None:
        # A scan of the stay's shard until the stay (see above).
        doc = await self.collection.find_one(str(stay_id), {OUTBOX_FIELD: 0})
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
        await self._marks.mark(document["_id"], document[OUTBOX_FIELD])
        # Slots are inserted once, so slots read a moment ago are a true beginning of the list
        # (a slot taken since is found by the insert below); only a refusal needs a fresh read,
        # as a stay that was present then may have been checked out since.
        slots = self._read_slots.pop((stay.person_key, stay.training), None)
        if slots is None or _present_at(slots, stay.shelter_id):
            slots = await self._slots(stay.person_key, stay.training)
        while True:
            if _present_at(slots, stay.shelter_id):
                raise AlreadyCheckedInError(stay.shelter_id)
            slot_id = _slot_id(stay.person_key, stay.training, len(slots))
            if await self.people.insert_once({"_id": slot_id, "stay": document}):
                break
            claimed = await self.people.find_one(slot_id)  # a racing check-in took the slot
            assert claimed is not None
            slots.append(await self._slot_stay(claimed))
        # Refused (False) when a reader rolled our slot forward already.
        await self.collection.insert_once(document)

    async def _slot_stay(self, slot: Document) -> Stay:
        """The stay of a slot, checked out if claimed so; its stay document rolled forward."""
        document = slot["stay"]
        await self.collection.insert_once(document)  # refused: stored, as nearly always
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
        self._read_slots[(person_key, training)] = list(stays)
        while len(self._read_slots) > READ_SLOTS_KEPT:
            self._read_slots.popitem(last=False)
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
        await self._marks.mark(change["_id"], change["events"])
        if not await self.check_outs.insert_once(change):
            claimed = await self.check_outs.find_one(change["_id"])
            if claimed is not None:
                await self._apply(claimed)  # in case its writer died before applying it
            return False
        await self._apply(change)
        return True

    async def _apply(self, change: Document) -> None:
        # Read first: the update scans the whole shard on FerretDB v1 (see above), so a
        # check-out already applied is not written again. The outbox relay needs the
        # events in the stay's own document, so this write cannot move elsewhere.
        # Under the stay's write lock, which the outbox relay's $pullAll of its check-in
        # events takes too: on FerretDB v1 either write could otherwise undo the other
        # (module docstring); the check and the write are then one step within this process.
        shard = self.collection.of(change["_id"])
        async with writing(shard, change["_id"]):
            current = await shard.find_one({"_id": change["_id"]}, {"checked_out_at": 1})
            if current is None or current.get("checked_out_at") is not None:
                return
            # By `_id` alone: FerretDB filters any other condition after decoding every document.
            await shard.update_one(
                {"_id": change["_id"]},
                {"$set": change["fields"], "$push": {OUTBOX_FIELD: {"$each": change["events"]}}},
            )


def _present_at(stays: Sequence[Stay], shelter_id: str) -> bool:
    return any(s.shelter_id == shelter_id and s.checked_out_at is None for s in stays)


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
        await upsert(self.collection, "status-items", {"$set": {"items": list(items)}})


class MongoLinks:
    """The staff home page's links to other disaster pages (S15), one settings document."""

    _ID = "disaster-links"

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["settings"]

    async def get(self) -> tuple[DisasterLink, ...]:
        doc = await self.collection.find_one({"_id": self._ID})
        return () if doc is None else tuple(DisasterLink(**link) for link in doc["links"])

    async def set(self, links: tuple[DisasterLink, ...]) -> None:
        # A replace of one whole document by `_id`: the last administrator's list wins.
        links_doc = {"links": [asdict(link) for link in links]}
        await upsert(self.collection, self._ID, links_doc, replace=True)
