"""The roster in MongoDB (FerretDB locally): entries, numbers, shelter names, settings.

Every write is a single-document operation (FerretDB has no multi-document transactions).

Why this shape: FerretDB v1 on SQLite uses no index to read. `find_one({"_id": <string>})`
is handed to SQLite as a JSON path comparison that the `_id` index does not serve, so it
scans the table (about 3 microseconds per document: 1 ms for an old document, 67 ms for a
recent or missing one among 20,000), any other filter decodes every document of the
collection, and every update scans the whole collection (an update by `_id` 200-450 ms at
50,000 documents, an upsert of a new `_id` 3 s), and a UUID `_id` is slower still. Only an
insert's duplicate-`_id` check is indexed. So the entries, which grow to 100,000 and more,
are written by inserts only, under string ids, each kept in one of 128 shards by its `_id`
(shelter_runtime.mongo.ShardedCollection): a read scans one shard of about 800 documents
(1-3 ms).

- `check_ins`: the check-in facts of a stay, `_id` = str(stay id), inserted once (a replay or
  a different check-in of the same stay is refused by the duplicate `_id`: the first wins);
- `check_outs`: the check-out facts, the same way, so both arrive in any order;
- `corrections`: staff corrections, `_id` = `<stay id>#<revision>` (1, 2, ...). Inserting
  revision n+1 is the claim that the entry was at revision n: two racing corrections of the
  same revision cannot both land (FerretDB refuses the duplicate insert atomically, while it
  does not apply an update's filter atomically). The corrections are the edit history;
- `shelter_entries`: one document per shelter, its listing: `in` (its check-ins, items
  `<check-in ms>|<training 0/1>|<stay id>`), `out` (stays checked out), `names` (stay id,
  folded name and kana of each check-in, as JSON text) and its serial and household numbers
  per mode (`serials_real`, `households_real`, ..., see MongoNumbering). Each field is an
  array of chunks: the items one batch brought, joined into one string, added with
  `$addToSet` (a replayed batch adds nothing new). Chunks, because FerretDB decodes a document
  item by item (an array of 300 strings or a sub-document of 300 fields: 5-20 ms a read),
  while a chunk is one string. A batch writes one update per shelter, holding all of this,
  since every update is a transaction of its own (1-3 ms even for a small document): at
  1,000 shelters the per-shelter writes are most of a batch's cost. Only the stays consumer
  writes it, and Kafka hands it the events of one shelter one at a time, so its updates
  (read-modify-write, not atomic on FerretDB) never race; staff corrections do not touch it
  (a correction is found by reading `<stay id>#1`, a nearly empty collection). It is written
  before the check-ins or check-outs it lists, so a crash in between is repaired by the
  redelivery (and the numbers it keeps are drawn again the same); a listed stay whose
  check-in is missing is skipped;
- `name_keys`: the public search's keys (`f:`/`g:` + folded family or given name, then
  check-in time and stay id), sharded by key, so a search reads one shard per name given.

An entry document, as the handlers and the API see it, is put together from these by stay id
(`_id` is the UUID again). A shelter's roster is read from its listing: ordering, training,
presence and the names as checked in come from it, so a page reads only its own entries and
a name search (in a shelter, or across all shelters by reading the 1,000 listings) reads only
the entries it lists, plus the corrected ones (whose names may have changed), never scans
the entries: 128 s -> 1.7 s for a name matching 10,000 of 100,000 entries, 33 s -> 1 s for
a name matching none. A status filter reads all entries of the shelter; across all shelters
it scans `check_ins` (rare, staff-only). The collections written before these layouts (UUID
`_id`s in `entries`) are left behind; the numbering documents of the layout before are moved
into the listings at start-up (MongoNumbering.migrate).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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
    folded_names,
)
from shelter_roster.service_layer.documents import check_in_fields, check_out_fields
from shelter_runtime.mongo import Document, ShardedCollection, upsert

log = logging.getLogger(__name__)

#: Shards of the per-shelter listings (about 60 shelters in each at 1,000 shelters).
LISTING_SHARDS = 128
#: Concurrent reads while putting entries together.
READ_CONCURRENCY = 32
#: Shards of the public-search name keys (all documents of one key in one shard).
NAME_KEY_SHARDS = 128
#: Entries read at a time while a public search collects its results.
PUBLIC_READ_CHUNK = 50


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


def _chunk(items: Iterable[str]) -> str:
    """Items of a listing field written together, as one string (none of them has a comma)."""
    return ",".join(items)


def _items(chunks: Iterable[str] | None) -> Iterator[str]:
    """The items of a listing field (an item written alone is a chunk of one)."""
    for chunk in chunks or ():
        yield from filter(None, chunk.split(","))


def names_chunk(rows: Iterable[tuple[str, Document]]) -> str:
    """Stay ids with their folded name and kana, as JSON text (names may hold any character)."""
    listed = [[stay_id, folded.get("name", ""), folded.get("kana", "")] for stay_id, folded in rows]
    return json.dumps(listed, ensure_ascii=False, separators=(",", ":"))


def listed_names(listing: Document) -> dict[str, tuple[str, str]]:
    """Stay id -> (folded name, folded kana) as checked in, from a listing's `names`."""
    names: dict[str, tuple[str, str]] = {}
    for chunk in listing.get("names") or ():
        for stay_id, name, kana in json.loads(chunk):
            names.setdefault(stay_id, (name, kana))
    return names


