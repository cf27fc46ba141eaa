"""Fakes of the registration ports and fixtures shared by the unit and integration tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest
from pydantic import SecretStr

from shelter_contracts.events import AuditRecorded, Event
from shelter_contracts.personal import EvacueePersonal, Sex
from shelter_registration.config import Settings
from shelter_registration.domain.links import DisasterLink
from shelter_registration.domain.model import (
    AlreadyCheckedInError,
    ConcurrentUpdateError,
    Shelter,
    ShelterAlreadyExistsError,
    Stay,
    present_key,
)
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

    async def add_many(self, shelters: Sequence[tuple[Shelter, Sequence[Event]]]) -> set[str]:
        taken = set()
        for shelter, events in shelters:
            try:
                await self.add(shelter, events)
            except ShelterAlreadyExistsError:
                taken.add(shelter.shelter_id)
        return taken

    async def update(self, shelter: Shelter, events: Sequence[Event]) -> None:
        stored = self.by_id.get(shelter.shelter_id)
        if stored is None or stored.version != shelter.version - 1:
            raise ConcurrentUpdateError(shelter.shelter_id)
        self.by_id[shelter.shelter_id] = shelter
        self.events += events

    async def all(self) -> list[Shelter]:
        return list(self.by_id.values())

    async def list(self, offset: int, limit: int) -> tuple[list[Shelter], int]:
        live = sorted((s for s in self.by_id.values() if not s.deleted), key=lambda s: s.shelter_id)
        return live[offset : offset + limit], len(live)


class FakeStays:
    """Keeps one present stay per person, shelter and mode, like the unique index in Mongo."""

    def __init__(self) -> None:
        self.by_id: dict[UUID, Stay] = {}
        self.events: list[Event] = []

    async def get(self, stay_id: UUID) -> Stay | None:
        return self.by_id.get(stay_id)

    async def add(self, stay: Stay, events: Sequence[Event]) -> None:
        if any(present_key(s) == present_key(stay) for s in self.by_id.values()):
            raise AlreadyCheckedInError(stay.shelter_id)
        self.by_id[stay.stay_id] = stay
        self.events += events

    async def present(self, person_key: str, training: bool) -> list[Stay]:
        return sorted(
            (
                s
                for s in self.by_id.values()
                if s.person_key == person_key
                and s.checked_out_at is None
                and s.training == training
            ),
            key=lambda s: s.checked_in_at,
        )

    async def check_out(self, stay: Stay, events: Sequence[Event]) -> bool:
        stored = self.by_id[stay.stay_id]
        if stored.checked_out_at is not None:
            return False
        self.by_id[stay.stay_id] = replace(
            stored, checked_out_at=stay.checked_out_at, transferred_to=stay.transferred_to
        )
        self.events += events
        return True


class FakeStatusItems:
    def __init__(self) -> None:
        self.items: tuple[str, ...] | None = None

    async def get(self) -> tuple[str, ...] | None:
        return self.items

    async def set(self, items: tuple[str, ...]) -> None:
        self.items = items


class FakeLinks:
    def __init__(self) -> None:
        self.links: tuple[DisasterLink, ...] = ()

    async def get(self) -> tuple[DisasterLink, ...]:
        return self.links

    async def set(self, links: tuple[DisasterLink, ...]) -> None:
        self.links = links


class RecordedAudit:
    """The audit sink of the unit tests: what `record_audit` would have published."""

    producer = "registration"

    def __init__(self) -> None:
        self.events: list[AuditRecorded] = []

    async def record(self, event: AuditRecorded) -> None:
        self.events.append(event)

    def actions(self) -> list[str]:
        return [e.action for e in self.events]


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

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.fixture
def deps() -> Dependencies:
    return Dependencies(
        shelters=FakeShelters(),
        stays=FakeStays(),
        status_items=FakeStatusItems(),
        dispatcher=FakeDispatcher(),
        clock=FixedClock(NOW),
        links=FakeLinks(),
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
        kafka_consumer_group=namespace,
        outbox_relay_interval_seconds=0.2,
    )


@pytest.fixture
def taro() -> EvacueePersonal:
    return EvacueePersonal(
        family_name="佐藤",
        given_name="太郎",
        address="東京都千代田区丸の内1-1",
        date_of_birth=date(1985, 7, 7),
        sex=Sex.MALE,
    )


@pytest.fixture
def fakes(deps: Dependencies) -> Fakes:
    """The same fakes as `deps`, typed as fakes (their inspection helpers)."""
    return Fakes(deps)


class Fakes:
    def __init__(self, deps: Dependencies) -> None:
        assert isinstance(deps.shelters, FakeShelters)
        assert isinstance(deps.stays, FakeStays)
        assert isinstance(deps.status_items, FakeStatusItems)
        assert isinstance(deps.dispatcher, FakeDispatcher)
        assert isinstance(deps.clock, FixedClock)
        self.shelters = deps.shelters
        self.stays = deps.stays
        self.status_items = deps.status_items
        self.dispatcher = deps.dispatcher
        self.clock = deps.clock
