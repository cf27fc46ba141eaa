"""What only the Mongo adapter can show: races between recounts and shelter facts."""

from __future__ import annotations

import asyncio

from pymongo import AsyncMongoClient

from shelter_runtime.mongo import Document
from shelter_stats.adapters.mongo import MongoStatistics
from shelter_stats.domain.model import ShelterProfile


async def test_a_recount_from_fewer_stay_facts_keeps_the_newer_summary(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    # Another replica recounted from 99 stay facts; this one has seen none of them yet.
    db = mongo_client[database_name]
    await db["shelters"].insert_one(
        {"_id": "13101-0001", "tally": 99, "counts": {"checked_in": 42, "households": 7}}
    )
    stats = MongoStatistics(db)

    newer, unknown = await stats.refresh(["13101-0001", "13101-0002"])

    assert (newer.counts.checked_in, newer.counts.households) == (42, 7)
    assert unknown.counts.checked_in == 0
    assert await db["shelters"].count_documents({}) == 2


async def test_facts_are_kept_when_a_recount_creates_the_document_at_the_same_moment(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    # Stays and shelters come from two topics, consumed side by side: the recount of a shelter
    # and its first facts may both create its document; neither may be lost.
    stats = MongoStatistics(mongo_client[database_name])
    profile = ShelterProfile(version=1, name="千代田小学校", capacity=10)
    shelter_ids = [f"13101-{n:04}" for n in range(30)]

    results = await asyncio.gather(
        *(stats.record_shelter(s, profile) for s in shelter_ids),
        *(stats.refresh([s]) for s in shelter_ids),
    )

    assert results[: len(shelter_ids)] == [True] * len(shelter_ids)
    for shelter_id in shelter_ids:
        assert (await stats.statistics(shelter_id)).capacity == 10
