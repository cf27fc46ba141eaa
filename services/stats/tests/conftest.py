"""Fakes and fixtures of the statistics tests (unit and integration).

`FakeStatistics` keeps per-stay facts and capacities in memory with the semantics of
`shelter_runtime.mongo.set_once` and of the adapter's "newest capacity wins", storing values as
MongoDB gives them back (UTC times at millisecond precision). The repository contract suite
(tests/integration/test_repository_contract.py) runs the same assertions against it and the
real Mongo adapter, which is what licenses using it in the unit tests.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import bson
import httpx
import pytest
from asgi_lifespan import LifespanManager
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions
from faststream.kafka import KafkaBroker
from pydantic import SecretStr
from pymongo import AsyncMongoClient

from shelter_contracts.events import (
    Channel,
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    ShelterFacts,
    ShelterRegistered,
)
from shelter_contracts.personal import EvacueePersonal, Sex
from shelter_runtime.mongo import Document
from shelter_runtime.settings import Environment
from shelter_stats.adapters.mongo import MongoStatistics
from shelter_stats.bootstrap import bootstrap
from shelter_stats.config import Settings
from shelter_stats.domain.model import ShelterCounts
from shelter_testing import Stack

#: A fixed origin for event times: whole milliseconds, so they survive MongoDB unchanged.
T0 = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)

_BSON: CodecOptions[Document] = CodecOptions(
    tz_aware=True, uuid_representation=UuidRepresentation.STANDARD
)


def as_stored(document: Document) -> Document:
    """A document as MongoDB returns it after storing it (a BSON round trip)."""
    return bson.decode(bson.encode(document, codec_options=_BSON), codec_options=_BSON)


class WriteOnceDocuments:
    """In-memory documents written like `shelter_runtime.mongo.set_once`.

    A group of fields guarded by `marker` is written once: into a new document, or merged into
    an existing one that lacks the marker; when the marker is already there nothing changes
    and the write reports False (the real one sees a duplicate key).
    """

    def __init__(self) -> None:
        self.documents: dict[Any, Document] = {}

    def set_once(self, doc_id: Any, marker: str, fields: Document) -> bool:
        if marker not in fields:
            raise ValueError(f"fields must contain the marker {marker!r}")
        current = self.documents.get(doc_id)
        if current is not None and marker in current:
            return False
        self.documents[doc_id] = as_stored({**(current or {}), **fields, "_id": doc_id})
        return True


class FakeStatistics:
    """The statistics repository in memory: same methods and answers as MongoStatistics."""

    def __init__(self) -> None:
        self.stays = WriteOnceDocuments()
        self.shelters: dict[str, Document] = {}

    async def ensure_indexes(self) -> None:
        return None

    async def record_check_in(
        self, stay_id: UUID, shelter_id: str, age_band: int, training: bool, at: datetime
    ) -> bool:
        return self.stays.set_once(
            stay_id,
            "checked_in_at",
            {
                "shelter_id": shelter_id,
                "age_band": age_band,
                "training": training,
                "checked_in_at": at,
            },
        )

    async def record_check_out(self, stay_id: UUID, shelter_id: str, at: datetime) -> bool:
        return self.stays.set_once(
            stay_id, "checked_out_at", {"shelter_id": shelter_id, "checked_out_at": at}
        )

    async def record_shelter(self, shelter_id: str, capacity: int, as_of: datetime) -> bool:
        new = as_stored({"_id": shelter_id, "capacity": capacity, "as_of": as_of})
        current = self.shelters.get(shelter_id)
        if current is not None and current["as_of"] >= new["as_of"]:
            return False
        self.shelters[shelter_id] = new
        return True

    async def counts(self, shelter_id: str) -> ShelterCounts:
        real = [
            d
            for d in self.stays.documents.values()
            if d.get("shelter_id") == shelter_id
            and "checked_in_at" in d
            and d.get("training") is False
        ]
        shelter = self.shelters.get(shelter_id)
        return ShelterCounts(
            shelter_id=shelter_id,
            capacity=shelter["capacity"] if shelter else None,
            checked_in=len(real),
            checked_out=sum("checked_out_at" in d for d in real),
        )


# --- events ---------------------------------------------------------------------------------


def personal(family_name: str = "山田", given_name: str = "花子") -> EvacueePersonal:
    return EvacueePersonal(
        family_name=family_name,
        given_name=given_name,
        family_name_kana="ヤマダ",
        given_name_kana="ハナコ",
        address="東京都千代田区千代田1-1",
        date_of_birth=date(1950, 4, 1),
        sex=Sex.FEMALE,
        phone="090-1234-5678",
    )


def make_check_in(
    shelter_id: str,
    *,
    stay_id: UUID | None = None,
    minute: int = 0,
    training: bool = False,
    channel: Channel = Channel.SMARTPHONE,
    family_name: str = "山田",
    message: str | None = "卵アレルギー",
    statuses: tuple[str, ...] = ("要介護",),
) -> EvacueeCheckedIn:
    """A check-in at T0 + `minute` minutes."""
    at = T0 + timedelta(minutes=minute)
    return EvacueeCheckedIn(
        occurred_at=at,
        shelter_id=shelter_id,
        producer="registration",
        stay_id=stay_id or uuid.uuid4(),
        channel=channel,
        personal=personal(family_name=family_name),
        age_band=70,
        sex=Sex.FEMALE,
        household_key="0123456789abcdef0123456789abcdef",
        statuses=statuses,
        message=message,
        checked_in_at=at,
        training=training,
    )


def make_check_out(
    shelter_id: str, stay_id: UUID, *, minute: int = 60, forced: bool = False
) -> EvacueeCheckedOut:
    """A check-out at T0 + `minute` minutes."""
    at = T0 + timedelta(minutes=minute)
    return EvacueeCheckedOut(
        occurred_at=at,
        shelter_id=shelter_id,
        producer="registration",
        stay_id=stay_id,
        channel=Channel.STAFF if forced else Channel.SMARTPHONE,
        checked_out_at=at,
        forced=forced,
    )


def make_shelter_registered(
    shelter_id: str, *, capacity: int, minute: int = 0, name: str = "千代田小学校"
) -> ShelterRegistered:
    """The shelter's facts as of T0 + `minute` minutes."""
    return ShelterRegistered(
        occurred_at=T0 + timedelta(minutes=minute),
        shelter_id=shelter_id,
        producer="registration",
        version=1,
        shelter=ShelterFacts(name=name, capacity=capacity),
    )


