"""One contract for the registration repositories, run against the fakes and FerretDB."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from pymongo import AsyncMongoClient

from shelter_contracts.events import (
    Channel,
    EvacueeCheckedOut,
    ShelterFacts,
    ShelterRegistered,
    ShelterType,
)
from shelter_contracts.personal import EvacueePersonal
from shelter_registration.adapters.mongo import (
    SHELTER_SHARDS,
    SHELTERS_COLLECTION,
    STAYS_COLLECTION,
    MongoShelters,
    MongoStatusItems,
    MongoStays,
)
from shelter_registration.domain.model import (
    AlreadyCheckedInError,
    ConcurrentUpdateError,
    Shelter,
    ShelterAlreadyExistsError,
    ShelterMaster,
    Stay,
)
from shelter_registration.service_layer.handlers import Dependencies
from shelter_registration.service_layer.ports import Shelters, StatusItems, Stays
from shelter_runtime.mongo import Document

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
MASTER = ShelterMaster(
    name="千代田小学校",
    capacity=200,
    address="東京都千代田区千代田1-1",
    shelter_type=ShelterType.EMERGENCY,
    latitude=35.6852,
    longitude=139.7528,
    open_data_id="0001",
    municipality_code="131016",
)


@dataclass
class Repos:
    shelters: Shelters
    stays: Stays
    status_items: StatusItems


@pytest.fixture(params=["fake", "mongo"])
async def repos(
    request: pytest.FixtureRequest,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
    namespace: str,
) -> Repos:
    if request.param == "fake":
        fakes: Dependencies = request.getfixturevalue("deps")
        return Repos(fakes.shelters, fakes.stays, fakes.status_items)
    db = mongo_client[database_name]
    shelters, stays = MongoShelters(db, namespace), MongoStays(db, namespace)
    await shelters.ensure_layout()
    await stays.ensure_indexes()
    return Repos(shelters, stays, MongoStatusItems(db))


def _registered(shelter: Shelter) -> ShelterRegistered:
    return ShelterRegistered(
        occurred_at=AT,
        shelter_id=shelter.shelter_id,
        producer="t",
        version=1,
        shelter=ShelterFacts(name=shelter.name, capacity=shelter.capacity),
    )


async def test_shelter_round_trip_and_unique_id(repos: Repos) -> None:
    shelter = Shelter.create("13101-0001", MASTER)
    await repos.shelters.add(shelter, [_registered(shelter)])
    assert await repos.shelters.get("13101-0001") == shelter
    assert await repos.shelters.get("13101-0002") is None
    with pytest.raises(ShelterAlreadyExistsError):
        await repos.shelters.add(Shelter("13101-0001", "別の名前", 5), [])
    assert await repos.shelters.get("13101-0001") == shelter


async def test_shelter_updates_refuse_lost_updates(repos: Repos) -> None:
    shelter = Shelter.create("13101-0001", MASTER)
    await repos.shelters.add(shelter, [])
    opened = shelter.open(AT, "staff-1")
    await repos.shelters.update(opened, [])
    assert await repos.shelters.get("13101-0001") == opened
    # A second writer that read version 1 too: its version-2 write must not win.
    with pytest.raises(ConcurrentUpdateError):
        await repos.shelters.update(shelter.with_training(True), [])
    trained = opened.with_training(True)
    await repos.shelters.update(trained, [])
    closed = trained.close(AT.replace(hour=18), "staff-2")
    await repos.shelters.update(closed, [])
    stored = await repos.shelters.get("13101-0001")
    assert stored == closed and stored.version == 4
    assert stored.closed_at == AT.replace(hour=18) and stored.opened_by == "staff-1"


async def test_all_shelters_deleted_ones_included(repos: Repos) -> None:
    kept = Shelter.create("a", MASTER)
    await repos.shelters.add(kept, [])
    other_city = Shelter.create("b", replace(MASTER, municipality_code="092011"))
    await repos.shelters.add(other_city, [])
    deleted = other_city.delete(AT, "admin")
    await repos.shelters.update(deleted, [])
    assert sorted(await repos.shelters.all(), key=lambda s: s.shelter_id) == [kept, deleted]


async def test_list_pages_through_live_shelters(repos: Repos) -> None:
    for n in range(5):
        await repos.shelters.add(Shelter(f"s-{n}", f"避難所{n}", 10), [])
    gone = await repos.shelters.get("s-0")
    assert gone is not None
    await repos.shelters.update(gone.delete(AT, None), [])
    page, total = await repos.shelters.list(1, 2)
    assert [s.shelter_id for s in page] == ["s-2", "s-3"] and total == 4
    page, total = await repos.shelters.list(0, 100)
    assert [s.shelter_id for s in page] == ["s-1", "s-2", "s-3", "s-4"]


async def test_stay_round_trip_and_single_check_out(repos: Repos, hanako: EvacueePersonal) -> None:
    stay = Stay(
        uuid4(),
        "13101-0001",
        Channel.STAFF,
        hanako,
        AT,
        transferred_from="13101-0009",
        remarks="紙の受付票",
    )
    await repos.stays.add(stay, [])
    assert await repos.stays.get(stay.stay_id) == stay
    assert await repos.stays.get(uuid4()) is None

    left = stay.check_out(AT.replace(hour=18), transferred_to="13101-0002")
    event = EvacueeCheckedOut(
        occurred_at=AT,
        shelter_id=stay.shelter_id,
        producer="t",
        stay_id=stay.stay_id,
        channel=Channel.STAFF,
        checked_out_at=AT.replace(hour=18),
    )
    assert await repos.stays.check_out(left, [event]) is True
    assert await repos.stays.check_out(left, [event]) is False  # a second, racing check-out loses
    assert await repos.stays.get(stay.stay_id) == left


async def test_one_present_stay_per_person_and_shelter(
    repos: Repos, hanako: EvacueePersonal, taro: EvacueePersonal
) -> None:
    first = Stay(uuid4(), "s-1", Channel.SMARTPHONE, hanako, AT)
    await repos.stays.add(first, [])
    with pytest.raises(AlreadyCheckedInError):
        await repos.stays.add(Stay(uuid4(), "s-1", Channel.STAFF, hanako, AT), [])
    elsewhere = Stay(uuid4(), "s-2", Channel.STAFF, hanako, AT.replace(hour=10))
    drill = Stay(uuid4(), "s-1", Channel.STAFF, hanako, AT, training=True)
    await repos.stays.add(elsewhere, [])  # a transfer in progress may hold two
    await repos.stays.add(drill, [])  # training stays never meet real ones
    await repos.stays.add(Stay(uuid4(), "s-1", Channel.STAFF, taro, AT), [])

    assert await repos.stays.present(first.person_key, False) == [first, elsewhere]
    assert await repos.stays.present(first.person_key, True) == [drill]

    assert await repos.stays.check_out(first.check_out(AT.replace(hour=11)), [])
    back = Stay(uuid4(), "s-1", Channel.STAFF, hanako, AT.replace(hour=12))
    await repos.stays.add(back, [])  # checked out: may check in again
    assert await repos.stays.present(first.person_key, False) == [elsewhere, back]


async def test_status_items(repos: Repos) -> None:
    assert await repos.status_items.get() is None
    await repos.status_items.set(("要介護", "妊娠中"))
    await repos.status_items.set(("要介護", "車椅子"))
    assert await repos.status_items.get() == ("要介護", "車椅子")


async def test_racing_writers_one_wins(repos: Repos, hanako: EvacueePersonal) -> None:
    """FerretDB evaluates an update's filter apart from its write; the claims make up for it."""
    for n in range(10):
        shelter = Shelter(f"s-{n}", "避難所", 10)
        await repos.shelters.add(shelter, [])
        results = await asyncio.gather(
            repos.shelters.update(shelter.open(AT, "a"), []),
            repos.shelters.update(shelter.with_training(True), []),
            return_exceptions=True,
        )
        assert sorted(type(r).__name__ for r in results) == ["ConcurrentUpdateError", "NoneType"]
        stored = await repos.shelters.get(f"s-{n}")
        assert stored is not None and stored.version == 2
        assert stored.is_open != stored.training  # one change, never both

        stay = Stay(uuid4(), f"s-{n}", Channel.STAFF, hanako, AT)
        await repos.stays.add(stay, [])
        left = stay.check_out(AT.replace(hour=18))
        outs = await asyncio.gather(*(repos.stays.check_out(left, []) for _ in range(3)))
        assert sorted(outs) == [False, False, True]


