"""Stays, shelter facts and per-shelter summaries in MongoDB (FerretDB locally).

`stays_by_shelter`: one document per shelter with sets of compact strings: `in`, one entry
per check-in (stay id and what is counted: training, age band, sex, household; no personal
data), `out`, the stay ids checked out, and `fix`, the corrections. `$addToSet` makes every
write idempotent and order independent: a replay adds nothing and reports so. `shelters`: one
document per shelter with the facts of its highest version and the summary recounted from its
stays. A summary carries `tally`, the number of stay facts it was counted from; facts are never
removed, so a recount from fewer facts (another replica that read earlier) does not overwrite
a newer one. `history`: one document per shelter with its occupancy points.

Why this shape: FerretDB v1 on SQLite uses no index for reads or updates at all (only the
duplicate-_id check of an insert is indexed) and decodes every document it scans, so a query
by shelter id over a collection of 100,000 stays, or a conditional write on it, scans every
stay (seconds each), and 100 stays as sub-documents take 100 ms to read. So each collection
holds one small document per shelter, and each is kept in 64 shards by shelter id
(`ShardedCollection`): a read or write by id scans about 16 shelters at 1,000, not all of
them. Work is done per shard, not per shelter: a batch of events costs one bulk `$addToSet`
per shard, and a recount of many shelters one read of their stay sets and summaries per
shard and one bulk write per shard. The list and the totals read every shard of `shelters`
and sort in memory (a few thousand small documents).

Writes go one at a time (`_writing`), and this lock carries the correctness of the shared
documents, not only their speed: a shelter's stay set is written by the stays and the
corrections consumers, its summary by the shelters consumer (facts) and the recount (counts),
all side by side, and FerretDB v1 applies an update as a read and a whole-document write
outside a transaction, so two updates of one document at once keep only one of them (see
`shelter_runtime.mongo.writing`). SQLite takes one writer at a time anyway, so the lock costs
little. Seen once at 1,000 shelters on a busy machine with writers side by side: a write
failed with SQLITE_BUSY, and from then on FerretDB answered no request on this database.
Reads still go side by side.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from uuid import UUID

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shelter_contracts.events import ShelterType
from shelter_runtime.mongo import Document, ShardedCollection
from shelter_stats.domain.counting import (
    AGE_BANDS,
    Counts,
    StayCheckIn,
    StayCheckOut,
    StayCorrection,
    StayTally,
    count_stays,
)
from shelter_stats.domain.history import HistoryPoint, oldest_kept
from shelter_stats.domain.model import ShelterProfile, ShelterStatistics

#: The per-shelter stay sets, sharded by shelter id so that a write scans a few shelters only.
STAY_SET_COLLECTION = "stays_by_shelter"
STAY_SET_SHARDS = 64
#: The per-shelter facts and summaries (`shelters_000` ...), sharded the same way.
SUMMARY_COLLECTION = "shelters"
SUMMARY_SHARDS = 64
#: Where the summaries were kept before they were sharded: one collection, moved at start.
UNSHARDED_SUMMARIES = "shelters"
#: Shards read side by side when every shard is read (the list, the totals).
READ_CONCURRENCY = 4
#: Shards written side by side by one bulk write: one (see the module docstring).
WRITE_CONCURRENCY = 1

NOT_DELETED: Document = {"facts.deleted": {"$ne": True}}
_COUNT_FIELDS = ("checked_in", "checked_out", "households", "female", "male", "other")


def counts_document(counts: Counts) -> Document:
    return {
        **{name: getattr(counts, name) for name in _COUNT_FIELDS},
        "age_bands": dict(counts.age_bands),
    }


def counts_from(document: Document | None) -> Counts:
    if not document:
        return Counts()
    bands = document.get("age_bands") or {}
    return Counts(
        **{name: int(document.get(name) or 0) for name in _COUNT_FIELDS},
        age_bands={band: int(bands.get(band) or 0) for band in AGE_BANDS},
    )


def profile_document(profile: ShelterProfile) -> Document:
    return {
        "name": profile.name,
        "address": profile.address,
        "shelter_type": profile.shelter_type.value,
        "capacity": profile.capacity,
        "is_open": profile.is_open,
        "training": profile.training,
        "deleted": profile.deleted,
    }


def statistics_from(document: Document) -> ShelterStatistics:
    facts = document.get("facts")
    profile = None
    if facts is not None:
        profile = ShelterProfile(
            version=int(document["version"]),
            name=facts["name"],
            capacity=int(facts["capacity"]),
            address=facts.get("address", ""),
            shelter_type=ShelterType(facts.get("shelter_type", ShelterType.DESIGNATED)),
            is_open=bool(facts.get("is_open")),
            training=bool(facts.get("training")),
            deleted=bool(facts.get("deleted")),
        )
    return ShelterStatistics(
        shelter_id=document["_id"], counts=counts_from(document.get("counts")), profile=profile
    )


def check_in_entry(
    stay_id: UUID, training: bool, age_band: int, sex: str, household_key: str
) -> str:
    """A check-in as one short string: `stay:training:age band:sex:household`."""
    return f"{stay_id.hex}:{int(training)}:{age_band}:{sex}:{household_key}"


def correction_entry(stay_id: UUID, revision: int, age_band: int, sex: str) -> str:
    """A correction as one short string: `stay:revision:age band:sex`."""
    return f"{stay_id.hex}:{revision}:{age_band}:{sex}"


def stay_tallies(
    check_ins: Sequence[str], check_outs: Sequence[str], corrections: Sequence[str] = ()
) -> list[StayTally]:
    """The stays of a shelter from its entries; the first check-in of a stay counts, with the
    age band and sex of its highest correction, if any."""
    left = set(check_outs)
    latest: dict[str, tuple[int, int, str]] = {}
    for entry in corrections:
        stay, revision, age_band, sex = entry.split(":", 3)
        if stay not in latest or int(revision) > latest[stay][0]:
            latest[stay] = (int(revision), int(age_band), sex)
    stays: dict[str, StayTally] = {}
    for entry in check_ins:
        stay, training, age_band, sex, household = entry.split(":", 4)
        if stay not in stays:
            _, band, counted_sex = latest.get(stay, (0, int(age_band), sex))
            stays[stay] = StayTally(
                1, int(stay in left), training == "1", household, band, counted_sex
            )
    # A check-out whose check-in has not arrived: a fact, counted once its check-in is here.
    stays.update((stay, StayTally(0, 1)) for stay in left - stays.keys())
    return list(stays.values())


class MongoStatistics:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.db = db
        self.stay_sets = ShardedCollection(db, STAY_SET_COLLECTION, STAY_SET_SHARDS)
        self.summaries = ShardedCollection(db, SUMMARY_COLLECTION, SUMMARY_SHARDS)
        self.history_docs = ShardedCollection(db, "history", STAY_SET_SHARDS)
        self._writing = asyncio.Lock()

    async def _update_many(
        self, collection: ShardedCollection, updates: Mapping[str, Document]
    ) -> None:
        """One bulk write per shard, each taking its turn: a single write (a shelter's facts)
        waits for one shard's statements, not for the whole batch."""
        by_shard: dict[str, dict[str, Document]] = {}
        for doc_id, update in updates.items():
            by_shard.setdefault(collection.of(doc_id).name, {})[doc_id] = update
        for group in by_shard.values():
            async with self._writing:
                await collection.update_many_by_id(group, concurrency=WRITE_CONCURRENCY)

    async def ensure_indexes(self) -> None:
        return None  # every read and write is by `_id`

    async def migrate(self) -> None:
        """Move the summaries of the unsharded `shelters` collection into their shards, once.

        Safe to run at every start, and again after a crash half-way: a document is copied
        only if its shard has none of that shelter yet; if it has one (an earlier run, or an
        event stored since), only facts of a higher version are taken over, as
        `record_shelter` does. Counts need no care: they are derived from the stay sets and
        every shelter is recounted at start (`StatisticsRefresher.run`). The old collection is
        dropped only after everything was copied. It runs before the consumers start; only a
        replica of the previous version still writing during the switch could lose a write,
        and there is none: nothing is deployed in production yet, local stacks run one.
        """
        if UNSHARDED_SUMMARIES not in await self.db.list_collection_names():
            return
        old = self.db[UNSHARDED_SUMMARIES]
        documents = await old.find({}).to_list()
        async with self._writing:
            copied = await self.summaries.insert_many_once(documents)
        for document in documents:
            if document["_id"] not in copied and "version" in document and "facts" in document:
                await self._keep_newest_facts(
                    document["_id"], int(document["version"]), document["facts"]
                )
        await old.drop()

    async def _add(self, shelter_id: str, entries: Mapping[str, Sequence[str]]) -> bool:
        update = {"$addToSet": {field: {"$each": list(v)} for field, v in entries.items() if v}}
        stay_sets = self.stay_sets.of(shelter_id)
        async with self._writing:
            try:
                result = await stay_sets.update_one({"_id": shelter_id}, update, upsert=True)
            except DuplicateKeyError:  # created a moment ago by another write: add to it
                result = await stay_sets.update_one({"_id": shelter_id}, update)
        return result.modified_count > 0 or result.upserted_id is not None

    async def record_check_in(
        self,
        stay_id: UUID,
        shelter_id: str,
        *,
        at: datetime,
        training: bool,
        age_band: int,
        sex: str,
        household_key: str,
    ) -> bool:
        entry = check_in_entry(stay_id, training, age_band, sex, household_key)
        return await self._add(shelter_id, {"in": [entry]})

    async def record_check_out(self, stay_id: UUID, shelter_id: str, at: datetime) -> bool:
        return await self._add(shelter_id, {"out": [stay_id.hex]})

    async def record_stays(
        self, check_ins: Sequence[StayCheckIn], check_outs: Sequence[StayCheckOut]
    ) -> None:
        """One `$addToSet` per shelter for the whole batch, in one bulk write per shard."""
        per_shelter: dict[str, dict[str, list[str]]] = {}
        for c in check_ins:
            entry = check_in_entry(c.stay_id, c.training, c.age_band, c.sex, c.household_key)
            per_shelter.setdefault(c.shelter_id, {"in": [], "out": []})["in"].append(entry)
        for o in check_outs:
            per_shelter.setdefault(o.shelter_id, {"in": [], "out": []})["out"].append(o.stay_id.hex)
        await self._update_many(
            self.stay_sets,
            {
                shelter_id: {
                    "$addToSet": {field: {"$each": v} for field, v in entries.items() if v}
                }
                for shelter_id, entries in per_shelter.items()
            },
        )

    async def record_corrections(self, corrections: Sequence[StayCorrection]) -> None:
        """One `$addToSet` per shelter: every correction is kept, the highest revision counts."""
        per_shelter: dict[str, list[str]] = {}
        for c in corrections:
            entry = correction_entry(c.stay_id, c.revision, c.age_band, c.sex)
            per_shelter.setdefault(c.shelter_id, []).append(entry)
        await self._update_many(
            self.stay_sets,
            {s: {"$addToSet": {"fix": {"$each": e}}} for s, e in per_shelter.items()},
        )

    async def record_history(
        self, points: Mapping[str, HistoryPoint], trim: Collection[str] = ()
    ) -> None:
        """`history`: one document per shelter, `p` maps bucket start -> [present, households,
        checked out]; one bulk write per shard."""
        stale: dict[str, list[str]] = {}
        if trim:
            docs = await self.history_docs.find_many(trim)
            for shelter_id, doc in docs.items():
                oldest = oldest_kept(points[shelter_id].bucket)
                stale[shelter_id] = [b for b in doc.get("p") or {} if int(b) < oldest]
        updates: dict[str, Document] = {}
        for shelter_id, point in points.items():
            update: Document = {
                "$set": {f"p.{point.bucket}": [point.present, point.households, point.checked_out]}
            }
            if stale.get(shelter_id):
                update["$unset"] = {f"p.{b}": "" for b in stale[shelter_id]}
            updates[shelter_id] = update
        await self._update_many(self.history_docs, updates)

    async def history(self, shelter_id: str) -> list[HistoryPoint]:
        doc = await self.history_docs.find_one(shelter_id) or {}
        points = [HistoryPoint(int(b), *v) for b, v in (doc.get("p") or {}).items()]
        points.sort(key=lambda p: p.bucket)
        if points:
            oldest = oldest_kept(points[-1].bucket)
            points = [p for p in points if p.bucket >= oldest]
        return points

    async def _keep_newest_facts(self, shelter_id: str, version: int, facts: Document) -> bool:
        """Set the facts if none of this or a higher version are stored, creating the document
        when missing.

        A duplicate key means the document exists: either it holds an equal or higher version,
        or another write (a recount, another topic's consumer) created it a moment ago; the
        plain update that follows tells which. The filter scans one shard only.
        """
        shard = self.summaries.of(shelter_id)
        condition = {
            "_id": shelter_id,
            "$or": [{"version": {"$lt": version}}, {"version": {"$exists": False}}],
        }
        update = {"$set": {"version": version, "facts": facts}}
        async with self._writing:
            try:
                await shard.update_one(condition, update, upsert=True)
            except DuplicateKeyError:
                result = await shard.update_one(condition, update)
                return result.matched_count > 0
        return True

    async def record_shelter(self, shelter_id: str, profile: ShelterProfile) -> bool:
        """Keep the facts of the highest version; a lower or equal one changes nothing."""
        return await self._keep_newest_facts(shelter_id, profile.version, profile_document(profile))

    async def record_shelters(self, profiles: Mapping[str, ShelterProfile]) -> set[str]:
        """Many shelters' facts: one read of their summaries per shard, then one bulk write
        per shard for those stored with a lower version or none (`record_shelter`'s rule).

        Read, then write: a shelter's events come from one partition, so one consumer of the
        group handles them in order; only a rebalance could interleave two, and the version
        rule keeps the newer facts at the next event of that shelter.
        """
        stored = await self.summaries.find_many(list(profiles))
        updates: dict[str, Document] = {}
        for shelter_id, profile in profiles.items():
            version = (stored.get(shelter_id) or {}).get("version")
            if version is None or int(version) < profile.version:
                facts = profile_document(profile)
                updates[shelter_id] = {"$set": {"version": profile.version, "facts": facts}}
        await self._update_many(self.summaries, updates)
        return set(updates)

    async def refresh(self, shelter_ids: Sequence[str]) -> list[ShelterStatistics]:
        """Recount the shelters together: one read of their stay sets and one of their
        summaries per shard, then one bulk write per shard for the summaries that changed.

        Read, then write by `_id` (FerretDB's conditional writes are not atomic anyway).
        Between the two only another replica's recount could come, in a rebalance; the next
        touch of the shelter recounts it again.
        """
        ids = list(dict.fromkeys(shelter_ids))
        stay_sets, stored = await asyncio.gather(
            self.stay_sets.find_many(ids), self.summaries.find_many(ids)
        )
        current: dict[str, Document] = {}
        updates: dict[str, Document] = {}
        for shelter_id in ids:
            document = stay_sets.get(shelter_id, {})
            rows = stay_tallies(
                document.get("in", []), document.get("out", []), document.get("fix", [])
            )
            tally = sum(row.arrived + row.left for row in rows)
            summary = stored.get(shelter_id) or {"_id": shelter_id}
            if summary.get("tally", 0) <= tally:  # never replace a count from more facts
                counts = counts_document(count_stays(rows))
                if summary.get("counts") != counts or summary.get("tally") != tally:
                    updates[shelter_id] = {"$set": {"counts": counts, "tally": tally}}
                summary = {**summary, "counts": counts, "tally": tally}
            current[shelter_id] = summary
        await self._update_many(self.summaries, updates)
        # A summary created just now may have met the shelter's first facts, stored by the
        # shelter consumer at the same moment: read it back so they are part of the answer.
        created = [shelter_id for shelter_id in updates if shelter_id not in stored]
        if created:
            current.update(await self.summaries.find_many(created))
        return [statistics_from(current[shelter_id]) for shelter_id in shelter_ids]

    async def _every_summary(self, query: Document) -> list[Document]:
        """The matching summaries of every shard, a few shards side by side."""
        limit = asyncio.Semaphore(READ_CONCURRENCY)

        async def read(shard: AsyncCollection[Document]) -> list[Document]:
            async with limit:
                return await shard.find(query).to_list()

        found = await asyncio.gather(*(read(shard) for shard in self.summaries.all()))
        return [document for documents in found for document in documents]

    async def shelter_ids(self) -> list[str]:
        ids = {doc["_id"] async for doc in self.summaries.find_all({}, {"_id": 1})}
        ids.update([doc["_id"] async for doc in self.stay_sets.find_all({}, {"_id": 1})])
        return sorted(ids)

    async def statistics(self, shelter_id: str) -> ShelterStatistics:
        document = await self.summaries.find_one(shelter_id)
        return statistics_from(document) if document else ShelterStatistics(shelter_id)

    async def page(self, limit: int, offset: int) -> tuple[list[ShelterStatistics], int]:
        # Every shard is read and sorted here: a few thousand small documents at most.
        documents = sorted(await self._every_summary(NOT_DELETED), key=lambda d: str(d["_id"]))
        items = [statistics_from(doc) for doc in documents[offset : offset + limit]]
        return items, len(documents)

    async def all_statistics(self) -> list[ShelterStatistics]:
        # Added up by the domain: FerretDB v1 cannot sum several fields in one `$group`.
        return [statistics_from(doc) for doc in await self._every_summary(NOT_DELETED)]
