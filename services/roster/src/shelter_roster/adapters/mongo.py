"""The roster in MongoDB (FerretDB locally): entries, numbers, shelter names, settings.

Every write is a single-document operation (FerretDB has no multi-document transactions).

Why this shape: FerretDB v1 on SQLite uses no index to read. `find_one({"_id": <string>})`
scans until the first match (about 3 microseconds per document: 1 ms for an old document,
67 ms for a recent or missing one among 20,000), any other filter and every update scans the
whole collection (an update by `_id` 200-450 ms at 50,000 documents, an upsert of a new `_id`
3 s), and a UUID `_id` is slower still. Only an insert's duplicate-`_id` check is indexed.
So the entries, which grow to 100,000 and more, are written by inserts only, under string
ids, each kept in one of 128 shards by its `_id` (shelter_runtime.mongo.ShardedCollection):
a read scans one shard of about 800 documents (1-3 ms).

- `check_ins`: the check-in facts of a stay, `_id` = str(stay id), inserted once (a replay or
  a different check-in of the same stay is refused by the duplicate `_id`: the first wins);
- `check_outs`: the check-out facts, the same way, so both arrive in any order;
- `corrections`: staff corrections, `_id` = `<stay id>#<revision>` (1, 2, ...). Inserting
  revision n+1 is the claim that the entry was at revision n: two racing corrections of the
  same revision cannot both land (FerretDB refuses the duplicate insert atomically, while it
  does not apply an update's filter atomically). The corrections are the edit history;
- `shelter_entries`: one small document per shelter listing its stays (`in`: one string
  `<check-in ms>|<training 0/1>|<stay id>` per check-in; `out`: stays checked out),
  updated with `$addToSet` by `_id` in small collections (sharded, about 60 shelters each),
  so the update is cheap. Only the stays consumer writes it, and Kafka hands it the events
  of one shelter one at a time, so its read-modify-write updates (not atomic on FerretDB)
  never race; staff corrections do not touch it (a correction is found by reading
  `<stay id>#1`, a nearly empty collection). It is written before the check-in or check-out
  it lists, so a crash in between is repaired by the redelivery; a listed stay whose
  check-in is missing is skipped.

An entry document, as the handlers and the API see it, is put together from these by stay id
(`_id` is the UUID again). A shelter's roster is read from its `shelter_entries` document:
ordering, training and presence come from it, so a page reads only its own entries; a name
or status filter reads all entries of the shelter. Queries across all shelters (staff
search without a shelter) and the public search scan `check_ins`: rare, staff-only or rate
limited reads, and the collections written before this layout (UUID `_id`s in `entries`)
are left behind.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any
from uuid import UUID

from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shelter_roster.domain.disclosure import AgeFormat, DisclosureSettings
from shelter_roster.domain.model import (
    CheckInFacts,
    CheckOutFacts,
    EntryNumbers,
    EntryQuery,
    Presence,
    PublicQuery,
)
from shelter_roster.service_layer.documents import check_in_fields, check_out_fields
from shelter_runtime.mongo import Document, ShardedCollection

#: Shards of the per-shelter listings (about 60 shelters in each at 1,000 shelters).
LISTING_SHARDS = 16
#: Concurrent reads while putting entries together.
READ_CONCURRENCY = 32


def entry_matches(doc: Document, query: EntryQuery) -> bool:
    """Whether an entry document is one a staff roster query lists."""
    if "checked_in_at" not in doc:
        return False
    if query.shelter_id is not None and doc.get("shelter_id") != query.shelter_id:
        return False
    if (doc.get("training") is True) != query.training:
        return False
    if query.presence is Presence.PRESENT and "checked_out_at" in doc:
        return False
    if query.presence is Presence.CHECKED_OUT and "checked_out_at" not in doc:
        return False
    if query.status_item is not None and query.status_item not in (doc.get("statuses") or []):
        return False
    folded = doc.get("folded") or {}
    # A name is matched as text, never as a pattern (NoSQL injection, S4.2).
    return (
        not query.name
        or query.name in folded.get("name", "")
        or query.name in folded.get("kana", "")
    )


def public_matches(doc: Document, query: PublicQuery) -> bool:
    """Present, real entries whose folded family and/or given name equal the query's."""
    if "checked_in_at" not in doc or "checked_out_at" in doc or doc.get("training") is True:
        return False
    folded = doc.get("folded") or {}
    family, given = query.family_name, query.given_name
    return (not family or family in (folded.get("family"), folded.get("family_kana"))) and (
        not given or given in (folded.get("given"), folded.get("given_kana"))
    )