async def test_a_change_claimed_by_a_writer_that_died_is_rolled_forward(
    mongo_client: AsyncMongoClient[Document], database_name: str, namespace: str
) -> None:
    db = mongo_client[database_name]
    shelters = MongoShelters(db, namespace)
    shelter = Shelter.create("s-1", MASTER)
    await shelters.add(shelter, [])
    opened = shelter.open(AT, "staff-1")
    # The claim of version 2 was stored, then the process died before applying it.
    await shelters.changes.insert_one(
        {
            "_id": "s-1#2",
            "shelter_id": "s-1",
            "version": 2,
            "fields": {"is_open": True, "opened_at": AT, "opened_by": "staff-1", "version": 2},
            "events": [],
        }
    )
    with pytest.raises(ConcurrentUpdateError):
        await shelters.update(shelter.with_training(True), [])
    assert await shelters.get("s-1") == opened  # rolled forward, not lost and not blocking
    await shelters.update(opened.with_training(True), [])
    stored = await shelters.get("s-1")
    assert stored is not None and (stored.version, stored.training) == (3, True)


async def test_a_check_out_claimed_by_a_writer_that_died_is_rolled_forward(
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
    namespace: str,
    hanako: EvacueePersonal,
) -> None:
    stays = MongoStays(mongo_client[database_name], namespace)
    await stays.ensure_indexes()
    stay = Stay(uuid4(), "s-1", Channel.STAFF, hanako, AT)
    await stays.add(stay, [])
    left = stay.check_out(AT.replace(hour=18))
    await stays.check_outs.insert_once(
        {
            "_id": str(stay.stay_id),  # stays are stored under the string of their id
            "fields": {"checked_out_at": left.checked_out_at, "present_key": f"out:{stay.stay_id}"},
            "events": [],
        }
    )
    assert await stays.check_out(left, []) is False  # already claimed: someone checked it out
    stored = await stays.get(stay.stay_id)
    assert stored is not None and stored.checked_out_at == left.checked_out_at
    assert await stays.present(stay.person_key, False) == []


