"""The async MongoDB client (PyMongo's native asyncio API; Motor is deprecated)."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shelter_runtime.locks import KeyedLocks
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


#: The write locks of the documents this process is writing (see `writing`).
_WRITE_LOCKS = KeyedLocks()


@asynccontextmanager
async def writing(collection: AsyncCollection[Document], *doc_ids: Any) -> AsyncIterator[None]:
    """Hold this process's write lock of each document while it is updated.

    FerretDB v1 applies an update by reading the whole document, applying the operators and
    writing the whole document back, with no transaction around the two: of two updates of
    one document at the same moment only the later write survives, even when they set
    different fields (measured on the test stack: 195 of 200 such pairs lost one). MongoDB
    applies each update atomically. Every update of a document that more than one task of a
    process may write at once (two consumers, a request and the outbox relay) therefore goes
    through this lock: it closes the gap on FerretDB, where a stack runs one replica of each
    service, and costs an uncontended lock on MongoDB.
    """
    async with _WRITE_LOCKS.hold(*((collection.full_name, doc_id) for doc_id in doc_ids)):
        yield


async def upsert(
    collection: AsyncCollection[Document], doc_id: Any, change: Document, *, replace: bool = False
) -> None:
    """Write one document by `_id` (an update, or the whole document if `replace`), creating
    it when missing, under its write lock (`writing`).

    Two first writes at once (two administrators saving a setting, two replicas) both try
    the insert and one is refused with a duplicate key: it is applied again as a plain write
    of the document that exists now, so the later write wins, as it would have anyway.
    """
    write = collection.replace_one if replace else collection.update_one
    async with writing(collection, doc_id):
        try:
            await write({"_id": doc_id}, change, upsert=True)
        except DuplicateKeyError:
            await write({"_id": doc_id}, change)


#: The server's error code for an `_id` that is already taken.
DUPLICATE_KEY = 11000

#: Shards read or written side by side by one bulk operation (FerretDB on SQLite serialises
#: writes: more only queue up).
SHARD_CONCURRENCY = 4

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
        self,
        db: AsyncDatabase[Document],
        name: str,
        shards: int = DEFAULT_SHARDS,
        shard_key: Callable[[str], str] | None = None,
    ) -> None:
        """`shard_key` picks the part of an `_id` that chooses the shard (default: all of it),
        so ids sharing a prefix can live together and be read as one range."""
        self.name = name
        self.database = db
        self._shards = [db[f"{name}_{n:03d}"] for n in range(shards)]
        self._shard_key = shard_key or (lambda doc_id: doc_id)

    def _index(self, doc_id: str) -> int:
        return zlib.crc32(self._shard_key(doc_id).encode()) % len(self._shards)

    def of(self, doc_id: str) -> AsyncCollection[Document]:
        """The shard that holds (or will hold) the document with this `_id`."""
        return self._shards[self._index(doc_id)]

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

    async def find_many(
        self, doc_ids: Iterable[str], projection: Document | None = None
    ) -> dict[str, Document]:
        """The documents with these ids that exist: one query per shard touched."""
        by_shard: dict[int, list[str]] = {}
        for doc_id in dict.fromkeys(doc_ids):
            by_shard.setdefault(self._index(doc_id), []).append(doc_id)
        limit = asyncio.Semaphore(SHARD_CONCURRENCY)

        async def find(index: int, ids: list[str]) -> list[Document]:
            query = {"_id": ids[0]} if len(ids) == 1 else {"_id": {"$in": ids}}
            async with limit:
                return await self._shards[index].find(query, projection).to_list()

        found = await asyncio.gather(*(find(i, ids) for i, ids in by_shard.items()))
        return {doc["_id"]: doc for docs in found for doc in docs}

    async def update_many_by_id(
        self, updates: Mapping[str, Document], concurrency: int = SHARD_CONCURRENCY
    ) -> None:
        """Apply one update to each document (created when missing): one bulk write per shard.

        Statements of a shard go in one round trip; an upsert that lost the race to create
        its document (a duplicate `_id`) is applied again as a plain update. `concurrency`:
        shards written side by side.
        """
        by_shard: dict[int, list[str]] = {}
        for doc_id in updates:
            by_shard.setdefault(self._index(doc_id), []).append(doc_id)
        limit = asyncio.Semaphore(concurrency)

        async def write(index: int, ids: list[str]) -> None:
            shard = self._shards[index]
            async with limit:
                # The `update` command itself: PyMongo's bulk_write cannot read FerretDB's
                # answer to a bulk with a write error (it has no `nModified`: a KeyError).
                reply = await shard.database.command(
                    "update",
                    shard.name,
                    updates=[{"q": {"_id": i}, "u": updates[i], "upsert": True} for i in ids],
                    ordered=False,
                    codec_options=shard.codec_options,
                )
                errors = reply.get("writeErrors", [])
                if any(e.get("code") != DUPLICATE_KEY for e in errors):
                    raise BulkWriteError(reply)
                for e in errors:
                    doc_id = ids[e["index"]]
                    await shard.update_one({"_id": doc_id}, updates[doc_id])

        await asyncio.gather(*(write(i, ids) for i, ids in by_shard.items()))

    async def insert_many_once(self, docs: Sequence[Document]) -> set[str]:
        """Insert every document whose `_id` is free: one round trip per shard touched.

        Returns the ids inserted now; an id already taken (a replay) is skipped, not an error.
        """
        by_shard: dict[int, list[Document]] = {}
        for doc in docs:
            by_shard.setdefault(self._index(doc["_id"]), []).append(doc)

        async def insert(index: int, group: list[Document]) -> set[str]:
            try:
                await self._shards[index].insert_many(group, ordered=False)
            except BulkWriteError as error:
                errors = error.details.get("writeErrors", [])
                if any(e.get("code") != DUPLICATE_KEY for e in errors):
                    raise
                taken = {e["index"] for e in errors}
                return {d["_id"] for i, d in enumerate(group) if i not in taken}
            return {d["_id"] for d in group}

        limit = asyncio.Semaphore(SHARD_CONCURRENCY)

        async def limited(index: int, group: list[Document]) -> set[str]:
            async with limit:
                return await insert(index, group)

        inserted = await asyncio.gather(*(limited(i, g) for i, g in by_shard.items()))
        return set().union(*inserted)

    async def ids_with_prefix(self, prefix: str, shard_key: str) -> list[str]:
        """The ids that start with `prefix`, all kept in the shard of `shard_key` (one range
        read of one shard)."""
        shard = self._shards[zlib.crc32(shard_key.encode()) % len(self._shards)]
        end = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        cursor = shard.find({"_id": {"$gte": prefix, "$lt": end}}, {"_id": 1})
        return [doc["_id"] async for doc in cursor]

    async def find_all(
        self, query: Document, projection: Document | None = None
    ) -> AsyncIterator[Document]:
        """Every matching document of every shard (a scan: for rare reads)."""
        for shard in self._shards:
            async for doc in shard.find(query, projection):
                yield doc

    async def count_documents(self, query: Document) -> int:
        """The matching documents of every shard (a scan: for rare reads)."""
        return sum([await shard.count_documents(query) for shard in self._shards])