@pytest.fixture(scope="session")
def check_in() -> Callable[..., EvacueeCheckedIn]:
    """Factory of check-in events: `check_in(shelter_id, stay_id=..., minute=..., ...)`."""
    return make_check_in


@pytest.fixture(scope="session")
def check_out() -> Callable[..., EvacueeCheckedOut]:
    """Factory of check-out events: `check_out(shelter_id, stay_id, minute=..., forced=...)`."""
    return make_check_out


@pytest.fixture(scope="session")
def shelter_registered() -> Callable[..., ShelterRegistered]:
    """Factory of shelter events: `shelter_registered(shelter_id, capacity=..., minute=...)`."""
    return make_shelter_registered


@pytest.fixture
def shelter_id() -> str:
    """A shelter id of this test's own."""
    return f"13101-{uuid.uuid4().hex[:8]}"


# --- repositories ---------------------------------------------------------------------------


@pytest.fixture
def fake_stats() -> FakeStatistics:
    return FakeStatistics()


@pytest.fixture(scope="session")
def new_fake_stats() -> Callable[[], FakeStatistics]:
    """Makes empty fakes; for property tests, which need a fresh one per example."""
    return FakeStatistics


@pytest.fixture(params=["fake", "mongo"])
async def stats_store(
    request: pytest.FixtureRequest,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
) -> FakeStatistics | MongoStatistics:
    """The statistics repository: the in-memory fake, then the real adapter on its own database."""
    store: FakeStatistics | MongoStatistics
    if request.param == "fake":
        store = FakeStatistics()
    else:
        store = MongoStatistics(mongo_client[database_name])
    await store.ensure_indexes()
    return store


# --- the service in-process, and a producer -------------------------------------------------


@pytest.fixture
async def stats_api(
    stack: Stack, namespace: str, database_name: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The statistics app with its consumers running on this test's topics and database."""
    settings = Settings(
        environment=Environment.TEST,
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        kafka_topic_namespace=namespace,
        kafka_consumer_group=f"stats-{namespace}",
        mongodb_uri=SecretStr(stack.mongodb_uri),
        mongodb_database=database_name,
        mongodb_database_prefix="",
        otel_exporter_otlp_endpoint=None,
    )
    app = bootstrap(settings)
    async with (
        LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://svc"
        ) as client,
    ):
        yield client


@pytest.fixture(scope="session")
async def kafka_producer(stack: Stack) -> AsyncIterator[KafkaBroker]:
    """A plain producer, as any publisher of the contracts would be."""
    broker = KafkaBroker(stack.kafka_bootstrap, client_id="stats-tests")
    await broker.start()
    yield broker
    await broker.stop()
