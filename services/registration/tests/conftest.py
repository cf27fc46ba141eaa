"""Fakes of the registration ports and fixtures shared by the unit and integration tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from pydantic import SecretStr

from shelter_contracts.events import Event
from shelter_contracts.personal import EvacueePersonal, Sex
from shelter_registration.config import Settings
from shelter_registration.domain.model import Shelter, ShelterAlreadyExistsError, Stay
from shelter_registration.service_layer.handlers import Dependencies
from shelter_runtime.settings import Environment
from shelter_testing.stack import Stack


class FakeShelters:
    def __init__(self) -> None:
        self.by_id: dict[str, Shelter] = {}
        self.events: list[Event] = []

    async def get(self, shelter_id: str) -> Shelter | None:
        return self.by_id.get(shelter_id)

    async def add(self, shelter: Shelter, events: Sequence[Event]) -> None:
        if shelter.shelter_id in self.by_id:
            raise ShelterAlreadyExistsError(shelter.shelter_id)
        self.by_id[shelter.shelter_id] = shelter
        self.events += events


class FakeStays:
    def __init__(self) -> None:
        self.by_id: dict[UUID, Stay] = {}
        self.events: list[Event] = []

    async def get(self, stay_id: UUID) -> Stay | None:
        return self.by_id.get(stay_id)

    async def add(self, stay: Stay, events: Sequence[Event]) -> None:
        self.by_id[stay.stay_id] = stay
        self.events += events

    async def check_out(self, stay: Stay, events: Sequence[Event]) -> bool:
        stored = self.by_id[stay.stay_id]
        if stored.checked_out_at is not None:
            return False
        self.by_id[stay.stay_id] = replace(stored, checked_out_at=stay.checked_out_at)
        self.events += events
        return True


class FakeDispatcher:
    def __init__(self) -> None:
        self.delivered: list[tuple[str, object]] = []

    async def deliver(self, source: str, key: object) -> bool:
        self.delivered.append((source, key))
        return True


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.fixture
def deps() -> Dependencies:
    return Dependencies(
        shelters=FakeShelters(),
        stays=FakeStays(),
        dispatcher=FakeDispatcher(),
        clock=FixedClock(NOW),
    )


@pytest.fixture
def hanako() -> EvacueePersonal:
    return EvacueePersonal(
        family_name="山田",
        given_name="花子",
        family_name_kana="ヤマダ",
        given_name_kana="ハナコ",
        address="東京都千代田区千代田1-1",
        date_of_birth=date(1950, 4, 1),
        sex=Sex.FEMALE,
        phone="090-1234-5678",
    )


@pytest.fixture
def settings(stack: Stack, namespace: str, database_name: str) -> Settings:
    """Settings that point at the test stack, with this test's own topics and database."""
    return Settings(
        environment=Environment.TEST,
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        mongodb_uri=SecretStr(stack.mongodb_uri),
        mongodb_database=database_name,
        kafka_topic_namespace=namespace,
        outbox_relay_interval_seconds=0.2,
    )
