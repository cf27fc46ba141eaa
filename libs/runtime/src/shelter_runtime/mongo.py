"""The async MongoDB client (PyMongo's native asyncio API; Motor is deprecated)."""

from __future__ import annotations

import asyncio
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