def numbering_fields(training: bool) -> tuple[str, str]:
    """A listing's numbering fields of one mode: chunks of the serial of each stay
    (`<stay id hex>:<n>`) and of the number of each household (`<key digest>:<n>`); the
    last numbers given are the largest."""
    mode = _mode(training)
    return f"serials_{mode}", f"households_{mode}"


def numbering_update(
    training: bool, serials: Mapping[str, int], households: Mapping[str, int]
) -> Document:
    """The listing update that keeps these numbers: `$addToSet` a chunk of each, so writing
    the same numbers again (a replay) changes nothing."""
    serials_field, households_field = numbering_fields(training)
    add: Document = {}
    if serials:
        add[serials_field] = _chunk(f"{k}:{v}" for k, v in serials.items())
    if households:
        add[households_field] = _chunk(f"{k}:{v}" for k, v in households.items())
    return {"$addToSet": add} if add else {}


def listing_updates(
    check_ins: Sequence[tuple[CheckInFacts, EntryNumbers]], check_outs: Sequence[CheckOutFacts]
) -> dict[str, Document]:
    """Per shelter, the one listing update of a batch: its new stays, their names and numbers,
    and its check-outs, one chunk each (`$addToSet`: the same batch again adds nothing)."""
    arrived: dict[str, list[tuple[CheckInFacts, EntryNumbers]]] = {}
    for facts, numbers in check_ins:
        arrived.setdefault(facts.shelter_id, []).append((facts, numbers))
    left: dict[str, list[str]] = {}
    for out in check_outs:
        left.setdefault(out.shelter_id, []).append(str(out.stay_id))
    updates: dict[str, Document] = {}
    for shelter_id in dict.fromkeys([*arrived, *left]):
        parts: list[Document] = []
        stays = arrived.get(shelter_id, [])
        if stays:
            entries = [listing_entry(f.checked_in_at, f.training, str(f.stay_id)) for f, _ in stays]
            names = [(str(f.stay_id), folded_names(f.personal).as_document()) for f, _ in stays]
            parts.append({"$addToSet": {"in": _chunk(entries), "names": names_chunk(names)}})
        for training in (False, True):
            numbered = [(f, n) for f, n in stays if f.training is training]
            if numbered:
                serials = {f.stay_id.hex: n.serial for f, n in numbered}
                households = {_digest(f.household_key): n.household_number for f, n in numbered}
                parts.append(numbering_update(training, serials, households))
        if shelter_id in left:
            parts.append({"$addToSet": {"out": _chunk(left[shelter_id])}})
        updates[shelter_id] = _merge(parts)
    return updates


def _merge(updates: Iterable[Document]) -> Document:
    """One update of several (`$addToSet` parts of different fields)."""
    merged: Document = {}
    for update in updates:
        for operator, values in update.items():
            merged.setdefault(operator, {}).update(values)
    return merged


