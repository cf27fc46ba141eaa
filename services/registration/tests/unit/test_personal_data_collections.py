"""The one declared list of the collections that hold personal data (names, addresses...)."""

from __future__ import annotations

import pytest
from pymongo import AsyncMongoClient

from shelter_registration.adapters.mongo import (
    PERSONAL_DATA_COLLECTIONS,
    MongoShelters,
    MongoStays,
    is_personal_data_collection,
)
from shelter_registration.adapters.purge import KEPT_COLLECTIONS


def test_the_stays_and_the_slots_are_declared_with_their_shards() -> None:
    assert set(PERSONAL_DATA_COLLECTIONS) == {"stays", "person_stays"}
    for name in ("stays", "stays_000", "stays_127", "person_stays", "person_stays_042"):
        assert is_personal_data_collection(name), name


@pytest.mark.parametrize(
    "name",
    ["stay_check_outs_001", "outbox_pending", "shelters", "stays_archive", "person_stays_x"],
)
def test_collections_without_personal_data_are_not_declared(name: str) -> None:
    assert not is_personal_data_collection(name)


def test_the_repository_stores_stays_in_the_declared_collections() -> None:
    # No server needed: naming the collections does not connect.
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(connect=False)
    stays = MongoStays(client["db"], "ns")
    names = {shard.name for shard in stays.collection.all() + stays.people.all()}
    assert all(is_personal_data_collection(name) for name in names)
    assert not any(is_personal_data_collection(s.name) for s in stays.check_outs.all())


def test_the_shelters_and_their_shards_are_kept_when_the_disaster_is_closed() -> None:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(connect=False)
    shelters = MongoShelters(client["db"], "ns")
    names = {shard.name for shard in shelters.collection.all()} | {shelters.changes.name}
    assert {"shelters_000", "shelters_063", "shelter_changes"} <= names
    assert names | {"shelters"} <= KEPT_COLLECTIONS  # `shelters`: an older database's
    assert not any(is_personal_data_collection(name) for name in names)
