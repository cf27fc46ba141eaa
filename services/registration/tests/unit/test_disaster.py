"""Closing the disaster (災害収束, S10.3): the handlers and the routes, with fakes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest

from shelter_contracts.events import DisasterClosed, DisasterExported, PersonalDataDeleted
from shelter_registration.adapters import mongo, purge
from shelter_registration.bootstrap import bootstrap
from shelter_registration.config import Settings
from shelter_registration.domain.model import Shelter
from shelter_registration.service_layer import disaster
from shelter_registration.service_layer.handlers import Dependencies
from shelter_runtime import disaster as deletion
from shelter_runtime.settings import Environment
from shelter_testing.tokens import TestIssuer

from ..conftest import NOW, FakeShelters, FixedClock, RecordedAudit

ISSUER = TestIssuer()
ADMIN = ISSUER.headers("administrator", sub="admin-1")


def _export(at: datetime) -> DisasterExported:
    return DisasterExported(
        occurred_at=at, producer="roster", export_id=UUID(int=99), entries=3,
        training_entries=0, shelters=1,
    )  # fmt: skip


class FakeDisasterLog:
    def __init__(self, exported_at: datetime | None = NOW) -> None:
        self.closures: list[DisasterClosed] = []
        self.kept: dict[UUID, PersonalDataDeleted] = {}
        self.exports = [_export(exported_at)] if exported_at else []

    async def add_export(self, event: DisasterExported) -> None:
        self.exports.append(event)

    async def latest_export(self) -> DisasterExported | None:
        return max(self.exports, key=lambda e: e.occurred_at, default=None)

    async def add_closure(self, event: DisasterClosed) -> None:
        self.closures.append(event)

    async def latest_closure(self) -> DisasterClosed | None:
        return max(self.closures, key=lambda e: e.occurred_at, default=None)

    async def add_report(self, report: PersonalDataDeleted) -> None:
        self.kept.setdefault(report.event_id, report)

    async def reports(self, closure_id: UUID) -> list[PersonalDataDeleted]:
        return [r for r in self.kept.values() if r.closure_id == closure_id]


class FakeBacklog:
    def __init__(self, pending: int = 0) -> None:
        self.count = pending

    async def pending(self) -> int:
        return self.count


NO_BACKLOG = FakeBacklog()


class FakePersonalData:
    """Holds `documents`; a purge empties them unless `stuck` ones refuse to go."""

    def __init__(self, documents: int, stuck: int = 0) -> None:
        self.documents = documents
        self.stuck = stuck
        self.purges = 0

    async def purge(self) -> deletion.Purged:
        self.purges += 1
        deleted = self.documents - self.stuck
        self.documents = self.stuck
        return deletion.Purged(("stays", "person_stays_000"), deleted, self.documents)


def _shelter(
    shelter_id: str, *, is_open: bool, deleted: bool = False, closed_at: datetime | None = None
) -> Shelter:
    return Shelter(
        shelter_id, "千代田小学校", 100, is_open=is_open, deleted=deleted, closed_at=closed_at
    )


def _shelters(*shelters: Shelter) -> FakeShelters:
    fake = FakeShelters()
    fake.by_id = {s.shelter_id: s for s in shelters}
    return fake


def _close(confirmation: str = "災害収束") -> disaster.CloseDisaster:
    return disaster.CloseDisaster(confirmation=confirmation, actor="admin-1")


# --- handlers -----------------------------------------------------------------------------------


async def test_closing_needs_the_phrase_typed() -> None:
    log = FakeDisasterLog()
    with pytest.raises(disaster.ConfirmationMismatchError):
        await disaster.close_disaster(_close("はい"), _shelters(), log, FixedClock(NOW), NO_BACKLOG)
    assert log.closures == []


async def test_closing_is_refused_while_a_shelter_is_open_and_names_them() -> None:
    shelters = _shelters(
        _shelter("13101-0002", is_open=True),
        _shelter("13101-0001", is_open=True),
        _shelter("13101-0003", is_open=False),
        _shelter("13101-0004", is_open=True, deleted=True),
    )
    log = FakeDisasterLog()
    with pytest.raises(disaster.SheltersStillOpenError) as refused:
        await disaster.close_disaster(_close(), shelters, log, FixedClock(NOW), NO_BACKLOG)
    assert refused.value.shelter_ids == ("13101-0001", "13101-0002")
    assert log.closures == []


async def test_closing_with_every_shelter_closed_publishes_disaster_closed() -> None:
    log = FakeDisasterLog()
    shelters = _shelters(_shelter("13101-0001", is_open=False))
    event = await disaster.close_disaster(
        _close(" 災害収束 "), shelters, log, FixedClock(NOW), NO_BACKLOG
    )
    assert log.closures == [event]
    assert (event.actor, event.producer, event.occurred_at) == ("admin-1", "registration", NOW)
    assert event.key == "disaster"


async def test_closing_is_refused_while_events_wait_in_the_outbox() -> None:
    """They would reach the roster after its deletion and create entries again."""
    log = FakeDisasterLog()
    shelters = _shelters(_shelter("13101-0001", is_open=False))
    with pytest.raises(disaster.EventsPendingError) as refused:
        await disaster.close_disaster(_close(), shelters, log, FixedClock(NOW), FakeBacklog(3))
    assert refused.value.pending == 3
    assert log.closures == []


async def test_closing_needs_an_export_taken_after_the_last_shelter_closed() -> None:
    last_closed = NOW - timedelta(hours=1)
    shelters = _shelters(
        _shelter("13101-0001", is_open=False, closed_at=NOW - timedelta(hours=5)),
        _shelter("13101-0002", is_open=False, closed_at=last_closed),
    )
    for exported_at in (None, last_closed - timedelta(minutes=1)):
        log = FakeDisasterLog(exported_at)
        with pytest.raises(disaster.ExportRequiredError) as refused:
            await disaster.close_disaster(_close(), shelters, log, FixedClock(NOW), NO_BACKLOG)
        assert (refused.value.last_closed_at, refused.value.exported_at) == (
            last_closed,
            exported_at,
        )
        assert log.closures == []
    log = FakeDisasterLog(last_closed + timedelta(minutes=1))
    event = await disaster.close_disaster(_close(), shelters, log, FixedClock(NOW), NO_BACKLOG)
    assert log.closures == [event]


def _report(closure_id: UUID, service: str, deleted: int, at: datetime) -> PersonalDataDeleted:
    return PersonalDataDeleted(
        occurred_at=at,
        producer=service,
        closure_id=closure_id,
        service=service,
        collections=("c",),
        documents_deleted=deleted,
        documents_remaining=0,
    )


async def test_status_confirms_each_service_that_reported_for_the_latest_closure() -> None:
    log = FakeDisasterLog()
    before = await disaster.disaster_status(log)
    assert before.closure is None and not before.complete

    old = DisasterClosed(
        occurred_at=NOW, producer="registration", closure_id=UUID(int=1), actor="a"
    )
    new = old.model_copy(update={"closure_id": UUID(int=2), "occurred_at": NOW + timedelta(1)})
    await log.add_closure(old)
    await log.add_closure(new)
    await log.add_report(_report(UUID(int=1), "roster", 9, NOW))  # an earlier disaster's
    registration = _report(UUID(int=2), "registration", 4, NOW)
    await log.add_report(registration)
    await log.add_report(registration)  # a replayed message is kept once
    await log.add_report(_report(UUID(int=2), "registration", 0, NOW + timedelta(1)))  # replay

    status = await disaster.disaster_status(log)
    assert status.closure == new
    by_service = {s.service: s for s in status.services}
    assert by_service["registration"].deletion is disaster.Deletion.CONFIRMED
    assert by_service["registration"].documents_deleted == 4
    assert by_service["registration"].confirmed_at == NOW
    assert by_service["roster"].deletion is disaster.Deletion.PENDING
    for service in ("stats", "integration", "auth"):
        assert by_service[service].deletion is disaster.Deletion.NOT_APPLICABLE
        assert not by_service[service].holds_personal_data
    assert not status.complete

    await log.add_report(_report(UUID(int=2), "roster", 12, NOW))
    assert (await disaster.disaster_status(log)).complete


# --- routes -------------------------------------------------------------------------------------


@pytest.fixture
def log() -> FakeDisasterLog:
    return FakeDisasterLog()


@pytest.fixture
def backlog() -> FakeBacklog:
    return FakeBacklog()


@pytest.fixture
async def client(
    deps: Dependencies, log: FakeDisasterLog, audit: RecordedAudit, backlog: FakeBacklog
) -> AsyncIterator[httpx.AsyncClient]:
    app = bootstrap(Settings(environment=Environment.TEST))  # no lifespan: nothing connects
    app.state.deps = deps
    app.state.audit = audit
    app.state.disaster_log = log
    app.state.outbox_backlog = backlog
    ISSUER.install(app, "registration")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://registration", headers=ADMIN
    ) as c:
        yield c


@pytest.fixture
def audit() -> RecordedAudit:
    return RecordedAudit()


async def test_the_route_refuses_a_wrong_confirmation_with_a_problem(
    client: httpx.AsyncClient, log: FakeDisasterLog
) -> None:
    response = await client.post("/disaster/close", json={"confirmation": "yes"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("confirmation-mismatch")
    assert "災害収束" in response.json()["title_ja"]
    missing = await client.post("/disaster/close", json={})
    assert missing.status_code == 422
    assert log.closures == []


async def test_the_route_answers_409_listing_the_open_shelters(
    client: httpx.AsyncClient, deps: Dependencies, log: FakeDisasterLog
) -> None:
    assert isinstance(deps.shelters, FakeShelters)
    deps.shelters.by_id = {
        "13101-0001": _shelter("13101-0001", is_open=True),
        "13101-0002": _shelter("13101-0002", is_open=False),
    }
    response = await client.post("/disaster/close", json={"confirmation": "災害収束"})
    assert response.status_code == 409
    problem = response.json()
    assert problem["type"].endswith("shelters-open")
    assert problem["open_shelters"] == ["13101-0001"]
    assert log.closures == []


async def test_the_route_answers_409_until_events_are_out_and_the_file_exported(
    client: httpx.AsyncClient, log: FakeDisasterLog, backlog: FakeBacklog, deps: Dependencies
) -> None:
    assert isinstance(deps.shelters, FakeShelters)
    deps.shelters.by_id = {"13101-0001": _shelter("13101-0001", is_open=False, closed_at=NOW)}
    backlog.count = 2
    pending = await client.post("/disaster/close", json={"confirmation": "災害収束"})
    assert pending.status_code == 409
    assert pending.headers["content-type"].startswith("application/problem+json")
    assert pending.json()["type"].endswith("events-pending")
    assert pending.json()["pending_events"] == 2 and pending.json()["title_ja"]

    backlog.count = 0
    log.exports = [_export(NOW - timedelta(seconds=1))]  # before the shelter closed
    stale = await client.post("/disaster/close", json={"confirmation": "災害収束"})
    assert stale.status_code == 409
    problem = stale.json()
    assert problem["type"].endswith("export-required")
    assert "エクスポート" in problem["title_ja"]
    assert problem["last_shelter_closed_at"] == NOW.isoformat()
    assert log.closures == []

    await log.add_export(_export(NOW + timedelta(seconds=1)))
    closed = await client.post("/disaster/close", json={"confirmation": "災害収束"})
    assert closed.status_code == 202, closed.text


async def test_the_route_closes_audits_and_the_status_follows_the_reports(
    client: httpx.AsyncClient, log: FakeDisasterLog, audit: RecordedAudit
) -> None:
    response = await client.post("/disaster/close", json={"confirmation": "災害収束"})
    assert response.status_code == 202, response.text
    closure_id = UUID(response.json()["closure_id"])
    assert response.json()["closed_by"] == "admin-1"
    assert [c.closure_id for c in log.closures] == [closure_id]
    assert audit.actions() == ["disaster.closed"]
    assert audit.events[0].target_id == str(closure_id)

    status = (await client.get("/disaster/status")).json()
    assert status["closure"]["closure_id"] == str(closure_id)
    assert not status["complete"]
    assert {s["service"]: s["deletion"] for s in status["services"]} == {
        "registration": "pending",
        "roster": "pending",
        "stats": "not_applicable",
        "integration": "not_applicable",
        "auth": "not_applicable",
    }
    at = datetime.now(UTC)
    await log.add_report(_report(closure_id, "registration", 3, at))
    await log.add_report(_report(closure_id, "roster", 5, at))
    status = (await client.get("/disaster/status")).json()
    assert status["complete"]
    assert {s["service"]: s["documents_deleted"] for s in status["services"][:2]} == {
        "registration": 3,
        "roster": 5,
    }


async def test_staff_may_not_close_the_disaster(client: httpx.AsyncClient) -> None:
    staff = ISSUER.headers("shelter_staff", shelters=["13101-0001"], sub="staff-1")
    response = await client.post(
        "/disaster/close", json={"confirmation": "災害収束"}, headers=staff
    )
    assert response.status_code == 403


def test_no_collection_listed_as_personal_data_is_kept() -> None:
    """The purge deletes all but KEPT_COLLECTIONS; adapters.mongo lists the personal ones."""
    for base in mongo.PERSONAL_DATA_COLLECTIONS:
        for name in (base, f"{base}_000", f"{base}_127"):
            assert mongo.is_personal_data_collection(name)
            assert name not in purge.KEPT_COLLECTIONS
    assert not [k for k in purge.KEPT_COLLECTIONS if mongo.is_personal_data_collection(k)]