class MongoRosterEntries:
    """Check-in and check-out facts are each written once, in either order (see above)."""

    def __init__(
        self, db: AsyncDatabase[Document], personal_writes: asyncio.Lock | None = None
    ) -> None:
        """`personal_writes`: held by each correction here, and by the stay consumer and the
        disaster purge around theirs (bootstrap): a correction that read an entry before the
        purge must not write it back after the deletion was counted (S10.3)."""
        self.personal_writes = personal_writes or asyncio.Lock()
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

    async def record_check_in(self, facts: CheckInFacts, numbers: EntryNumbers) -> bool:
        if await self.check_ins.find_one(str(facts.stay_id), {"_id": 1}) is not None:
            return False  # the first check-in of a stay stands; not listed twice either
        return facts.stay_id in await self.record_many([(facts, numbers)], [])

    async def record_check_out(self, facts: CheckOutFacts) -> bool:
        return facts.stay_id in await self.record_many([], [facts])

    async def record_many(
        self,
        check_ins: Sequence[tuple[CheckInFacts, EntryNumbers]],
        check_outs: Sequence[CheckOutFacts],
    ) -> set[UUID]:
        """A batch: one listing update per shelter (its stays, names and numbers), then one
        insert per shard (see above)."""
        await self.listings.update_many_by_id(listing_updates(check_ins, check_outs))
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

    async def _listings(self, shelter_id: str | None) -> list[Document]:
        """The listing of a shelter, or of every shelter: one read of each listing shard (a
        few thousand small documents at 1,000 shelters), never of the entries themselves."""
        if shelter_id is not None:
            listing = await self.listings.find_one(shelter_id)
            return [listing] if listing is not None else []
        return [listing async for listing in self.listings.find_all({})]

    async def _corrected(self) -> set[str]:
        """The stays with a correction (few: staff corrections only)."""
        return {c["stay_id"] async for c in self.corrections.find_all({}, {"stay_id": 1})}

    async def _listed(self, query: EntryQuery) -> tuple[list[tuple[str, bool, bool]], set[str]]:
        """The stays of the query's shelter (or all), mode and presence in roster order, as
        (stay id, checked out, maybe corrected), and those of them to read before counting
        them: with a name, only stays whose listed name contains it are listed, plus those
        corrected since or listed without their names (before names were listed), which are
        read to decide."""
        listings = await self._listings(query.shelter_id)
        corrected = await self._corrected() if query.name else set()
        rows: list[tuple[int, int, str, bool]] = []
        doubtful: set[str] = set()
        for listing in listings:
            found = await self._rows(listing, query)
            if query.name:
                names = listed_names(listing)
                for row in found:
                    stay_id = row[2]
                    listed = names.get(stay_id)
                    if stay_id in corrected or listed is None:
                        doubtful.add(stay_id)
                    elif query.name not in listed[0] and query.name not in listed[1]:
                        continue
                    rows.append(row)
            else:
                rows += found
        ordered = [(stay_id, out, True) for _, _, stay_id, out in sorted(rows)]
        return ordered, doubtful

    async def _rows(self, listing: Document, query: EntryQuery) -> list[tuple[int, int, str, bool]]:
        out = set(_items(listing.get("out")))
        seen: dict[str, tuple[int, bool]] = {}
        doubtful: set[str] = set()
        for entry in _items(listing.get("in")):
            ms, mode, stay_id = entry.split("|", 2)
            listed = (int(ms), mode == "1")
            if seen.setdefault(stay_id, listed) != listed:
                doubtful.add(stay_id)  # two check-ins listed: the stored one decides
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
        """Every matching entry, read by scanning (a status query across all shelters): one
        pass over each collection, put together here."""
        stored: Document = {"training": True if query.training else {"$ne": True}}
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
        """Every matching entry, read (a status query): the listed candidates of a shelter or
        of a name, else a scan of all entries."""
        if query.shelter_id is None and not query.name:
            return await self._scan(query)
        listed, _ = await self._listed(query)
        docs = await self._entries(listed)
        return [d for d in docs if entry_matches(d, query)]

    async def _decided(self, query: EntryQuery) -> list[tuple[str, bool, bool]]:
        """The listed stays of a query without a status item, the doubtful ones read."""
        listed, doubtful = await self._listed(query)
        if doubtful:
            docs = await self._entries((s, True, True) for s, _, _ in listed if s in doubtful)
            kept = {str(d["_id"]) for d in docs if entry_matches(d, query)}
            listed = [row for row in listed if row[0] not in doubtful or row[0] in kept]
        return listed

    async def find(self, query: EntryQuery, limit: int, skip: int) -> list[Document]:
        if query.status_item is not None:
            return (await self._matching(query))[skip : skip + limit]
        page = (await self._decided(query))[skip : skip + limit]
        # A listed stay whose check-in is not stored yet (a crash between the two writes,
        # repaired by the redelivery) is skipped.
        return [d for d in await self._entries(page) if entry_matches(d, query)]

    async def count(self, query: EntryQuery) -> int:
        if query.status_item is not None:
            return len(await self._matching(query))
        return len(await self._decided(query))

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
        async with self.personal_writes:
            return await self._correct(stay_id, revision, fields, edit)

    async def _correct(
        self, stay_id: UUID, revision: int, fields: Document, edit: Document
    ) -> bool:
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
    """Serial and household numbers per shelter and mode, kept in the shelter's listing
    document (`shelter_entries`, see MongoRosterEntries): per mode, chunks of
    `<stay id hex>:<serial>` and `<household key digest>:<number>`; the next number is one
    more than the largest.

    `draw_many` reads the listings of a batch (one query per shard) and gives the numbers
    without writing them: the stays consumer keeps them with the check-ins' own listing update
    (`MongoRosterEntries.record_many`, one write per shelter and batch instead of two), which
    is written before the check-ins, so a redelivery after a crash draws the same numbers.
    `number_many` draws and keeps them at once. The numbers are written with `$addToSet`, so
    writing them twice changes nothing. Only the stays consumer numbers, and Kafka
    hands it a shelter's events one batch at a time, so the read-then-write never races; the
    documented exception is a consumer-group rebalance while a batch is being applied, where
    two writers may give the same number twice.

    Why in the listing, as chunks of text: FerretDB v1 decodes a document field by field and
    each update is a transaction of its own (1-3 ms even for a small document). A numbering
    document per shelter with one field per stay (the layout before, `numbering_*`, moved
    here by `migrate` at start-up) cost a second update per shelter and batch and 15-20 ms to
    read or update at 300 stays.
    """

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.database = db
        self.listings = ShardedCollection(db, "shelter_entries", LISTING_SHARDS)

    async def _draw(
        self, wanted: Sequence[ToNumber]
    ) -> tuple[list[tuple[dict[UUID, int], dict[str, int]]], dict[str, Document]]:
        keys = [(w.shelter_id, w.training) for w in wanted]
        if len(set(keys)) != len(keys):
            raise ValueError("one request per shelter and mode")
        listings = await self.listings.find_many(w.shelter_id for w in wanted)
        results = []
        new: dict[str, list[Document]] = {}
        for w in wanted:
            serials_field, households_field = numbering_fields(w.training)
            listing = listings.get(w.shelter_id) or {}
            stays = _numbers(listing.get(serials_field))
            households = _numbers(listing.get(households_field))
            serial = max(stays.values(), default=0)
            household = max(households.values(), default=0)
            new_stays: dict[str, int] = {}
            new_households: dict[str, int] = {}
            for stay_id in dict.fromkeys(s.hex for s in w.stay_ids):
                if stay_id not in stays:
                    serial += 1
                    stays[stay_id] = new_stays[stay_id] = serial
            for key in dict.fromkeys(_digest(k) for k in w.household_keys):
                if key not in households:
                    household += 1
                    households[key] = new_households[key] = household
            if new_stays or new_households:
                update = numbering_update(w.training, new_stays, new_households)
                new.setdefault(w.shelter_id, []).append(update)
            results.append(
                (
                    {s: stays[s.hex] for s in w.stay_ids},
                    {k: households[_digest(k)] for k in w.household_keys},
                )
            )
        return results, {shelter_id: _merge(u) for shelter_id, u in new.items()}

    async def draw_many(
        self, wanted: Sequence[ToNumber]
    ) -> list[tuple[dict[UUID, int], dict[str, int]]]:
        results, _ = await self._draw(wanted)
        return results

    async def number_many(
        self, wanted: Sequence[ToNumber]
    ) -> list[tuple[dict[UUID, int], dict[str, int]]]:
        results, updates = await self._draw(wanted)
        await self.listings.update_many_by_id(updates)
        return results

    async def serial(self, shelter_id: str, stay_id: UUID, training: bool) -> int:
        [(serials, _)] = await self.number_many([ToNumber(shelter_id, training, (stay_id,))])
        return serials[stay_id]

    async def household_number(self, shelter_id: str, household_key: str, training: bool) -> int:
        wanted = ToNumber(shelter_id, training, household_keys=(household_key,))
        [(_, households)] = await self.number_many([wanted])
        return households[household_key]

    async def migrate(self) -> None:
        """Move the numbering documents of the layout before (`numbering_000`...: one per
        shelter and mode, `stays` and `households` as sub-documents) into the listings, then
        drop them. Idempotent: the numbers are added with `$addToSet`, so a start-up
        that stopped between the copy and the drop copies the same numbers again. Safe to run
        here: it runs at start-up before the stays consumer, the only writer of numbers, starts
        (nothing is deployed yet, so no replica of the older version is writing meanwhile)."""
        names = await self.database.list_collection_names()
        for name in sorted(n for n in names if LEGACY_NUMBERING.fullmatch(n)):
            updates: dict[str, list[Document]] = {}
            async for doc in self.database[name].find({}):
                mode, _, shelter_id = str(doc["_id"]).partition("|")
                stays = {k: int(v) for k, v in (doc.get("stays") or {}).items()}
                households = {k: int(v) for k, v in (doc.get("households") or {}).items()}
                update = numbering_update(mode == "training", stays, households)
                if update:
                    updates.setdefault(shelter_id, []).append(update)
            await self.listings.update_many_by_id(
                {shelter_id: _merge(u) for shelter_id, u in updates.items()}
            )
            await self.database.drop_collection(name)
            log.info("numbering moved into the listings", extra={"collection": name})


