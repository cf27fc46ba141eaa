"""Fakes and fixtures of the roster tests (unit and integration).

`FakeRosterEntries` keeps documents in memory, each group of fields written once (as the
Mongo adapter's insert-only facts are), and stores them as MongoDB gives them back (BSON round trip:
UTC times at millisecond precision, lists for tuples). The repository contract suite
(tests/integration/test_repository_contract.py) runs the same assertions against it and the
real Mongo adapter, which is what licenses using it in the unit tests.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

import bson
import httpx
import pytest
from asgi_lifespan import LifespanManager
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions
from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from pydantic import SecretStr
from pymongo import AsyncMongoClient

from shelter_contracts.events import (
    AuditRecorded,
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    ShelterFacts,
    ShelterUpdated,
)
from shelter_contracts.personal import EvacueePersonal
from shelter_roster.adapters.mongo import (
    MongoNumbering,
    MongoRosterEntries,
    MongoRosterSettings,
    MongoShelterDirectory,
)
from shelter_roster.bootstrap import bootstrap
from shelter_roster.config import Settings
from shelter_roster.domain.disclosure import DisclosureSettings
from shelter_roster.domain.model import (
    CheckInFacts,
    CheckOutFacts,
    EntryNumbers,
    EntryQuery,
    Presence,
    PublicQuery,
    ToNumber,
)
from shelter_roster.domain.rate_limit import RateLimiter
from shelter_roster.entrypoints import public, pull, staff
from shelter_roster.entrypoints import settings as settings_routes
from shelter_roster.service_layer.documents import check_in_fields, check_out_fields
from shelter_runtime.http import create_app
from shelter_runtime.mongo import Document
from shelter_runtime.settings import Environment
from shelter_testing import Stack
from shelter_testing.events import T0, check_in_event, check_out_event, personal
from shelter_testing.tokens import TestIssuer

#: A fixed origin for event times: whole milliseconds, so they survive MongoDB unchanged.

_BSON: CodecOptions[Document] = CodecOptions(
    tz_aware=True, uuid_representation=UuidRepresentation.STANDARD
)


def as_stored(document: Document) -> Document:
    """A document as MongoDB returns it after storing it (a BSON round trip)."""
    return bson.decode(bson.encode(document, codec_options=_BSON), codec_options=_BSON)


class WriteOnceDocuments:
    """In-memory documents whose groups of fields are each written once.

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

    async def record_check_in(self, facts: CheckInFacts, numbers: EntryNumbers) -> bool:
        return self.entries.set_once(
            facts.stay_id, "checked_in_at", check_in_fields(facts, numbers)
        )

    async def record_many(
        self,
        check_ins: Sequence[tuple[CheckInFacts, EntryNumbers]],
        check_outs: Sequence[CheckOutFacts],
    ) -> set[UUID]:
        changed = set()
        for facts, numbers in check_ins:
            if await self.record_check_in(facts, numbers):
                changed.add(facts.stay_id)
        for out in check_outs:
            if await self.record_check_out(out):
                changed.add(out.stay_id)
        return changed

    async def record_check_out(self, facts: CheckOutFacts) -> bool:
        return self.entries.set_once(facts.stay_id, "checked_out_at", check_out_fields(facts))

    @staticmethod
    def _without_history(doc: Document) -> Document:
        return copy.deepcopy({k: v for k, v in doc.items() if k != "history"})

    async def get(self, stay_id: UUID) -> Document | None:
        doc = self.entries.documents.get(stay_id)
        return self._without_history(doc) if doc is not None else None

    def _sorted(self, rows: list[Document]) -> list[Document]:
        # MongoDB orders standard UUIDs (binary subtype 4) by their bytes, as UUID.int does.
        return sorted(rows, key=lambda d: (d["checked_in_at"], d["_id"].int))

    def _matching(self, query: EntryQuery) -> list[Document]:
        def matches(d: Document) -> bool:
            if "checked_in_at" not in d:
                return False
            if query.shelter_id is not None and d.get("shelter_id") != query.shelter_id:
                return False
            if (d.get("training") is True) != query.training:
                return False
            if query.presence is Presence.PRESENT and "checked_out_at" in d:
                return False
            if query.presence is Presence.CHECKED_OUT and "checked_out_at" not in d:
                return False
            if query.status_item is not None and query.status_item not in d["statuses"]:
                return False
            folded = d["folded"]
            return not query.name or query.name in folded["name"] or query.name in folded["kana"]

        return self._sorted([d for d in self.entries.documents.values() if matches(d)])

    async def find(self, query: EntryQuery, limit: int, skip: int) -> list[Document]:
        return [self._without_history(d) for d in self._matching(query)[skip : skip + limit]]

    async def count(self, query: EntryQuery) -> int:
        return len(self._matching(query))

    async def search_public(self, query: PublicQuery, limit: int) -> list[Document]:
        if not (query.family_name or query.given_name):
            raise ValueError("a public search needs a family or given name")

        def matches(d: Document) -> bool:
            if "checked_in_at" not in d or "checked_out_at" in d or d.get("training") is True:
                return False
            f = d["folded"]
            family = query.family_name
            given = query.given_name
            return (not family or family in (f["family"], f["family_kana"])) and (
                not given or given in (f["given"], f["given_kana"])
            )

        rows = self._sorted([d for d in self.entries.documents.values() if matches(d)])
        return [self._without_history(d) for d in rows[:limit]]

    async def correct(self, stay_id: UUID, revision: int, fields: Document, edit: Document) -> bool:
        doc = self.entries.documents.get(stay_id)
        if doc is None or "checked_in_at" not in doc or doc.get("revision", 0) != revision:
            return False
        history = [*doc.get("history", []), edit]
        self.entries.documents[stay_id] = as_stored(
            {**doc, **fields, "revision": revision + 1, "history": history}
        )
        return True

    async def history(self, stay_id: UUID) -> list[Document]:
        doc = self.entries.documents.get(stay_id)
        return copy.deepcopy(list((doc or {}).get("history") or []))