def public_names_filter(query: PublicQuery, prefix: str) -> Document:
    """Stored documents that may match a public query (names under `prefix`)."""
    names: list[Document] = []
    if query.family_name:
        names.append(
            {
                "$or": [
                    {f"{prefix}folded.family": query.family_name},
                    {f"{prefix}folded.family_kana": query.family_name},
                ]
            }
        )
    if query.given_name:
        names.append(
            {
                "$or": [
                    {f"{prefix}folded.given": query.given_name},
                    {f"{prefix}folded.given_kana": query.given_name},
                ]
            }
        )
    if not names:
        raise ValueError("a public search needs a family or given name")
    return {"$and": names}


def _name_filter(name: str, prefix: str) -> Document:
    # Escaped: a name is matched as text, never as a pattern (NoSQL injection, S4.2).
    pattern = re.escape(name)
    return {
        "$or": [
            {f"{prefix}folded.name": {"$regex": pattern}},
            {f"{prefix}folded.kana": {"$regex": pattern}},
        ]
    }


def _order(doc: Document) -> tuple[datetime, int]:
    # MongoDB ordered UUID ids by their bytes, as UUID.int does.
    at: datetime = doc["checked_in_at"]
    stay_id: UUID = doc["_id"]
    return at, stay_id.int


def listing_entry(at: datetime, training: bool, stay_id: str) -> str:
    return f"{round(at.timestamp() * 1000)}|{int(training)}|{stay_id}"


