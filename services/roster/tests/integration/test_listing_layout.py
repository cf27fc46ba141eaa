"""The shelter listing as the Mongo adapters keep it on FerretDB (adapters.mongo).

A batch writes one listing update per shelter, holding its stays, their folded names and
their serial and household numbers (S12), so a batch costs one write per shelter. These tests
pin what the contract suite cannot see from outside: numbers drawn for a batch are kept by
recording it (and only then), the numbering documents of the layout before are moved into
the listings at start-up, and listings written before names were listed still answer a name
search (by reading the entries). The shelter directory is sharded the same way and moved at
start-up.
"""

from __future__ import annotations

from uuid import uuid4

from pymongo import AsyncMongoClient

from shelter_roster.adapters.mongo import (
    LISTING_SHARDS,
    SHELTERS,
    MongoNumbering,
    MongoRosterEntries,
    MongoShelterDirectory,
    listing_entry,
)
from shelter_roster.domain.model import EntryQuery, Presence, ToNumber
from shelter_roster.service_layer.handlers import apply_stay_events
from shelter_runtime.mongo import Document, ShardedCollection
from shelter_text import fold_name

from ..conftest import make_check_in, make_check_out


async def test_numbers_drawn_for_a_batch_are_kept_by_recording_it_once_per_shelter(
    mongo_client: AsyncMongoClient[Document], database_name: str, shelter_id: str
) -> None:
    db = mongo_client[database_name]
    entries, numbering = MongoRosterEntries(db), MongoNumbering(db)
    other = f"{shelter_id}-x"
    first = [
        make_check_in(shelter_id, minute=1, household_key="a" * 16),
        make_check_in(shelter_id, minute=2, household_key="b" * 16),
        make_check_in(shelter_id, minute=3, household_key="a" * 16, training=True),
        make_check_in(other, minute=4),
    ]
    wanted = [ToNumber(shelter_id, False, (first[0].stay_id,), ("a" * 16,))]
    # Drawn alone, nothing is kept: the same numbers are drawn again.
    assert await numbering.draw_many(wanted) == await numbering.draw_many(wanted)
    assert await entries.listings.find_one(shelter_id) is None

    await apply_stay_events(first, entries, numbering)
    listing = await entries.listings.find_one(shelter_id)
    assert listing is not None
    assert set(listing) == {
        "_id",
        "in",
        "names",
        "serials_real",
        "households_real",
        "serials_training",
        "households_training",
    }
    await apply_stay_events(first, entries, numbering)  # a replay: the same numbers
    assert await entries.listings.find_one(shelter_id) == listing

    later = make_check_in(shelter_id, minute=5, household_key="b" * 16)
    await apply_stay_events(
        [later, make_check_out(shelter_id, first[0].stay_id)], entries, numbering
    )
    numbers = {}
    for event in [*first, later]:
        doc = await entries.get(event.stay_id)
        assert doc is not None
        numbers[event.stay_id] = (doc["serial"], doc["household_number"])
    assert numbers == {
        first[0].stay_id: (1, 1),
        first[1].stay_id: (2, 2),
        first[2].stay_id: (1, 1),  # training apart
        first[3].stay_id: (1, 1),  # another shelter
        later.stay_id: (3, 2),  # household b again
    }
    # What the consumer kept is what numbering gives one at a time.
    assert await numbering.serial(shelter_id, later.stay_id, False) == 3
    assert await numbering.household_number(shelter_id, "a" * 16, True) == 1
    assert await numbering.serial(shelter_id, uuid4(), False) == 4


async def test_numbering_documents_of_the_layout_before_move_into_the_listings(
    mongo_client: AsyncMongoClient[Document], database_name: str, shelter_id: str
) -> None:
    db = mongo_client[database_name]
    known = uuid4()
    legacy = ShardedCollection(db, "numbering")
    digest = "0" * 24
    await legacy.insert_once(
        {
            "_id": f"real|{shelter_id}",
            "serial": 7,
            "household": 2,
            "stays": {known.hex: 7},
            "households": {digest: 2},
        }
    )
    await legacy.insert_once({"_id": f"training|{shelter_id}", "serial": 1, "stays": {"f" * 32: 1}})
    numbering = MongoNumbering(db)

    for _ in range(2):  # a start-up that stopped half-way runs it again
        await numbering.migrate()
    assert not [n for n in await db.list_collection_names() if n.startswith("numbering")]
    assert await numbering.serial(shelter_id, known, False) == 7
    assert await numbering.serial(shelter_id, uuid4(), False) == 8
    assert await numbering.serial(shelter_id, uuid4(), True) == 2
    await numbering.migrate()  # nothing left to move: the numbers stay
    assert await numbering.serial(shelter_id, known, False) == 7


async def test_a_listing_written_before_names_were_listed_still_answers_a_name_search(
    mongo_client: AsyncMongoClient[Document], database_name: str, shelter_id: str
) -> None:
    db = mongo_client[database_name]
    entries, numbering = MongoRosterEntries(db), MongoNumbering(db)
    old = make_check_in(shelter_id, minute=1, family_name="髙橋", given_name="一郎")
    new = make_check_in(shelter_id, minute=2, family_name="高橋", given_name="次郎")
    await apply_stay_events([old, new], entries, numbering)
    # The listing as written before: one item per stay, no names.
    listing = ShardedCollection(db, "shelter_entries", LISTING_SHARDS).of(shelter_id)
    await listing.replace_one(
        {"_id": shelter_id},
        {
            "_id": shelter_id,
            "in": [listing_entry(e.checked_in_at, False, str(e.stay_id)) for e in (old, new)],
        },
    )

    for shelter in (shelter_id, None):
        query = EntryQuery(shelter_id=shelter, name=fold_name("高橋"), presence=Presence.ALL)
        found = [d["_id"] for d in await entries.find(query, limit=10, skip=0)]
        assert [s for s in found if s in (old.stay_id, new.stay_id)] == [old.stay_id, new.stay_id]
    query = EntryQuery(shelter_id=shelter_id, name=fold_name("次郎"))
    assert [d["_id"] for d in await entries.find(query, limit=10, skip=0)] == [new.stay_id]
    assert await entries.count(query) == 1


async def test_the_shelter_directory_of_the_layout_before_moves_into_its_shards(
    mongo_client: AsyncMongoClient[Document], database_name: str, shelter_id: str
) -> None:
    db = mongo_client[database_name]
    await db[SHELTERS].insert_many(
        [
            {"_id": shelter_id, "version": 3, "name": "三版", "deleted": False},
            {"_id": f"{shelter_id}-x", "version": 1, "name": "一版", "deleted": True},
        ]
    )
    directory = MongoShelterDirectory(db)
    for _ in range(2):  # a start-up that stopped half-way runs it again
        await directory.migrate()
    assert SHELTERS not in await db.list_collection_names()
    found = await directory.names([shelter_id, f"{shelter_id}-x", "nowhere"])
    assert found == {shelter_id: "三版", f"{shelter_id}-x": "一版"}
    assert await directory.record(shelter_id, 3, "同版", False) is False  # versions moved too
    assert await directory.record(shelter_id, 4, "四版", False) is True
    assert await directory.names([shelter_id]) == {shelter_id: "四版"}
