"""The async MongoDB client (PyMongo's native asyncio API; Motor is deprecated)."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shelter_runtime.settings import ServiceSettings

Document = dict[str, Any]


def create_mongo_client(settings: ServiceSettings) -> AsyncMongoClient[Document]:
    """A client for the service's own database server; connects lazily."""
    return AsyncMongoClient(
        settings.mongodb_uri.get_secret_value(),
        appname=settings.service_name,
        tz_aware=True,
        serverSelectionTimeoutMS=5000,
        uuidRepresentation="standard",
    )


def service_database(
    client: AsyncMongoClient[Document], settings: ServiceSettings
) -> AsyncDatabase[Document]:
    return client[settings.database_name]


async def ping(client: AsyncMongoClient[Document], timeout_seconds: float = 2.0) -> bool:
    """True when the server answers a ping within the timeout (a readiness probe must not hang)."""
    try:
        async with asyncio.timeout(timeout_seconds):
            await client.admin.command("ping")
    except Exception:
        return False
    return True


async def set_once(
    collection: AsyncCollection[Document], doc_id: Any, marker: str, fields: Document
) -> bool:
    """Write a group of fields once, whatever else the document already holds.

    The filter matches only while `marker` is missing; once it is there, the upsert tries to
    insert an existing `_id` and fails with a duplicate key, which means "already applied".
    So a replayed event changes nothing, and events of one document may arrive in any order.
    `fields` must contain `marker`.
    """
    try:
        await collection.update_one(
            {"_id": doc_id, marker: {"$exists": False}}, {"$set": fields}, upsert=True
        )
    except DuplicateKeyError:
        return False
    return True


#: Shards of a large collection by default: at 100,000 documents about 800 in each.
DEFAULT_SHARDS = 128


class ShardedCollection:
    """One logical collection kept as `shards` collections, by a stable hash of the string id.

    FerretDB v1 on SQLite uses no index to read: `find_one({"_id": ...})` scans the collection
    until the first match (about 3 microseconds a document: 67 ms for a missing or recent
    document among 20,000), and an update scans it whole. Only an insert's duplicate-`_id`
    check is indexed. A document is therefore kept in the shard named by its `_id`, so a read
    or an update by `_id` scans one shard; scans over everything go through `all()`.
    """

    def __init__(
        self, db: AsyncDatabase[Document], name: str, shards: int = DEFAULT_SHARDS
    ) -> None:
        self.name = name
        self._shards = [db[f"{name}_{n:03d}"] for n in range(shards)]

    def of(self, doc_id: str) -> AsyncCollection[Document]:
        """The shard that holds (or will hold) the document with this `_id`."""
        return self._shards[zlib.crc32(doc_id.encode()) % len(self._shards)]

    def all(self) -> list[AsyncCollection[Document]]:
        return list(self._shards)

    async def find_one(self, doc_id: str, projection: Document | None = None) -> Document | None:
        return await self.of(doc_id).find_one({"_id": doc_id}, projection)

    async def insert_once(self, doc: Document) -> bool:
        """Insert `doc`; False when its `_id` is already taken (atomic on FerretDB too)."""
        try:
            await self.of(doc["_id"]).insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def find_all(
        self, query: Document, projection: Document | None = None
    ) -> AsyncIterator[Document]:
        """Every matching document of every shard (a scan: for rare reads)."""
        for shard in self._shards:
            async for doc in shard.find(query, projection):
                yield doc