class FakeNumbering:
    """Per-shelter counters and household numbers in memory, like MongoNumbering."""

    def __init__(self) -> None:
        self.counters: dict[str, int] = {}
        self.serials: dict[UUID, int] = {}
        self.households: dict[str, int] = {}

    def _next(self, counter: str) -> int:
        self.counters[counter] = self.counters.get(counter, 0) + 1
        return self.counters[counter]

    async def number_many(
        self, wanted: Sequence[ToNumber]
    ) -> list[tuple[dict[UUID, int], dict[str, int]]]:
        return [
            (
                {s: await self.serial(w.shelter_id, s, w.training) for s in w.stay_ids},
                {
                    k: await self.household_number(w.shelter_id, k, w.training)
                    for k in w.household_keys
                },
            )
            for w in wanted
        ]

    async def draw_many(
        self, wanted: Sequence[ToNumber]
    ) -> list[tuple[dict[UUID, int], dict[str, int]]]:
        # Keeps the numbers at once, where the adapter keeps them with the recorded check-ins:
        # the same numbers either way, drawn again or kept.
        return await self.number_many(wanted)

    async def serial(self, shelter_id: str, stay_id: UUID, training: bool) -> int:
        if stay_id not in self.serials:
            self.serials[stay_id] = self._next(f"serial|{training}|{shelter_id}")
        return self.serials[stay_id]

    async def household_number(self, shelter_id: str, household_key: str, training: bool) -> int:
        key = f"{training}|{shelter_id}|{household_key}"
        if key not in self.households:
            self.households[key] = self._next(f"household|{training}|{shelter_id}")
        return self.households[key]


class FakeShelterDirectory:
    def __init__(self) -> None:
        self.shelters: dict[str, tuple[int, str, bool]] = {}

    async def record(self, shelter_id: str, version: int, name: str, deleted: bool) -> bool:
        known = self.shelters.get(shelter_id)
        if known is not None and known[0] >= version:
            return False
        self.shelters[shelter_id] = (version, name, deleted)
        return True

    async def names(self, shelter_ids: Iterable[str]) -> dict[str, str]:
        return {i: self.shelters[i][1] for i in set(shelter_ids) if i in self.shelters}


class FakeRosterSettings:
    def __init__(self) -> None:
        self.saved: DisclosureSettings | None = None

    async def disclosure(self) -> DisclosureSettings:
        return self.saved or DisclosureSettings()

    async def save_disclosure(self, settings: DisclosureSettings) -> None:
        self.saved = settings


# --- events ---------------------------------------------------------------------------------


#: A household key as registration sends it (an opaque digest).
def make_check_in(
    shelter_id: str,
    *,
    family_name: str = "山田",
    given_name: str = "花子",
    family_name_kana: str | None = "ヤマダ",
    given_name_kana: str | None = "ハナコ",
    who: EvacueePersonal | None = None,
    **options: Any,
) -> EvacueeCheckedIn:
    """A check-in at T0 + `minute` minutes (shelter_testing.events), named as the test needs."""
    name = personal(
        family_name,
        given_name,
        family_name_kana=family_name_kana,
        given_name_kana=given_name_kana,
    )
    return check_in_event(shelter_id, who=who or name, **options)


