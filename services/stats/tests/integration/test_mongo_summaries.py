"""What only the Mongo adapter can show: races between recounts and shelter facts, the sharded
layout of the summaries and the move of the summaries out of the unsharded collection."""

from __future__ import annotations

import asyncio
import uuid

from pymongo import AsyncMongoClient

from shelter_runtime.mongo import Document
from shelter_stats.adapters.mongo import (
    SUMMARY_SHARDS,
    UNSHARDED_SUMMARIES,
    MongoStatistics,
    profile_document,
)
from shelter_stats.domain.counting import StayCheckIn, StayCheckOut
from shelter_stats.domain.model import ShelterProfile


async def test_a_recount_from_fewer_stay_facts_keeps_the_newer_summary(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    # Another replica recounted from 99 stay facts; this one has seen none of them yet.
    stats = MongoStatistics(mongo_client[database_name])
    await stats.summaries.of("13101-0001").insert_one(
        {"_id": "13101-0001", "tally": 99, "counts": {"checked_in": 42, "households": 7}}
    )

    newer, unknown = await stats.refresh(["13101-0001", "13101-0002"])

    assert (newer.counts.checked_in, newer.counts.households) == (42, 7)
    assert unknown.counts.checked_in == 0
    assert await stats.summaries.count_documents({}) == 2


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


async def test_one_recount_of_many_shelters_across_shards_keeps_each_newer_summary(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    # A batch of the recount loop: shelters spread over every shard, some with a summary that
    # another replica counted from more stay facts than are stored here.
    stats = MongoStatistics(mongo_client[database_name])
    ids = [f"13101-{n:04}" for n in range(3 * SUMMARY_SHARDS)]
    check_ins = [
        StayCheckIn(uuid.uuid4(), s, False, 20, "female", f"{s}-{k % 2}".ljust(16, "0"))
        for n, s in enumerate(ids)
        for k in range(n % 4)
    ]
    check_outs = [StayCheckOut(c.stay_id, c.shelter_id) for c in check_ins[::5]]
    await stats.record_stays(check_ins, check_outs)
    ahead = ids[::7]
    for shelter_id in ahead:
        await stats.summaries.of(shelter_id).insert_one(
            {"_id": shelter_id, "tally": 50, "counts": {"checked_in": 40}}
        )
    await stats.record_shelter(ids[1], ShelterProfile(version=3, name="中学校", capacity=8))

    refreshed = await stats.refresh([*reversed(ids), ids[0]])

    assert [s.shelter_id for s in refreshed] == [*reversed(ids), ids[0]]
    by_id = {s.shelter_id: s for s in refreshed}
    for n, shelter_id in enumerate(ids):
        stored = await stats.statistics(shelter_id)
        assert by_id[shelter_id] == stored  # what is returned is stored
        arrived = sum(1 for c in check_ins if c.shelter_id == shelter_id)
        left = sum(1 for c in check_outs if c.shelter_id == shelter_id)
        expected = (40, 0) if shelter_id in ahead else (arrived, left)
        assert (stored.counts.checked_in, stored.counts.checked_out) == expected, n
    assert by_id[ids[1]].capacity == 8
    shards = [await shard.count_documents({}) for shard in stats.summaries.all()]
    assert sum(shards) == len(ids)
    assert max(shards) < len(ids) // 4  # spread over the shards, not one collection


async def test_summaries_of_the_unsharded_layout_move_into_their_shards_once(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    db = mongo_client[database_name]
    old_facts = profile_document(ShelterProfile(version=2, name="旧小学校", capacity=30))
    await db[UNSHARDED_SUMMARIES].insert_many(
        [
            {"_id": "13101-0001", "version": 2, "facts": old_facts, "tally": 3, "counts": {}},
            {"_id": "13101-0002", "version": 5, "facts": old_facts},
            {"_id": "13101-0003", "version": 1, "facts": old_facts},
            {"_id": "13101-0004", "tally": 1, "counts": {"checked_in": 1}},
        ]
    )
    stats = MongoStatistics(db)
    # Already in the new layout (a run that stopped before dropping the old collection, or an
    # event stored since): a higher version there stays, a lower one is replaced.
    await stats.record_shelter("13101-0002", ShelterProfile(version=4, name="新", capacity=9))
    await stats.record_shelter("13101-0003", ShelterProfile(version=7, name="新", capacity=9))

    await stats.migrate()
    await stats.migrate()  # nothing left to move: changes nothing

    assert UNSHARDED_SUMMARIES not in await db.list_collection_names()
    assert await stats.summaries.count_documents({}) == 4
    first, second, third, fourth = [await stats.statistics(f"13101-000{n}") for n in range(1, 5)]
    assert (first.profile and first.profile.version, first.capacity) == (2, 30)
    assert (second.profile and second.profile.version, second.capacity) == (5, 30)
    assert (third.profile and third.profile.version, third.capacity) == (7, 9)
    assert (fourth.profile, fourth.counts.checked_in) == (None, 1)
    assert await stats.shelter_ids() == [f"13101-000{n}" for n in range(1, 5)]
