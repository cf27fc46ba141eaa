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
import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, fields
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

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
    ToNumber,
)
from shelter_roster.service_layer.documents import check_in_fields, check_out_fields
from shelter_runtime.mongo import Document, ShardedCollection

log = logging.getLogger(__name__)

#: Shards of the per-shelter listings (about 60 shelters in each at 1,000 shelters).
LISTING_SHARDS = 128
#: Concurrent reads while putting entries together.
READ_CONCURRENCY = 32
#: Shards of the public-search name keys (all documents of one key in one shard).
NAME_KEY_SHARDS = 128
#: Entries read at a time while a public search collects its results.
PUBLIC_READ_CHUNK = 50
#: Shards of the numbering documents (two per shelter: real and training).
NUMBERING_SHARDS = 128


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


def name_keys(folded: Document) -> set[str]:
    """The public-search keys of folded names: `f:` family name, `g:` given name, each as
    written and in kana (a query matches either)."""
    tagged = (("f", "family"), ("f", "family_kana"), ("g", "given"), ("g", "given_kana"))
    return {f"{tag}:{folded[field]}" for tag, field in tagged if folded.get(field)}


def _name_key_of(doc_id: str) -> str:
    # `<key>|<check-in ms>|<stay id>`: the key may hold anything, the other two never a `|`.
    return doc_id.rsplit("|", 2)[0]


def name_documents(stay_id: str, at: datetime, folded: Document) -> list[Document]:
    ms = round(at.timestamp() * 1000)
    return [{"_id": f"{key}|{ms:013d}|{stay_id}"} for key in sorted(name_keys(folded))]


def listing_entry(at: datetime, training: bool, stay_id: str) -> str:
    return f"{round(at.timestamp() * 1000)}|{int(training)}|{stay_id}"