make_check_out = check_out_event


def make_shelter_event(shelter_id: str, name: str, version: int) -> ShelterUpdated:
    return ShelterUpdated(
        occurred_at=T0,
        shelter_id=shelter_id,
        producer="registration",
        version=version,
        shelter=ShelterFacts(name=name, capacity=100, is_open=True),
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


@pytest.fixture
def fake_numbering() -> FakeNumbering:
    return FakeNumbering()


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


@pytest.fixture(params=["fake", "mongo"])
def numbering_store(
    request: pytest.FixtureRequest,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
) -> FakeNumbering | MongoNumbering:
    if request.param == "fake":
        return FakeNumbering()
    return MongoNumbering(mongo_client[database_name])


@pytest.fixture(params=["fake", "mongo"])
def shelter_directory(
    request: pytest.FixtureRequest,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
) -> FakeShelterDirectory | MongoShelterDirectory:
    if request.param == "fake":
        return FakeShelterDirectory()
    return MongoShelterDirectory(mongo_client[database_name])


@pytest.fixture(params=["fake", "mongo"])
def settings_store(
    request: pytest.FixtureRequest,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
) -> FakeRosterSettings | MongoRosterSettings:
    if request.param == "fake":
        return FakeRosterSettings()
    return MongoRosterSettings(mongo_client[database_name])


# --- the HTTP API over fakes (unit tier) ----------------------------------------------------


class RecordedAudit:
    """The audit sink of the unit tests: what `record_audit` would have published (S10.8)."""

    producer = "roster"

    def __init__(self) -> None:
        self.events: list[AuditRecorded] = []

    async def record(self, event: AuditRecorded) -> None:
        self.events.append(event)

    def actions(self) -> list[str]:
        return [e.action for e in self.events]


class FakeRoster:
    """The roster app's routes over in-memory stores, without Kafka or a database."""

    def __init__(self, per_minute: int = 30) -> None:
        self.entries = FakeRosterEntries()
        self.numbering = FakeNumbering()
        self.shelters = FakeShelterDirectory()
        self.settings = FakeRosterSettings()
        self.config = Settings(
            environment=Environment.TEST,
            public_search_per_minute=per_minute,
            otel_exporter_otlp_endpoint=None,
        )
        self.limiter = RateLimiter(per_minute, window=60.0)
        self.audit = RecordedAudit()
        self.app = create_app(
            title="roster (fakes)",
            version="test",
            routers=[staff.router, public.router, settings_routes.router, pull.router],
            checks={},
        )
        state = self.app.state
        state.settings = self.config
        state.entries = self.entries
        state.shelters = self.shelters
        state.roster_settings = self.settings
        state.public_limiter = self.limiter
        state.audit = self.audit
        self.issuer = TestIssuer()
        self.issuer.install(self.app, "roster")

    def client(self, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
        """A client signed in as `headers` says; an administrator by default."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app, client=("203.0.113.7", 5000)),
            base_url="http://svc",
            headers=self.issuer.headers("administrator") if headers is None else headers,
        )


@pytest.fixture
def fake_roster() -> FakeRoster:
    return FakeRoster()


# --- the service in-process, and a producer -------------------------------------------------


def service_settings(stack: Stack, namespace: str, database_name: str) -> Settings:
    """The roster's settings on this test's topics, consumer group and database."""
    return Settings(
        environment=Environment.TEST,
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        kafka_topic_namespace=namespace,
        kafka_consumer_group=f"roster-{namespace}",
        mongodb_uri=SecretStr(stack.mongodb_uri),
        mongodb_database=database_name,
        mongodb_database_prefix="",
        otel_exporter_otlp_endpoint=None,
    )


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `app` while its lifespan (consumers included) runs, as an administrator."""
    issuer = TestIssuer()
    issuer.install(app, "roster")
    async with (
        LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app),
            base_url="http://svc",
            headers=issuer.headers("administrator", sub="staff-1"),
        ) as client,
    ):
        yield client


@pytest.fixture
async def roster_api(
    stack: Stack, namespace: str, database_name: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The roster app with its consumers running on this test's topics and database."""
    async with running(bootstrap(service_settings(stack, namespace, database_name))) as client:
        yield client


@pytest.fixture(scope="session")
async def kafka_producer(stack: Stack) -> AsyncIterator[KafkaBroker]:
    """A plain producer, as any publisher of the contracts would be."""
    broker = KafkaBroker(stack.kafka_bootstrap, client_id="roster-tests")
    await broker.start()
    yield broker
    await broker.stop()
