"""Stays, shelter facts and per-shelter summaries in MongoDB (FerretDB locally).

`stays_by_shelter`: one document per shelter (sharded by shelter id) with two sets of compact
strings: `in`, one entry per check-in (stay id and what is counted: training, age band, sex,
household; no personal data), and `out`, the stay ids checked out. `$addToSet` makes every write
idempotent and order independent: a replay adds nothing and reports so. `shelters`: one document
per shelter with the facts of its highest version and the summary recounted from its stays. A
summary carries `tally`, the number of stay facts it was counted from; facts are never removed,
so a recount from fewer facts (another replica that read earlier) does not overwrite a newer
one.

Why this shape: FerretDB v1 on SQLite uses no index for reads or updates at all (only the
duplicate-_id check of an insert is indexed) and decodes nested documents slowly, so a query
by shelter id over a collection of 100,000 stays, or a conditional write on it, scans every
stay (seconds each), and 100 stays as sub-documents take 100 ms to read. These collections
hold one small document per shelter, so even a scan by `_id` takes a few milliseconds; the
stay sets are kept in 64 shards (a write scans about 16 shelters at 1,000), and a batch of
events costs one `$addToSet` per shelter, not one per event.
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
#: Shelters written or recounted side by side.
WRITE_CONCURRENCY = 8

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
        self.stay_sets = ShardedCollection(db, STAY_SET_COLLECTION, STAY_SET_SHARDS)
        self.shelters: AsyncCollection[Document] = db["shelters"]
        self.history_docs = ShardedCollection(db, "history", STAY_SET_SHARDS)

    async def ensure_indexes(self) -> None:
        return None  # every read and write is by `_id`

    async def _add(self, shelter_id: str, entries: Mapping[str, Sequence[str]]) -> bool:
        update = {"$addToSet": {field: {"$each": list(v)} for field, v in entries.items() if v}}
        stay_sets = self.stay_sets.of(shelter_id)
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
        """One `$addToSet` per shelter for the whole batch, shelters side by side."""
        per_shelter: dict[str, dict[str, list[str]]] = {}
        for c in check_ins:
            entry = check_in_entry(c.stay_id, c.training, c.age_band, c.sex, c.household_key)
            per_shelter.setdefault(c.shelter_id, {"in": [], "out": []})["in"].append(entry)
        for o in check_outs:
            per_shelter.setdefault(o.shelter_id, {"in": [], "out": []})["out"].append(o.stay_id.hex)
        limit = asyncio.Semaphore(WRITE_CONCURRENCY)

        async def add(shelter_id: str, entries: dict[str, list[str]]) -> None:
            async with limit:
                await self._add(shelter_id, entries)

        await asyncio.gather(*(add(s, e) for s, e in per_shelter.items()))

    async def _update_if(self, condition: Document, update: Document) -> bool:
        """Update the shelter's document if `condition` holds, creating it when missing.

        A duplicate key means the document exists: either the condition is false, or another
        write (a recount, another topic's consumer) created it a moment ago; the plain update
        that follows tells which.
        """
        try:
            await self.shelters.update_one(condition, update, upsert=True)
        except DuplicateKeyError:
            result = await self.shelters.update_one(condition, update)
            return result.matched_count > 0
        return True

    async def record_corrections(self, corrections: Sequence[StayCorrection]) -> None:
        """One `$addToSet` per shelter: every correction is kept, the highest revision counts."""
        per_shelter: dict[str, list[str]] = {}
        for c in corrections:
            entry = correction_entry(c.stay_id, c.revision, c.age_band, c.sex)
            per_shelter.setdefault(c.shelter_id, []).append(entry)
        await self.stay_sets.update_many_by_id(
            {s: {"$addToSet": {"fix": {"$each": e}}} for s, e in per_shelter.items()}
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
        await self.history_docs.update_many_by_id(updates)

    async def history(self, shelter_id: str) -> list[HistoryPoint]:
        doc = await self.history_docs.find_one(shelter_id) or {}
        points = [HistoryPoint(int(b), *v) for b, v in (doc.get("p") or {}).items()]
        points.sort(key=lambda p: p.bucket)
        if points:
            oldest = oldest_kept(points[-1].bucket)
            points = [p for p in points if p.bucket >= oldest]
        return points

    async def record_shelter(self, shelter_id: str, profile: ShelterProfile) -> bool:
        """Keep the facts of the highest version; a lower or equal one changes nothing."""
        return await self._update_if(
            {
                "_id": shelter_id,
                "$or": [{"version": {"$lt": profile.version}}, {"version": {"$exists": False}}],
            },
            {"$set": {"version": profile.version, "facts": profile_document(profile)}},
        )

    async def _tallies(self, shelter_id: str) -> list[StayTally]:
        document = await self.stay_sets.find_one(shelter_id) or {}
        return stay_tallies(
            document.get("in", []), document.get("out", []), document.get("fix", [])
        )

    async def _refresh(self, shelter_id: str) -> ShelterStatistics:
        rows = await self._tallies(shelter_id)
        tally = sum(row.arrived + row.left for row in rows)
        # Read, then write by `_id` (a conditional write would scan every shelter here).
        # Between the two only another replica's recount could come, in a rebalance; the
        # next touch of the shelter recounts it again.
        current = await self.shelters.find_one({"_id": shelter_id}) or {"_id": shelter_id}
        if current.get("tally", 0) <= tally:
            counts = counts_document(count_stays(rows))
            if current.get("counts") != counts or current.get("tally") != tally:
                update = {"$set": {"counts": counts, "tally": tally}}
                try:
                    await self.shelters.update_one({"_id": shelter_id}, update, upsert=True)
                except DuplicateKeyError:  # created a moment ago by a shelter event
                    await self.shelters.update_one({"_id": shelter_id}, update)
                    current = await self.shelters.find_one({"_id": shelter_id}) or current
                current = {**current, "counts": counts, "tally": tally}
        return statistics_from(current)

    async def refresh(self, shelter_ids: Sequence[str]) -> list[ShelterStatistics]:
        limit = asyncio.Semaphore(WRITE_CONCURRENCY)

        async def one(shelter_id: str) -> ShelterStatistics:
            async with limit:
                return await self._refresh(shelter_id)

        return list(await asyncio.gather(*(one(s) for s in shelter_ids)))

    async def shelter_ids(self) -> list[str]:
        ids = {doc["_id"] async for doc in self.shelters.find({}, {"_id": 1})}
        ids.update([doc["_id"] async for doc in self.stay_sets.find_all({}, {"_id": 1})])
        return sorted(ids)

    async def statistics(self, shelter_id: str) -> ShelterStatistics:
        document = await self.shelters.find_one({"_id": shelter_id})
        return statistics_from(document) if document else ShelterStatistics(shelter_id)

    async def page(self, limit: int, offset: int) -> tuple[list[ShelterStatistics], int]:
        cursor = self.shelters.find(NOT_DELETED).sort("_id", 1).skip(offset).limit(limit)
        items = [statistics_from(doc) async for doc in cursor]
        return items, await self.shelters.count_documents(NOT_DELETED)

    async def all_statistics(self) -> list[ShelterStatistics]:
        # Added up by the domain: FerretDB v1 cannot sum several fields in one `$group`.
        return [statistics_from(doc) async for doc in self.shelters.find(NOT_DELETED)]