class MongoRosterEntries:
    """Check-in and check-out facts are each written once, in either order (see above)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.check_ins = ShardedCollection(db, "check_ins")
        self.check_outs = ShardedCollection(db, "check_outs")
        self.corrections = ShardedCollection(db, "corrections")
        self.listings = ShardedCollection(db, "shelter_entries", LISTING_SHARDS)
        self.names = ShardedCollection(db, "name_keys", NAME_KEY_SHARDS, _name_key_of)
        #: Corrections not yet published for statistics (a small collection, one shard).
        self.pending_corrections = ShardedCollection(db, "corrections_pending", 1)
        #: Called after a correction was stored (wakes the publisher).
        self.on_corrected: Callable[[], None] | None = None

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
        doc = check_in_fields(facts, numbers)
        if not facts.training:
            await self.names.insert_many_once(
                name_documents(stay_id, facts.checked_in_at, doc["folded"])
            )
        return await self.check_ins.insert_once({"_id": stay_id, **doc})

    async def record_check_out(self, facts: CheckOutFacts) -> bool:
        stay_id = str(facts.stay_id)
        await self._list(facts.shelter_id, "out", [stay_id])
        return await self.check_outs.insert_once({"_id": stay_id, **check_out_fields(facts)})

    async def record_many(
        self,
        check_ins: Sequence[tuple[CheckInFacts, EntryNumbers]],
        check_outs: Sequence[CheckOutFacts],
    ) -> set[UUID]:
        """A batch: one listing update per shelter, one insert per shard (see above)."""
        listed: dict[str, dict[str, list[str]]] = {}
        for facts, _ in check_ins:
            entry = listing_entry(facts.checked_in_at, facts.training, str(facts.stay_id))
            listed.setdefault(facts.shelter_id, {"in": [], "out": []})["in"].append(entry)
        for out in check_outs:
            listed.setdefault(out.shelter_id, {"in": [], "out": []})["out"].append(str(out.stay_id))
        await self.listings.update_many_by_id(
            {
                shelter_id: {"$addToSet": {f: {"$each": v} for f, v in fields.items() if v}}
                for shelter_id, fields in listed.items()
            }
        )
        docs = [{"_id": str(f.stay_id), **check_in_fields(f, n)} for f, n in check_ins]
        names = [
            name
            for doc in docs
            if doc.get("training") is not True
            for name in name_documents(doc["_id"], doc["checked_in_at"], doc["folded"])
        ]
        arrived, left, _ = await asyncio.gather(
            self.check_ins.insert_many_once(docs),
            self.check_outs.insert_many_once(
                [{"_id": str(o.stay_id), **check_out_fields(o)} for o in check_outs]
            ),
            self.names.insert_many_once(names),
        )
        return {UUID(stay_id) for stay_id in arrived | left}

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
        rows = await self._rows(await self.listings.find_one(shelter_id) or {}, query)
        return [(stay_id, out, True) for _, _, stay_id, out in sorted(rows)]

    async def _listed_everywhere(self, query: EntryQuery) -> list[tuple[str, bool, bool]]:
        """As `_listed`, for every shelter: one read of each listing shard (a few thousand
        small documents at 1,000 shelters), never of the entries themselves."""
        rows = []
        async for listing in self.listings.find_all({}):
            rows += await self._rows(listing, query)
        return [(stay_id, out, True) for _, _, stay_id, out in sorted(rows)]

    async def _rows(self, listing: Document, query: EntryQuery) -> list[tuple[int, int, str, bool]]:
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
            rows.append((at, UUID(stay_id).int, stay_id, stay_id in out))
        return rows

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
        return bool(query.name) or query.status_item is not None

    async def _listed_for(self, query: EntryQuery) -> list[tuple[str, bool, bool]]:
        if query.shelter_id is None:
            return await self._listed_everywhere(query)
        return await self._listed(query, query.shelter_id)

    async def find(self, query: EntryQuery, limit: int, skip: int) -> list[Document]:
        if self._needs_documents(query):
            return (await self._matching(query))[skip : skip + limit]
        page = (await self._listed_for(query))[skip : skip + limit]
        # A listed stay whose check-in is not stored yet (a crash between the two writes,
        # repaired by the redelivery) is skipped.
        return [d for d in await self._entries(page) if entry_matches(d, query)]

    async def count(self, query: EntryQuery) -> int:
        if self._needs_documents(query):
            return len(await self._matching(query))
        return len(await self._listed_for(query))

    async def search_public(self, query: PublicQuery, limit: int) -> list[Document]:
        """Candidates from the name keys (one range read of one shard per name given), oldest
        check-in first, read and checked a few at a time until `limit` are found."""
        sides = [f"f:{query.family_name}" if query.family_name else None]
        sides.append(f"g:{query.given_name}" if query.given_name else None)
        candidates: set[tuple[int, int, str]] | None = None
        for key in filter(None, sides):
            found = set()
            for doc_id in await self.names.ids_with_prefix(f"{key}|", key):
                _, ms, stay_id = doc_id.rsplit("|", 2)
                found.add((int(ms), UUID(stay_id).int, stay_id))
            candidates = found if candidates is None else candidates & found
        if candidates is None:
            raise ValueError("a public search needs a family or given name")
        ordered = [stay_id for _, _, stay_id in sorted(candidates)]
        results: list[Document] = []
        for start in range(0, len(ordered), PUBLIC_READ_CHUNK):
            chunk = ordered[start : start + PUBLIC_READ_CHUNK]
            docs = await self._entries((stay_id, True, True) for stay_id in chunk)
            results += sorted((d for d in docs if public_matches(d, query)), key=_order)
            if len(results) >= limit:
                break
        return results[:limit]

    async def correct(self, stay_id: UUID, revision: int, fields: Document, edit: Document) -> bool:
        doc = await self.get(stay_id)
        # Entries stored before corrections existed have no revision yet: that is revision 0.
        if doc is None or "checked_in_at" not in doc or doc.get("revision", 0) != revision:
            return False
        key = str(stay_id)
        folded = fields.get("folded")
        if folded and doc.get("training") is not True:
            # Before the correction: a key without its correction only costs a check.
            await self.names.insert_many_once(name_documents(key, doc["checked_in_at"], folded))
        correction_id = f"{key}#{revision + 1}"
        if "personal" in fields:
            # Statistics count sex and age band: point the publisher at the correction first
            # (adapters.corrections), so a crash after the insert loses no event.
            await self.pending_corrections.insert_many_once(
                [{"_id": correction_id, "at": datetime.now(UTC)}]
            )
        written = await self.corrections.insert_once(
            {
                "_id": correction_id,
                "stay_id": key,
                "revision": revision + 1,
                "fields": fields,
                "edit": edit,
            },
        )
        if written and self.on_corrected is not None:
            self.on_corrected()
        return written

    async def history(self, stay_id: UUID) -> list[Document]:
        return [c["edit"] for c in await self._corrections(str(stay_id))]


class MongoNumbering:
    """One numbering document per shelter and mode, `_id` = `<mode>|<shelter id>`:
    `serial` and `household` (the last numbers given), `stays` (stay id hex -> serial) and
    `households` (digest of the household key -> number). Numbering a batch reads the document
    once and writes it once (`$inc` the counters, `$set` the new numbers), so a replay draws
    nothing and gets the same numbers; the documents of a batch are read with one query and
    written with one bulk write per shard. Only the stays consumer numbers, and Kafka hands it
    a shelter's events one batch at a time, so the read-then-write never races; the documented
    exception is a consumer-group rebalance while a batch is being applied, where two writers
    may give the same number twice. Sharded by `_id` (see ShardedCollection)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.documents = ShardedCollection(db, "numbering", NUMBERING_SHARDS)

    async def number_many(
        self, wanted: Sequence[ToNumber]
    ) -> list[tuple[dict[UUID, int], dict[str, int]]]:
        doc_ids = [f"{_mode(w.training)}|{w.shelter_id}" for w in wanted]
        if len(set(doc_ids)) != len(doc_ids):
            raise ValueError("one request per shelter and mode")
        docs = await self.documents.find_many(doc_ids)
        updates: dict[str, Document] = {}
        results = []
        for doc_id, w in zip(doc_ids, wanted, strict=True):
            doc = docs.get(doc_id) or {}
            stays: dict[str, int] = dict(doc.get("stays") or {})
            households: dict[str, int] = dict(doc.get("households") or {})
            serial, household = int(doc.get("serial") or 0), int(doc.get("household") or 0)
            new: Document = {}
            for stay_id in dict.fromkeys(s.hex for s in w.stay_ids):
                if stay_id not in stays:
                    serial += 1
                    stays[stay_id] = new[f"stays.{stay_id}"] = serial
            for key in dict.fromkeys(_digest(k) for k in w.household_keys):
                if key not in households:
                    household += 1
                    households[key] = new[f"households.{key}"] = household
            if new:
                updates[doc_id] = {
                    "$set": new,
                    "$inc": {
                        "serial": serial - int(doc.get("serial") or 0),
                        "household": household - int(doc.get("household") or 0),
                    },
                }
            results.append(
                (
                    {s: int(stays[s.hex]) for s in w.stay_ids},
                    {k: int(households[_digest(k)]) for k in w.household_keys},
                )
            )
        await self.documents.update_many_by_id(updates)
        return results

    async def serial(self, shelter_id: str, stay_id: UUID, training: bool) -> int:
        [(serials, _)] = await self.number_many([ToNumber(shelter_id, training, (stay_id,))])
        return serials[stay_id]

    async def household_number(self, shelter_id: str, household_key: str, training: bool) -> int:
        wanted = ToNumber(shelter_id, training, household_keys=(household_key,))
        [(_, households)] = await self.number_many([wanted])
        return households[household_key]


def _digest(household_key: str) -> str:
    """A field name for a household key (which may hold `.` or `$`, not allowed in names)."""
    return hashlib.blake2b(household_key.encode(), digest_size=12).hexdigest()


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