async def test_stays_of_an_older_database_move_into_their_shards_at_start(
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
    namespace: str,
    hanako: EvacueePersonal,
) -> None:
    db = mongo_client[database_name]
    stays = MongoStays(db, namespace)
    stay = Stay(uuid4(), "s-1", Channel.STAFF, hanako, AT)
    await stays.add(stay, [])
    assert STAYS_COLLECTION not in await db.list_collection_names()  # only its shards
    # As an older version stored it: in the one `stays` collection, not in a shard.
    shard = stays.collection.of(str(stay.stay_id))
    document = await shard.find_one({"_id": str(stay.stay_id)})
    assert document is not None
    await shard.delete_one({"_id": str(stay.stay_id)})
    await db[STAYS_COLLECTION].insert_one(document)
    assert await stays.get(stay.stay_id) is None

    # Two instances starting together: both move, neither fails, the old collection goes.
    await asyncio.gather(stays.ensure_indexes(), MongoStays(db, namespace).ensure_indexes())
    assert STAYS_COLLECTION not in await db.list_collection_names()
    assert await stays.get(stay.stay_id) == stay
    assert await stays.check_out(stay.check_out(AT.replace(hour=18)), []) is True
    assert await stays.present(stay.person_key, False) == []
    await stays.ensure_indexes()  # nothing left to move
    stored = await stays.get(stay.stay_id)
    assert stored is not None and stored.checked_out_at == AT.replace(hour=18)


