"""Valid events and personal data, built fresh for each test."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from shelter_contracts.events import (
    Channel,
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    Event,
    ShelterFacts,
    ShelterRegistered,
)
from shelter_contracts.personal import EvacueePersonal, Sex
from shelter_contracts.topics import EVACUEE_STAYS, SHELTERS, Topic

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.fixture
def personal() -> EvacueePersonal:
    return EvacueePersonal(
        family_name="山田",
        given_name="花子",
        family_name_kana="ヤマダ",
        given_name_kana="ハナコ",
        address="東京都千代田区千代田1-1",
        date_of_birth=date(1950, 4, 1),
        sex=Sex.FEMALE,
        phone="090-1234-5678",
        email="hanako@example.jp",
    )


@pytest.fixture
def checked_in(personal: EvacueePersonal) -> EvacueeCheckedIn:
    return EvacueeCheckedIn(
        occurred_at=NOW,
        shelter_id="13101-0001",
        producer="registration",
        stay_id=uuid4(),
        channel=Channel.SMARTPHONE,
        personal=personal,
        age_band=70,
        sex=personal.sex,
        household_key="0123456789abcdef0123456789abcdef",
        statuses=("要介護", "ペット同伴"),
        message="卵アレルギー",
        checked_in_at=NOW,
        training=True,
    )


@pytest.fixture
def checked_out() -> EvacueeCheckedOut:
    return EvacueeCheckedOut(
        occurred_at=NOW,
        shelter_id="13101-0001",
        producer="registration",
        stay_id=uuid4(),
        channel=Channel.STAFF,
        checked_out_at=NOW,
        forced=True,
    )


@pytest.fixture
def shelter_registered() -> ShelterRegistered:
    return ShelterRegistered(
        occurred_at=NOW,
        shelter_id="13101-0001",
        producer="registration",
        version=1,
        shelter=ShelterFacts(name="千代田小学校", capacity=200),
    )


@pytest.fixture(params=["checked_in", "checked_out", "shelter_registered"])
def published(request: pytest.FixtureRequest) -> tuple[Topic, Event]:
    """Each event with the topic that carries it."""
    topic = SHELTERS if request.param == "shelter_registered" else EVACUEE_STAYS
    event: Event = request.getfixturevalue(request.param)
    return topic, event
