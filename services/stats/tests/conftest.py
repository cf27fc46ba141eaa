"""Fakes and fixtures of the statistics tests (unit and integration).

`FakeStatistics` keeps the stay entries of each shelter as sets (like the adapter's
`$addToSet`), the shelter facts of the highest version and the recounted summaries in memory,
in the adapter's own document shapes. The repository contract suite
(tests/integration/test_repository_contract.py) runs the same assertions against it and the
real Mongo adapter, which is what licenses using it in the unit tests.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import httpx
import pytest
from asgi_lifespan import LifespanManager
from faststream.kafka import KafkaBroker
from pydantic import SecretStr
from pymongo import AsyncMongoClient
from starlette.types import ASGIApp, Message, Scope

from shelter_contracts.events import (
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    ShelterEventBase,
    ShelterFacts,
    ShelterRegistered,
)
from shelter_runtime.mongo import Document
from shelter_runtime.settings import Environment
from shelter_stats.adapters.mongo import (
    MongoStatistics,
    check_in_entry,
    correction_entry,
    counts_document,
    profile_document,
    statistics_from,
    stay_tallies,
)
from shelter_stats.bootstrap import bootstrap
from shelter_stats.config import Settings
from shelter_stats.domain.counting import StayCheckIn, StayCheckOut, StayCorrection, count_stays
from shelter_stats.domain.history import HistoryPoint, oldest_kept
from shelter_stats.domain.model import ShelterProfile, ShelterStatistics
from shelter_testing import Stack
from shelter_testing.events import T0, check_in_event, check_out_event, personal

#: A fixed origin for event times: whole milliseconds, so they survive MongoDB unchanged.


class FakeStatistics:
    """The statistics repository in memory: same methods and answers as MongoStatistics."""

    def __init__(self) -> None:
        self.check_ins: dict[str, list[str]] = {}
        self.check_outs: dict[str, list[str]] = {}
        self.corrections: dict[str, list[str]] = {}
        self.shelters: dict[str, Document] = {}
        self.history_points: dict[str, dict[int, HistoryPoint]] = {}

    async def ensure_indexes(self) -> None:
        return None

    @staticmethod
    def _add(entries: dict[str, list[str]], shelter_id: str, entry: str) -> bool:
        """Like `$addToSet`: False when the entry is already there."""
        present = entries.setdefault(shelter_id, [])
        if entry in present:
            return False
        present.append(entry)
        return True

    async def record_check_in(
        self,
        stay_id: UUID,
        shelter_id: str,
        *,
        at: datetime,
        training: bool,
        age_band: int,
        sex: str,
        household_key: str,
    ) -> bool:
        entry = check_in_entry(stay_id, training, age_band, sex, household_key)
        return self._add(self.check_ins, shelter_id, entry)

    async def record_check_out(self, stay_id: UUID, shelter_id: str, at: datetime) -> bool:
        return self._add(self.check_outs, shelter_id, stay_id.hex)

    async def record_stays(
        self, check_ins: Sequence[StayCheckIn], check_outs: Sequence[StayCheckOut]
    ) -> None:
        for c in check_ins:
            entry = check_in_entry(c.stay_id, c.training, c.age_band, c.sex, c.household_key)
            self._add(self.check_ins, c.shelter_id, entry)
        for o in check_outs:
            self._add(self.check_outs, o.shelter_id, o.stay_id.hex)

    async def record_corrections(self, corrections: Sequence[StayCorrection]) -> None:
        for c in corrections:
            entry = correction_entry(c.stay_id, c.revision, c.age_band, c.sex)
            self._add(self.corrections, c.shelter_id, entry)

    async def record_history(
        self, points: Mapping[str, HistoryPoint], trim: Collection[str] = ()
    ) -> None:
        for shelter_id, point in points.items():
            kept = self.history_points.setdefault(shelter_id, {})
            kept[point.bucket] = point
            if shelter_id in trim:
                oldest = oldest_kept(point.bucket)
                for bucket in [b for b in kept if b < oldest]:
                    del kept[bucket]

    async def history(self, shelter_id: str) -> list[HistoryPoint]:
        points = sorted(self.history_points.get(shelter_id, {}).values(), key=lambda p: p.bucket)
        if points:
            points = [p for p in points if p.bucket >= oldest_kept(points[-1].bucket)]
        return points

    async def record_shelter(self, shelter_id: str, profile: ShelterProfile) -> bool:
        current = self.shelters.setdefault(shelter_id, {"_id": shelter_id})
        if current.get("version", 0) >= profile.version:
            return False
        current.update(version=profile.version, facts=profile_document(profile))
        return True

    async def record_shelters(self, profiles: Mapping[str, ShelterProfile]) -> set[str]:
        return {s for s, profile in profiles.items() if await self.record_shelter(s, profile)}

    async def refresh(self, shelter_ids: Sequence[str]) -> list[ShelterStatistics]:
        for shelter_id in shelter_ids:
            tallies = stay_tallies(
                self.check_ins.get(shelter_id, []),
                self.check_outs.get(shelter_id, []),
                self.corrections.get(shelter_id, []),
            )
            tally = sum(t.arrived + t.left for t in tallies)
            current = self.shelters.setdefault(shelter_id, {"_id": shelter_id})
            if current.get("tally", 0) <= tally:
                current.update(counts=counts_document(count_stays(tallies)), tally=tally)
        return [await self.statistics(shelter_id) for shelter_id in shelter_ids]

    async def shelter_ids(self) -> list[str]:
        ids = set(self.check_ins) | set(self.check_outs) | set(self.shelters)
        return sorted(ids)

    async def statistics(self, shelter_id: str) -> ShelterStatistics:
        document = self.shelters.get(shelter_id)
        return statistics_from(document) if document else ShelterStatistics(shelter_id)

    def _listed(self) -> list[ShelterStatistics]:
        return [
            statistics_from(self.shelters[shelter_id])
            for shelter_id in sorted(self.shelters)
            if not self.shelters[shelter_id].get("facts", {}).get("deleted")
        ]

    async def page(self, limit: int, offset: int) -> tuple[list[ShelterStatistics], int]:
        listed = self._listed()
        return listed[offset : offset + limit], len(listed)

    async def all_statistics(self) -> list[ShelterStatistics]:
        return self._listed()


class RecordingStatistics(FakeStatistics):
    """The fake, also capturing what the handlers hand to the port."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, tuple[object, ...]]] = []

    async def record_check_in(
        self,
        stay_id: UUID,
        shelter_id: str,
        *,
        at: datetime,
        training: bool,
        age_band: int,
        sex: str,
        household_key: str,
    ) -> bool:
        facts = (stay_id, shelter_id, at, training, age_band, sex, household_key)
        self.calls.append(("check_in", facts))
        return await super().record_check_in(
            stay_id,
            shelter_id,
            at=at,
            training=training,
            age_band=age_band,
            sex=sex,
            household_key=household_key,
        )

    async def record_check_out(self, stay_id: UUID, shelter_id: str, at: datetime) -> bool:
        self.calls.append(("check_out", (stay_id, shelter_id, at)))
        return await super().record_check_out(stay_id, shelter_id, at)

    async def record_shelter(self, shelter_id: str, profile: ShelterProfile) -> bool:
        self.calls.append(("shelter", (shelter_id, profile)))
        return await super().record_shelter(shelter_id, profile)