async def test_add_many_stores_the_new_and_names_the_taken(repos: Repos) -> None:
    await repos.shelters.add(Shelter("s-1", "既存", 10), [])
    batch = [Shelter(f"s-{n}", f"避難所{n}", n) for n in range(600)]  # two chunks on Mongo
    taken = await repos.shelters.add_many([(s, [_registered(s)]) for s in batch])
    assert taken == {"s-1"}
    stored = await repos.shelters.get("s-599")
    assert stored == batch[599]
    existing = await repos.shelters.get("s-1")
    assert existing is not None and existing.name == "既存"
    assert len(await repos.shelters.all()) == 600


async def test_shelters_are_spread_over_small_shards_read_together(
    mongo_client: AsyncMongoClient[Document], database_name: str, namespace: str
) -> None:
    db = mongo_client[database_name]
    shelters = MongoShelters(db, namespace)
    batch = [Shelter(f"13101-{n:04d}", f"避難所{n}", 10) for n in range(200)]
    assert await shelters.add_many([(s, []) for s in batch]) == set()
    names = await db.list_collection_names()
    assert SHELTERS_COLLECTION not in names  # a read or update by id scans one shard
    sizes = [await shard.count_documents({}) for shard in shelters.collection.all()]
    assert len(sizes) == SHELTER_SHARDS and sum(sizes) == 200 and max(sizes) < 20
    opened = batch[7].open(AT, "staff-1")
    await shelters.update(opened, [])
    assert await shelters.get("13101-0007") == opened
    assert sorted(await shelters.all(), key=lambda s: s.shelter_id) == [
        opened if s.shelter_id == "13101-0007" else s for s in batch
    ]
    page, total = await shelters.list(195, 10)
    assert [s.shelter_id for s in page] == [f"13101-{n:04d}" for n in range(195, 200)]
    assert total == 200


async def test_shelters_of_an_older_database_move_into_their_shards_at_start(
    mongo_client: AsyncMongoClient[Document], database_name: str, namespace: str
) -> None:
    db = mongo_client[database_name]
    shelters = MongoShelters(db, namespace)
    moved = Shelter.create("s-1", MASTER)
    await shelters.add(moved, [_registered(moved)])
    already = Shelter.create("s-2", MASTER)
    await shelters.add(already, [])
    # As an older version stored them: in the one `shelters` collection, not in a shard.
    shard = shelters.collection.of("s-1")
    document = await shard.find_one({"_id": "s-1"})
    assert document is not None and len(document["outbox"]) == 1
    await shard.delete_one({"_id": "s-1"})
    stale = await shelters.collection.find_one("s-2")
    assert stale is not None
    await db[SHELTERS_COLLECTION].insert_many([document, {**stale, "name": "古い名前"}])
    assert await shelters.get("s-1") is None
    # A move cut short had copied s-2 already, which was then opened: the copy is newer.
    opened = already.open(AT, "staff-1")
    await shelters.update(opened, [])

    # Two instances starting together: both move, neither fails, the old collection goes.
    await asyncio.gather(shelters.ensure_layout(), MongoShelters(db, namespace).ensure_layout())
    assert SHELTERS_COLLECTION not in await db.list_collection_names()
    assert await shelters.get("s-1") == moved
    assert await shelters.get("s-2") == opened  # never overwritten by the older copy
    stored = await shelters.collection.find_one("s-1")
    assert stored is not None and stored["outbox"] == document["outbox"]  # still to publish
    await shelters.update(moved.open(AT, "staff-2"), [])
    await shelters.ensure_layout()  # nothing left to move
    reopened = await shelters.get("s-1")
    assert reopened is not None and reopened.is_open and reopened.version == 2
