"""On FerretDB, two updates of one document at the same moment both survive under the lock."""

from __future__ import annotations

import asyncio

from pymongo import AsyncMongoClient

from shelter_runtime.mongo import Document, writing


async def test_updates_of_different_fields_at_once_are_all_kept(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    docs = mongo_client[database_name]["docs"]
    ids = [f"d{n}" for n in range(50)]
    await docs.insert_many([{"_id": doc_id, "a": 0, "b": 0} for doc_id in ids])

    async def set_field(doc_id: str, field: str) -> None:
        async with writing(docs, doc_id):
            await docs.update_one({"_id": doc_id}, {"$set": {field: 1}})

    # Without the lock FerretDB v1 kept only one of the two writes in 195 of 200 pairs.
    await asyncio.gather(*(set_field(i, f) for i in ids for f in ("a", "b")))
    kept = [(d["a"], d["b"]) async for d in docs.find({}).sort("_id", 1)]
    assert kept == [(1, 1)] * len(ids)