#: The collections of the numbering layout before (see MongoNumbering.migrate).
LEGACY_NUMBERING = re.compile(r"numbering_\d{3}")


def _numbers(chunks: Iterable[str] | None) -> dict[str, int]:
    """Key -> number from chunks of `<key>:<number>` (the first one stands)."""
    numbers: dict[str, int] = {}
    for item in _items(chunks):
        key, _, number = item.rpartition(":")
        numbers.setdefault(key, int(number))
    return numbers


def _digest(household_key: str) -> str:
    """A field name for a household key (which may hold `.` or `$`, not allowed in names)."""
    return hashlib.blake2b(household_key.encode(), digest_size=12).hexdigest()


def _mode(training: bool) -> str:
    return "training" if training else "real"


#: Shards of the shelter directory (about 30 shelters in each at 1,000 shelters).
SHELTER_SHARDS = 32
#: The shelter directory's collection (`shelters_000`...; `shelters` is the layout before).
SHELTERS = "shelters"


class MongoShelterDirectory:
    """The latest name of each shelter: a write lands only with a higher version.

    Sharded by shelter id: the version-guarded update cannot be handed to SQLite as a plain
    `_id` comparison, so FerretDB decodes every document of the collection for it, which at
    1,000 shelters in one collection took about 0.4 s per shelter event (a CSV import and
    the opening of 1,000 shelters kept the roster busy for minutes); a shard holds about 30.
    """

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.database = db
        self.shelters = ShardedCollection(db, SHELTERS, SHELTER_SHARDS)

    async def record(self, shelter_id: str, version: int, name: str, deleted: bool) -> bool:
        try:
            await self.shelters.of(shelter_id).update_one(
                {"_id": shelter_id, "version": {"$lt": version}},
                {"$set": {"version": version, "name": name, "deleted": deleted}},
                upsert=True,
            )
        except DuplicateKeyError:  # the stored version is the same or newer
            return False
        return True

    async def names(self, shelter_ids: Iterable[str]) -> dict[str, str]:
        found = await self.shelters.find_many(sorted(set(shelter_ids)), {"name": 1})
        return {shelter_id: doc["name"] for shelter_id, doc in found.items()}

    async def migrate(self) -> None:
        """Move the shelters of the layout before (one `shelters` collection) into the shards,
        then drop it. Idempotent: a shelter already moved is not written again (its version
        is not newer), so a start-up that stopped between the copy and the drop copies
        nothing twice. Safe to run here: it runs at start-up before the shelters consumer,
        the only writer of the directory, starts (nothing is deployed yet, so no replica of
        the older version is writing meanwhile)."""
        if SHELTERS not in await self.database.list_collection_names():
            return
        async for doc in self.database[SHELTERS].find({}):
            await self.record(doc["_id"], doc["version"], doc["name"], doc.get("deleted", False))
        await self.database.drop_collection(SHELTERS)
        log.info("shelter directory moved into its shards")


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
        await upsert(self.collection, "disclosure", values, replace=True)