class MongoRosterEntries:
    """Check-in and check-out facts are each written once, in either order (see above)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.check_ins = ShardedCollection(db, "check_ins")
        self.check_outs = ShardedCollection(db, "check_outs")
        self.corrections = ShardedCollection(db, "corrections")
        self.listings = ShardedCollection(db, "shelter_entries", LISTING_SHARDS)

    async def ensure_indexes(self) -> None:
        return None  # every read and write that must be fast is by `_id`

    async def _list(self, shelter_id: str, field: str, values: Sequence[str]) -> None:
        update = {"$addToSet": {field: {"$each": list(values)}}}
        listings = self.listings.of(shelter_id)
        try:
            await listings.update_one({"_id": shelter_id}, update, upsert=True)
        except DuplicateKeyError:  # created a moment ago by another write: add to it
            await listings.update_one({"_id": shelter_id}, update)

    async def record_check_in(self, facts: CheckInFacts, numbers: EntryNumbers) -> bool:
        stay_id = str(facts.stay_id)
        if await self.check_ins.find_one(stay_id, {"_id": 1}) is not None:
            return False  # the first check-in of a stay stands; not listed twice either
        listed = listing_entry(facts.checked_in_at, facts.training, stay_id)
        await self._list(facts.shelter_id, "in", [listed])
        return await self.check_ins.insert_once({"_id": stay_id, **check_in_fields(facts, numbers)})

    async def record_check_out(self, facts: CheckOutFacts) -> bool:
        stay_id = str(facts.stay_id)
        await self._list(facts.shelter_id, "out", [stay_id])
        return await self.check_outs.insert_once({"_id": stay_id, **check_out_fields(facts)})

    async def _corrections(self, stay_id: str) -> list[Document]:
        found: list[Document] = []
        while True:
            doc = await self.corrections.find_one(f"{stay_id}#{len(found) + 1}")
            if doc is None:
                return found
            found.append(doc)

    async def _entry(
        self, stay_id: str, *, checked_out: bool = True, corrected: bool = True
    ) -> Document | None:
        """The entry document of a stay; `checked_out`/`corrected` False skip known absences."""
        check_in = await self.check_ins.find_one(stay_id)
        check_out = await self.check_outs.find_one(stay_id) if checked_out else None
        if check_in is None and check_out is None:
            return None
        doc: Document = {**(check_in or {}), **(check_out or {})}
        if check_in is not None and corrected:
            for correction in await self._corrections(stay_id):
                doc.update(correction["fields"])
                doc["revision"] = correction["revision"]
        doc["_id"] = UUID(stay_id)
        return doc

    async def _entries(self, wanted: Iterable[tuple[str, bool, bool]]) -> list[Document]:
        limit = asyncio.Semaphore(READ_CONCURRENCY)

        async def one(stay_id: str, checked_out: bool, corrected: bool) -> Document | None:
            async with limit:
                return await self._entry(stay_id, checked_out=checked_out, corrected=corrected)

        docs = await asyncio.gather(*(one(*w) for w in wanted))
        return [d for d in docs if d is not None]

    async def get(self, stay_id: UUID) -> Document | None:
        return await self._entry(str(stay_id))

    async def _listed(self, query: EntryQuery, shelter_id: str) -> list[tuple[str, bool, bool]]:
        """The shelter's stays of the query's mode and presence, in roster order, as
        (stay id, checked out, maybe corrected)."""
        listing = await self.listings.find_one(shelter_id) or {}
        out = set(listing.get("out") or [])
        seen: dict[str, tuple[int, bool]] = {}
        doubtful: set[str] = set()
        for entry in listing.get("in") or []:
            at, training, stay_id = entry.split("|", 2)
            if stay_id in seen:
                doubtful.add(stay_id)  # two check-ins listed: the stored one decides
            seen.setdefault(stay_id, (int(at), training == "1"))
        for stay_id in doubtful:
            stored = await self.check_ins.find_one(stay_id, {"checked_in_at": 1, "training": 1})
            if stored is not None:
                seen[stay_id] = (
                    round(stored["checked_in_at"].timestamp() * 1000),
                    stored.get("training") is True,
                )
        rows = []
        for stay_id, (at, training) in seen.items():
            if training != query.training:
                continue
            if query.presence is Presence.PRESENT and stay_id in out:
                continue
            if query.presence is Presence.CHECKED_OUT and stay_id not in out:
                continue
            rows.append((at, UUID(stay_id).int, stay_id))
        rows.sort()
        return [(stay_id, stay_id in out, True) for _, _, stay_id in rows]

    async def _scan(self, query: EntryQuery) -> list[Document]:
        """Every matching entry, read by scanning (queries across all shelters): one pass over
        each collection, put together here."""
        stored: Document = {"training": True if query.training else {"$ne": True}}
        if query.name:
            # A name search reads only the entries whose stored or corrected names contain it.
            ids = {
                str(d["_id"])
                async for d in self.check_ins.find_all(
                    {**stored, **_name_filter(query.name, "")}, {"_id": 1}
                )
            }
            ids.update(
                [
                    d["stay_id"]
                    async for d in self.corrections.find_all(
                        _name_filter(query.name, "fields."), {"stay_id": 1}
                    )
                ]
            )
            docs = await self._entries((stay_id, True, True) for stay_id in ids)
            return sorted((d for d in docs if entry_matches(d, query)), key=_order)
        check_ins = [d async for d in self.check_ins.find_all(stored)]
        check_outs = {d["_id"]: d async for d in self.check_outs.find_all({})}
        corrections: dict[str, list[Document]] = {}
        async for correction in self.corrections.find_all({}):
            corrections.setdefault(correction["stay_id"], []).append(correction)
        docs = []
        for check_in in check_ins:
            stay_id = check_in["_id"]
            doc = {**check_in, **check_outs.get(stay_id, {})}
            for correction in sorted(corrections.get(stay_id, []), key=lambda c: c["revision"]):
                if correction["revision"] != doc.get("revision", 0) + 1:
                    break
                doc.update(correction["fields"])
                doc["revision"] = correction["revision"]
            doc["_id"] = UUID(stay_id)
            if entry_matches(doc, query):
                docs.append(doc)
        return sorted(docs, key=_order)

    async def _matching(self, query: EntryQuery) -> list[Document]:
        if query.shelter_id is None:
            return await self._scan(query)
        docs = await self._entries(await self._listed(query, query.shelter_id))
        return [d for d in docs if entry_matches(d, query)]

    @staticmethod
    def _needs_documents(query: EntryQuery) -> bool:
        return query.shelter_id is None or bool(query.name) or query.status_item is not None

    async def find(self, query: EntryQuery, limit: int, skip: int) -> list[Document]:
        if self._needs_documents(query):
            return (await self._matching(query))[skip : skip + limit]
        assert query.shelter_id is not None
        page = (await self._listed(query, query.shelter_id))[skip : skip + limit]
        # A listed stay whose check-in is not stored yet (a crash between the two writes,
        # repaired by the redelivery) is skipped.
        return [d for d in await self._entries(page) if entry_matches(d, query)]

    async def count(self, query: EntryQuery) -> int:
        if self._needs_documents(query):
            return len(await self._matching(query))
        assert query.shelter_id is not None
        return len(await self._listed(query, query.shelter_id))

    async def search_public(self, query: PublicQuery, limit: int) -> list[Document]:
        # Scans: names corrected by staff are in `corrections`, the others in `check_ins`.
        ids = {
            str(d["_id"])
            async for d in self.check_ins.find_all(
                {"training": {"$ne": True}, **public_names_filter(query, "")}, {"_id": 1}
            )
        }
        ids.update(
            [
                d["stay_id"]
                async for d in self.corrections.find_all(
                    public_names_filter(query, "fields."), {"stay_id": 1}
                )
            ]
        )
        docs = await self._entries((stay_id, True, True) for stay_id in ids)
        return sorted((d for d in docs if public_matches(d, query)), key=_order)[:limit]

    async def correct(self, stay_id: UUID, revision: int, fields: Document, edit: Document) -> bool:
        doc = await self.get(stay_id)
        # Entries stored before corrections existed have no revision yet: that is revision 0.
        if doc is None or "checked_in_at" not in doc or doc.get("revision", 0) != revision:
            return False
        key = str(stay_id)
        return await self.corrections.insert_once(
            {
                "_id": f"{key}#{revision + 1}",
                "stay_id": key,
                "revision": revision + 1,
                "fields": fields,
                "edit": edit,
            },
        )

    async def history(self, stay_id: UUID) -> list[Document]:
        return [c["edit"] for c in await self._corrections(str(stay_id))]


class MongoNumbering:
    """Counters (`$inc` with upsert); serials per stay and numbers per household (first
    insert wins, so a number once given is never replaced). Sharded by `_id` (see
    ShardedCollection): serials and households grow with the stays."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.counters = ShardedCollection(db, "counters", LISTING_SHARDS)
        self.serials = ShardedCollection(db, "serials")
        self.households = ShardedCollection(db, "households")

    async def _next(self, counter: str) -> int:
        for _ in range(2):
            try:
                doc = await self.counters.of(counter).find_one_and_update(
                    {"_id": counter},
                    {"$inc": {"value": 1}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:  # two first upserts raced; the counter exists now
                continue
            assert doc is not None
            return int(doc["value"])
        raise RuntimeError(f"counter {counter} could not be incremented")

    async def _number_once(self, collection: ShardedCollection, key: str, counter: str) -> int:
        known = await collection.find_one(key)
        if known is not None:
            return int(known["number"])
        number = await self._next(counter)
        if not await collection.insert_once({"_id": key, "number": number}):
            # Numbered meanwhile by another delivery: its number stands (ours is a gap).
            known = await collection.find_one(key)
            assert known is not None
            return int(known["number"])
        return number

    async def serial(self, shelter_id: str, stay_id: UUID, training: bool) -> int:
        return await self._number_once(
            self.serials, str(stay_id), f"serial|{_mode(training)}|{shelter_id}"
        )

    async def household_number(self, shelter_id: str, household_key: str, training: bool) -> int:
        return await self._number_once(
            self.households,
            f"{_mode(training)}|{shelter_id}|{household_key}",
            f"household|{_mode(training)}|{shelter_id}",
        )


def _mode(training: bool) -> str:
    return "training" if training else "real"


class MongoShelterDirectory:
    """The latest name of each shelter: a write lands only with a higher version."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["shelters"]

    async def record(self, shelter_id: str, version: int, name: str, deleted: bool) -> bool:
        try:
            await self.collection.update_one(
                {"_id": shelter_id, "version": {"$lt": version}},
                {"$set": {"version": version, "name": name, "deleted": deleted}},
                upsert=True,
            )
        except DuplicateKeyError:  # the stored version is the same or newer
            return False
        return True

    async def names(self, shelter_ids: Iterable[str]) -> dict[str, str]:
        ids = sorted(set(shelter_ids))
        if not ids:
            return {}
        cursor = self.collection.find({"_id": {"$in": ids}})
        return {doc["_id"]: doc["name"] async for doc in cursor}


class MongoRosterSettings:
    """Roster settings, one document each."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["settings"]

    async def disclosure(self) -> DisclosureSettings:
        doc = await self.collection.find_one({"_id": "disclosure"})
        if doc is None:
            return DisclosureSettings()
        known = {f.name for f in fields(DisclosureSettings)}
        values: dict[str, Any] = {k: v for k, v in doc.items() if k in known}
        values["age_format"] = AgeFormat(values.get("age_format", AgeFormat.YEARS))
        return DisclosureSettings(**values)

    async def save_disclosure(self, settings: DisclosureSettings) -> None:
        values = asdict(settings)
        values["age_format"] = settings.age_format.value
        await self.collection.replace_one({"_id": "disclosure"}, values, upsert=True)
