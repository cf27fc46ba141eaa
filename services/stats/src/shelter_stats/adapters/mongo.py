"""Stays, shelter facts and per-shelter summaries in MongoDB (FerretDB locally).

`shelter_stays`: one document per shelter with two sets of compact strings: `in`, one entry
per check-in (stay id and what is counted: training, age band, sex, household; no personal
data), and `out`, the stay ids checked out. `$addToSet` makes every write idempotent and
order independent: a replay adds nothing and reports so. `shelters`: one document per shelter
with the facts of its highest version and the summary recounted from its stays. A summary
carries `tally`, the number of stay facts it was counted from; facts are never removed, so a
recount from fewer facts (another replica that read earlier) does not overwrite a newer one.

Why this shape: FerretDB v1 on SQLite uses no index for reads or updates at all (only the
duplicate-_id check of an insert is indexed) and decodes nested documents slowly, so a query
by shelter id over a collection of 100,000 stays, or a conditional write on it, scans every
stay (seconds each), and 100 stays as sub-documents take 100 ms to read. These collections
hold one small document per shelter, so even a scan by `_id` takes a few milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shelter_contracts.events import ShelterType
from shelter_runtime.mongo import Document
from shelter_stats.domain.counting import AGE_BANDS, Counts, StayTally, count_stays
from shelter_stats.domain.model import ShelterProfile, ShelterStatistics

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


def stay_tallies(check_ins: Sequence[str], check_outs: Sequence[str]) -> list[StayTally]:
    """The stays of a shelter from its entries; the first check-in of a stay counts."""
    left = set(check_outs)
    stays: dict[str, StayTally] = {}
    for entry in check_ins:
        stay, training, age_band, sex, household = entry.split(":", 4)
        if stay not in stays:
            stays[stay] = StayTally(
                1, int(stay in left), training == "1", household, int(age_band), sex
            )
    # A check-out whose check-in has not arrived: a fact, counted once its check-in is here.
    stays.update((stay, StayTally(0, 1)) for stay in left - stays.keys())
    return list(stays.values())


class MongoStatistics:
    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.stay_sets: AsyncCollection[Document] = db["shelter_stays"]
        self.shelters: AsyncCollection[Document] = db["shelters"]

    async def ensure_indexes(self) -> None:
        return None  # every read and write is by `_id`

    async def _add(self, shelter_id: str, field: str, entry: str) -> bool:
        update = {"$addToSet": {field: entry}}
        try:
            result = await self.stay_sets.update_one({"_id": shelter_id}, update, upsert=True)
        except DuplicateKeyError:  # created a moment ago by another write: add to it
            result = await self.stay_sets.update_one({"_id": shelter_id}, update)
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
        return await self._add(
            shelter_id, "in", check_in_entry(stay_id, training, age_band, sex, household_key)
        )

    async def record_check_out(self, stay_id: UUID, shelter_id: str, at: datetime) -> bool:
        return await self._add(shelter_id, "out", stay_id.hex)

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
        document = await self.stay_sets.find_one({"_id": shelter_id}) or {}
        return stay_tallies(document.get("in", []), document.get("out", []))

    async def refresh(self, shelter_ids: Sequence[str]) -> list[ShelterStatistics]:
        refreshed = []
        for shelter_id in shelter_ids:
            rows = await self._tallies(shelter_id)
            tally = sum(row.arrived + row.left for row in rows)
            # Read, then write by `_id` (a conditional write would scan every shelter here).
            # Between the two only another replica's recount could come, in a rebalance; the
            # next touch of the shelter recounts it again.
            current = await self.shelters.find_one({"_id": shelter_id}, {"tally": 1})
            if current is None or current.get("tally", 0) <= tally:
                update = {"$set": {"counts": counts_document(count_stays(rows)), "tally": tally}}
                try:
                    await self.shelters.update_one({"_id": shelter_id}, update, upsert=True)
                except DuplicateKeyError:  # created a moment ago by a shelter event
                    await self.shelters.update_one({"_id": shelter_id}, update)
            refreshed.append(await self.statistics(shelter_id))
        return refreshed

    async def shelter_ids(self) -> list[str]:
        ids = {doc["_id"] async for doc in self.shelters.find({}, {"_id": 1})}
        ids.update([doc["_id"] async for doc in self.stay_sets.find({}, {"_id": 1})])
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
