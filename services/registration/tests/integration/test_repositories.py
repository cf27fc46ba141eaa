"""One contract for the stay and shelter repositories, run against the fake and FerretDB."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest
from pymongo import AsyncMongoClient

from shelter_contracts.events import Channel, EvacueeCheckedOut, ShelterFacts, ShelterRegistered
from shelter_contracts.personal import EvacueePersonal
from shelter_registration.adapters.mongo import MongoShelters, MongoStays
from shelter_registration.domain.model import Shelter, ShelterAlreadyExistsError, Stay
from shelter_registration.service_layer.ports import Shelters, Stays
from shelter_runtime.mongo import Document

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.fixture(params=["fake", "mongo"])
def repos(
    request: pytest.FixtureRequest,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
    namespace: str,
) -> tuple[Shelters, Stays]:
    if request.param == "fake":
        fakes: Any = request.getfixturevalue("deps")
        return fakes.shelters, fakes.stays
    db = mongo_client[database_name]
    return MongoShelters(db, namespace), MongoStays(db, namespace)


async def test_shelter_round_trip_and_unique_id(repos: tuple[Shelters, Stays]) -> None:
    shelters, _ = repos
    shelter = Shelter("13101-0001", "千代田小学校", 200)
    event = ShelterRegistered(
        occurred_at=AT,
        shelter_id=shelter.shelter_id,
        producer="t",
        version=1,
        shelter=ShelterFacts(name=shelter.name, capacity=200),
    )
    await shelters.add(shelter, [event])
    assert await shelters.get("13101-0001") == shelter
    assert await shelters.get("13101-0002") is None
    with pytest.raises(ShelterAlreadyExistsError):
        await shelters.add(Shelter("13101-0001", "別の名前", 5), [event])
    assert await shelters.get("13101-0001") == shelter


async def test_stay_round_trip_and_single_check_out(
    repos: tuple[Shelters, Stays], hanako: EvacueePersonal
) -> None:
    _, stays = repos
    stay = Stay(uuid4(), "13101-0001", Channel.SMARTPHONE, hanako, AT)
    await stays.add(stay, [])
    assert await stays.get(stay.stay_id) == stay
    assert await stays.get(uuid4()) is None

    left = stay.check_out(AT.replace(hour=18))
    event = EvacueeCheckedOut(
        occurred_at=AT,
        shelter_id=stay.shelter_id,
        producer="t",
        stay_id=stay.stay_id,
        channel=Channel.STAFF,
        checked_out_at=AT.replace(hour=18),
    )
    assert await stays.check_out(left, [event]) is True
    assert await stays.check_out(left, [event]) is False  # a second, racing check-out loses
    stored = await stays.get(stay.stay_id)
    assert stored is not None and stored.checked_out_at == AT.replace(hour=18)
