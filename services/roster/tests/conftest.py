"""Fakes and fixtures of the roster tests (unit and integration).

`FakeRosterEntries` keeps documents in memory with the semantics of
`shelter_runtime.mongo.set_once` and stores them as MongoDB gives them back (BSON round trip:
UTC times at millisecond precision, lists for tuples). The repository contract suite
(tests/integration/test_repository_contract.py) runs the same assertions against it and the
real Mongo adapter, which is what licenses using it in the unit tests.
"""

from __future__ import annotations

import copy
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

from shelter_contracts.events import Channel, EvacueeCheckedIn, EvacueeCheckedOut
from shelter_contracts.personal import EvacueePersonal, Sex
from shelter_roster.adapters.mongo import MongoRosterEntries
from shelter_roster.bootstrap import bootstrap
from shelter_roster.config import Settings
from shelter_roster.domain.model import CheckInFacts, CheckOutFacts
from shelter_runtime.mongo import Document
from shelter_runtime.settings import Environment
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


class FakeRosterEntries:
    """The roster repository in memory: same methods and documents as MongoRosterEntries."""

    def __init__(self) -> None:
        self.entries = WriteOnceDocuments()

    async def ensure_indexes(self) -> None:
        return None

    async def record_check_in(self, facts: CheckInFacts) -> bool:
        return self.entries.set_once(
            facts.stay_id,
            "checked_in_at",
            {
                "shelter_id": facts.shelter_id,
                "channel": int(facts.channel),
                "personal": facts.personal.model_dump(mode="json"),
                "statuses": list(facts.statuses),
                "message": facts.message,
                "checked_in_at": facts.checked_in_at,
                "training": facts.training,
            },
        )

    async def record_check_out(self, facts: CheckOutFacts) -> bool:
        return self.entries.set_once(
            facts.stay_id,
            "checked_out_at",
            {
                "shelter_id": facts.shelter_id,
                "checked_out_at": facts.checked_out_at,
                "forced_check_out": facts.forced,
            },
        )

    async def get(self, stay_id: UUID) -> Document | None:
        doc = self.entries.documents.get(stay_id)
        return copy.deepcopy(doc) if doc is not None else None

    async def list_for_shelter(self, shelter_id: str, limit: int, skip: int) -> list[Document]:
        rows = [
            d
            for d in self.entries.documents.values()
            if d.get("shelter_id") == shelter_id and "checked_in_at" in d
        ]
        # MongoDB orders standard UUIDs (binary subtype 4) by their bytes, as UUID.int does.
        rows.sort(key=lambda d: (d["checked_in_at"], d["_id"].int))
        return copy.deepcopy(rows[skip : skip + limit])


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


@pytest.fixture(scope="session")
def check_in() -> Callable[..., EvacueeCheckedIn]:
    """Factory of check-in events: `check_in(shelter_id, stay_id=..., minute=..., ...)`."""
    return make_check_in


@pytest.fixture(scope="session")
def check_out() -> Callable[..., EvacueeCheckedOut]:
    """Factory of check-out events: `check_out(shelter_id, stay_id, minute=..., forced=...)`."""
    return make_check_out


@pytest.fixture
def shelter_id() -> str:
    """A shelter id of this test's own."""
    return f"13101-{uuid.uuid4().hex[:8]}"


# --- repositories ---------------------------------------------------------------------------


@pytest.fixture
def fake_entries() -> FakeRosterEntries:
    return FakeRosterEntries()


@pytest.fixture(params=["fake", "mongo"])
async def roster_store(
    request: pytest.FixtureRequest,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
) -> FakeRosterEntries | MongoRosterEntries:
    """The roster repository: the in-memory fake, then the real adapter on its own database."""
    store: FakeRosterEntries | MongoRosterEntries
    if request.param == "fake":
        store = FakeRosterEntries()
    else:
        store = MongoRosterEntries(mongo_client[database_name])
    await store.ensure_indexes()
    return store


# --- the service in-process, and a producer -------------------------------------------------


@pytest.fixture
async def roster_api(
    stack: Stack, namespace: str, database_name: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The roster app with its consumer running on this test's topics and database."""
    settings = Settings(
        environment=Environment.TEST,
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        kafka_topic_namespace=namespace,
        kafka_consumer_group=f"roster-{namespace}",
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
    broker = KafkaBroker(stack.kafka_bootstrap, client_id="roster-tests")
    await broker.start()
    yield broker
    await broker.stop()
