"""The roster in MongoDB (FerretDB locally): entries, numbers, shelter names, settings.

Every write is a single-document operation (FerretDB has no multi-document transactions).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, fields
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
from shelter_runtime.mongo import Document, set_once

_ORDER = [("checked_in_at", 1), ("_id", 1)]
_WITHOUT_HISTORY = {"history": 0}


def entry_filter(query: EntryQuery) -> Document:
    """The MongoDB filter of a staff roster query."""
    found: Document = {"checked_in_at": {"$exists": True}}
    if query.shelter_id is not None:
        found["shelter_id"] = query.shelter_id
    found["training"] = True if query.training else {"$ne": True}
    if query.presence is Presence.PRESENT:
        found["checked_out_at"] = {"$exists": False}
    elif query.presence is Presence.CHECKED_OUT:
        found["checked_out_at"] = {"$exists": True}
    if query.status_item is not None:
        found["statuses"] = query.status_item
    if query.name:
        # Escaped: a name is matched as text, never as a pattern (NoSQL injection, S4.2).
        pattern = re.escape(query.name)
        found["$or"] = [
            {"folded.name": {"$regex": pattern}},
            {"folded.kana": {"$regex": pattern}},
        ]
    return found


def public_filter(query: PublicQuery) -> Document:
    """Present, real entries whose folded family and/or given name equal the query's."""
    names: list[Document] = []
    if query.family_name:
        names.append(
            {
                "$or": [
                    {"folded.family": query.family_name},
                    {"folded.family_kana": query.family_name},
                ]
            }
        )
    if query.given_name:
        names.append(
            {"$or": [{"folded.given": query.given_name}, {"folded.given_kana": query.given_name}]}
        )
    if not names:
        raise ValueError("a public search needs a family or given name")
    return {
        "checked_in_at": {"$exists": True},
        "checked_out_at": {"$exists": False},
        "training": {"$ne": True},
        "$and": names,
    }


class MongoRosterEntries:
    """Check-in and check-out facts are each written once (`set_once`), in either order."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection: AsyncCollection[Document] = db["entries"]

    async def ensure_indexes(self) -> None:
        await self.collection.create_index([("shelter_id", 1), ("checked_in_at", 1)])
        await self.collection.create_index([("folded.family", 1)])
        await self.collection.create_index([("folded.given", 1)])

    async def record_check_in(self, facts: CheckInFacts, numbers: EntryNumbers) -> bool:
        return await set_once(
            self.collection, facts.stay_id, "checked_in_at", check_in_fields(facts, numbers)
        )

    async def record_check_out(self, facts: CheckOutFacts) -> bool:
        return await set_once(
            self.collection, facts.stay_id, "checked_out_at", check_out_fields(facts)
        )

    async def get(self, stay_id: UUID) -> Document | None:
        return await self.collection.find_one({"_id": stay_id}, _WITHOUT_HISTORY)

    async def find(self, query: EntryQuery, limit: int, skip: int) -> list[Document]:
        cursor = (
            self.collection.find(entry_filter(query), _WITHOUT_HISTORY)
            .sort(_ORDER)
            .skip(skip)
            .limit(limit)
        )
        return [doc async for doc in cursor]

    async def count(self, query: EntryQuery) -> int:
        return await self.collection.count_documents(entry_filter(query))

    async def search_public(self, query: PublicQuery, limit: int) -> list[Document]:
        cursor = (
            self.collection.find(public_filter(query), _WITHOUT_HISTORY).sort(_ORDER).limit(limit)
        )
        return [doc async for doc in cursor]

    async def correct(self, stay_id: UUID, revision: int, fields: Document, edit: Document) -> bool:
        # Entries stored before corrections existed have no revision yet: that is revision 0.
        at_revision: Document = (
            {"revision": revision}
            if revision
            else {"$or": [{"revision": 0}, {"revision": {"$exists": False}}]}
        )
        result = await self.collection.update_one(
            {"_id": stay_id, "checked_in_at": {"$exists": True}, **at_revision},
            {"$set": {**fields, "revision": revision + 1}, "$push": {"history": edit}},
        )
        return result.matched_count == 1

    async def history(self, stay_id: UUID) -> list[Document]:
        doc = await self.collection.find_one({"_id": stay_id}, {"history": 1})
        return list((doc or {}).get("history") or [])


class MongoNumbering:
    """Counters (`$inc` with upsert); serials per stay and numbers per household (first
    insert wins, so a number once given is never replaced)."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.counters: AsyncCollection[Document] = db["counters"]
        self.serials: AsyncCollection[Document] = db["serials"]
        self.households: AsyncCollection[Document] = db["households"]

    async def _next(self, counter: str) -> int:
        for _ in range(2):
            try:
                doc = await self.counters.find_one_and_update(
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

    async def _number_once(
        self, collection: AsyncCollection[Document], key: Any, counter: str
    ) -> int:
        known = await collection.find_one({"_id": key})
        if known is not None:
            return int(known["number"])
        number = await self._next(counter)
        try:
            await collection.insert_one({"_id": key, "number": number})
        except DuplicateKeyError:
            # Numbered meanwhile by another delivery: its number stands (ours is a gap).
            known = await collection.find_one({"_id": key})
            assert known is not None
            return int(known["number"])
        return number

    async def serial(self, shelter_id: str, stay_id: UUID, training: bool) -> int:
        return await self._number_once(
            self.serials, stay_id, f"serial|{_mode(training)}|{shelter_id}"
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