# --- events ---------------------------------------------------------------------------------


def make_check_in(
    shelter_id: str,
    *,
    family_name: str = "山田",
    household: str = "0123456789abcdef",
    **options: Any,
) -> EvacueeCheckedIn:
    """A check-in at T0 + `minute` minutes; `household` names the household (16+ chars)."""
    return check_in_event(
        shelter_id,
        who=personal(family_name),
        household_key=household.ljust(16, "0"),
        **options,
    )


make_check_out = check_out_event


def make_shelter_event(
    shelter_id: str,
    *,
    capacity: int,
    version: int = 1,
    kind: type[ShelterEventBase] = ShelterRegistered,
    is_open: bool = False,
    training: bool = False,
    deleted: bool = False,
    name: str = "千代田小学校",
    minute: int = 0,
) -> ShelterEventBase:
    """A shelter event carrying the shelter's facts at `version`."""
    return kind(
        occurred_at=T0 + timedelta(minutes=minute),
        shelter_id=shelter_id,
        producer="registration",
        version=version,
        shelter=ShelterFacts(
            name=name,
            address="東京都千代田区一番町1",
            capacity=capacity,
            is_open=is_open,
            training=training,
            deleted=deleted,
        ),
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
def shelter_event() -> Callable[..., ShelterEventBase]:
    """Factory of shelter events: `shelter_event(shelter_id, capacity=..., version=..., ...)`."""
    return make_shelter_event


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


@pytest.fixture(scope="session")
def recording_stats() -> Callable[[], RecordingStatistics]:
    """Makes fakes that also keep the calls the handlers made."""
    return RecordingStatistics


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


def service_settings(stack: Stack, namespace: str, database_name: str) -> Settings:
    """Settings of an in-process service on this test's topics, consumer group and database."""
    return Settings(
        environment=Environment.TEST,
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        kafka_topic_namespace=namespace,
        kafka_consumer_group=f"stats-{namespace}",
        mongodb_uri=SecretStr(stack.mongodb_uri),
        mongodb_database=database_name,
        mongodb_database_prefix="",
        otel_exporter_otlp_endpoint=None,
        occupancy_interval_seconds=0.5,
        sse_keepalive_seconds=0.5,
    )


@pytest.fixture
async def stats_app(stack: Stack, namespace: str, database_name: str) -> AsyncIterator[ASGIApp]:
    """The statistics app, its lifespan running: consumers, recount and occupancy loops."""
    app = bootstrap(service_settings(stack, namespace, database_name))
    async with LifespanManager(app, startup_timeout=60, shutdown_timeout=30) as manager:
        yield manager.app


@pytest.fixture
async def stats_api(stats_app: ASGIApp) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the running statistics app."""
    transport = httpx.ASGITransport(app=stats_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        yield client


# --- Server-Sent Events -----------------------------------------------------------------------


class SseStream:
    """Reads an ASGI app's event stream as a browser would, frame by frame.

    httpx's ASGI transport returns a body only once it is complete, which an event stream
    never is; this drives the ASGI app directly and can hang up like a closed browser tab.
    """

    def __init__(self, app: ASGIApp, path: str) -> None:
        self.app = app
        self.path = path
        self.status: int | None = None
        self.headers: dict[str, str] = {}
        self._chunks: asyncio.Queue[bytes] = asyncio.Queue()
        self._buffer = ""
        self._hang_up = asyncio.Event()
        self._requested = False
        self._started = asyncio.Event()
        self.task: asyncio.Future[None] | None = None

    async def _receive(self) -> Message:
        if not self._requested:
            self._requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._hang_up.wait()
        return {"type": "http.disconnect"}

    async def _send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = {k.decode(): v.decode() for k, v in message.get("headers", [])}
            self._started.set()
        elif message["type"] == "http.response.body":
            await self._chunks.put(message.get("body", b""))

    async def __aenter__(self) -> SseStream:
        scope: Scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": self.path,
            "raw_path": self.path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"svc"), (b"accept", b"text/event-stream")],
            "client": ("127.0.0.1", 50000),
            "server": ("svc", 80),
        }
        self.task = asyncio.ensure_future(self.app(scope, self._receive, self._send))
        async with asyncio.timeout(10):
            await self._started.wait()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.hang_up()

    async def hang_up(self, within: float = 10.0) -> None:
        """Close the connection like a browser tab; the app must end its response."""
        self._hang_up.set()
        assert self.task is not None
        async with asyncio.timeout(within):
            await self.task

    async def body(self) -> bytes:
        """The whole body of a response that is not a stream (a refusal)."""
        assert self.task is not None
        async with asyncio.timeout(10):
            await self.task
        chunks = []
        while not self._chunks.empty():
            chunks.append(self._chunks.get_nowait())
        return b"".join(chunks)

    async def frame(self, within: float = 10.0) -> dict[str, str]:
        """The next frame: its fields (`data`, `id`, `event`, `retry`, `comment`) as text."""
        async with asyncio.timeout(within):
            while "\n\n" not in self._buffer:
                self._buffer += (await self._chunks.get()).decode()
        raw, self._buffer = self._buffer.split("\n\n", 1)
        fields: dict[str, str] = {}
        for line in raw.split("\n"):
            name, _, value = line.partition(":")
            name = name or "comment"
            value = value.removeprefix(" ")
            fields[name] = f"{fields[name]}\n{value}" if name in fields else value
        return fields

    async def event(self, within: float = 10.0) -> dict[str, str]:
        """The next frame that carries data (comments and keep-alives are skipped)."""
        async with asyncio.timeout(within):
            while "data" not in (frame := await self.frame(within)):
                pass
        return frame

    def data(self, frame: dict[str, str]) -> Any:
        return json.loads(frame["data"])


@pytest.fixture(scope="session")
async def kafka_producer(stack: Stack) -> AsyncIterator[KafkaBroker]:
    """A plain producer, as any publisher of the contracts would be."""
    broker = KafkaBroker(stack.kafka_bootstrap, client_id="stats-tests")
    await broker.start()
    yield broker
    await broker.stop()
