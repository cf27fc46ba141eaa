"""The disaster's file and the roster's deletion on `DisasterClosed` (災害収束, S10.3)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime, timedelta
from uuid import UUID

import httpx
import pytest

from shelter_contracts.events import (
    DisasterClosed,
    DisasterExported,
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    PersonalDataDeleted,
)
from shelter_roster.adapters.purge import KEPT_COLLECTIONS
from shelter_roster.entrypoints import export
from shelter_roster.service_layer import purge
from shelter_roster.service_layer.handlers import apply_stay_event, apply_stay_events
from shelter_runtime import disaster
from shelter_testing.events import check_in_event, check_out_event, personal

from ..conftest import FakeRoster

A, B = "13101-0001", "13101-0002"
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CLOSED = DisasterClosed(occurred_at=NOW, producer="registration", closure_id=UUID(int=7), actor="a")


def _rows(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    data = archive.read(name)
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(data[3:].decode("utf-8"), newline="")))


async def _fill(roster: FakeRoster) -> None:
    stays = [
        check_in_event(A, minute=0, who=personal("山田", "花子")),
        check_in_event(A, minute=1, who=personal("佐藤", "太郎"), household_key="k" * 16),
        check_in_event(B, minute=2, who=personal("鈴木", "一郎")),
        check_in_event(B, minute=3, who=personal("訓練", "次郎"), training=True),
    ]
    for event in stays:
        await apply_stay_event(event, roster.entries, roster.numbering)
    await apply_stay_event(check_out_event(A, stays[1].stay_id), roster.entries, roster.numbering)
    await roster.shelters.record(A, 1, "千代田小学校", False)
    await roster.shelters.record(B, 1, "麹町中学校", False)


class Exports:
    def __init__(self) -> None:
        self.reported: list[DisasterExported] = []

    async def report(self, event: DisasterExported) -> None:
        self.reported.append(event)


async def test_the_file_holds_every_stay_of_every_shelter_and_a_summary(
    fake_roster: FakeRoster,
) -> None:
    fake_roster.app.include_router(export.router)
    exports = Exports()
    fake_roster.app.state.report_export = exports.report
    await _fill(fake_roster)
    async with fake_roster.client() as api:
        response = await api.get("/disaster/export.zip")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith('attachment; filename="disaster-')

    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["roster-training.csv", "roster.csv", "shelters.csv"]
    roster = _rows(archive, "roster.csv")
    assert roster[0][0] == "避難所ID"
    names = sorted(r[4] for r in roster[1:])
    assert names == ["佐藤 太郎", "山田 花子", "鈴木 一郎"]  # the checked-out stay included
    assert sorted(r[0] for r in roster[1:]) == [A, A, B]
    training = _rows(archive, "roster-training.csv")
    assert [r[4] for r in training[1:]] == ["訓練 次郎"]  # apart, marked by its file

    summary = _rows(archive, "shelters.csv")
    assert summary[0] == list(purge.SHELTER_HEADERS)
    assert [r[:6] for r in summary[1:]] == [
        [A, "千代田小学校", "2", "1", "1", "2"],
        [B, "麹町中学校", "1", "1", "0", "1"],
    ]

    (record,) = fake_roster.audit.events
    assert (record.action, record.target_type) == ("disaster.exported", "disaster")
    assert record.details == {"entries": "3", "shelters": "2", "training_entries": "1"}
    # Reported on the disaster topic: registration closes the disaster only after an export.
    (reported,) = exports.reported
    assert record.target_id == str(reported.export_id)
    assert (reported.entries, reported.training_entries, reported.shelters) == (3, 1, 2)
    assert (reported.producer, reported.key) == ("roster", "disaster")
    stamp = reported.occurred_at.strftime("%Y%m%d-%H%M%S")
    assert response.headers["content-disposition"] == f'attachment; filename="disaster-{stamp}.zip"'


async def test_no_file_is_handed_out_when_its_export_cannot_be_reported(
    fake_roster: FakeRoster,
) -> None:
    fake_roster.app.include_router(export.router)

    async def kafka_down(event: DisasterExported) -> None:
        raise ConnectionError("kafka down")

    fake_roster.app.state.report_export = kafka_down
    await _fill(fake_roster)
    transport = httpx.ASGITransport(app=fake_roster.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://svc", headers=fake_roster.issuer.headers()
    ) as api:
        response = await api.get("/disaster/export.zip")
    assert response.status_code == 500
    assert response.headers["content-type"] != "application/zip"


async def test_only_administrators_download_the_file(fake_roster: FakeRoster) -> None:
    fake_roster.app.include_router(export.router)
    staff = fake_roster.issuer.headers("shelter_staff", shelters=[A], sub="staff-a")
    hq = fake_roster.issuer.headers("hq_viewer", sub="hq")
    async with fake_roster.client(staff) as as_staff, fake_roster.client(hq) as as_hq:
        assert (await as_staff.get("/disaster/export.zip")).status_code == 403
        assert (await as_hq.get("/disaster/export.zip")).status_code == 403
    assert fake_roster.audit.events == []


class FakePersonalData:
    def __init__(self, documents: int, stuck: int = 0) -> None:
        self.documents, self.stuck = documents, stuck
        self.purges = 0

    async def purge(self) -> disaster.Purged:
        self.purges += 1
        deleted = self.documents - self.stuck
        self.documents = self.stuck
        return disaster.Purged(("check_ins_000", "name_keys_001"), deleted, self.documents)


class FakeClosures:
    """shelter_runtime.disaster.MongoClosureLog in memory."""

    def __init__(self) -> None:
        self.applied: dict[UUID, tuple[datetime, PersonalDataDeleted | None]] = {}

    async def claim(self, event: DisasterClosed) -> PersonalDataDeleted | None:
        _, report = self.applied.setdefault(event.closure_id, (event.occurred_at, None))
        return report

    async def finish(self, event: DisasterClosed, report: PersonalDataDeleted) -> None:
        self.applied[event.closure_id] = (event.occurred_at, report)

    async def closed_at(self) -> datetime | None:
        return max((at for at, _ in self.applied.values()), default=None)


async def test_disaster_closed_deletes_once_and_a_replay_only_reports_again() -> None:
    published: list[PersonalDataDeleted] = []

    async def publish(report: PersonalDataDeleted) -> None:
        published.append(report)

    data, closures = FakePersonalData(10), FakeClosures()
    first = await disaster.delete_personal_data(CLOSED, data, closures, publish, "roster", NOW)
    # The next disaster's data, then a replay of the first closure (a consumer group reset).
    data.documents = 4
    replay = await disaster.delete_personal_data(CLOSED, data, closures, publish, "roster", NOW)
    assert published == [first, first] and replay == first
    assert (data.purges, data.documents) == (1, 4)  # the next disaster's data is untouched
    assert (first.service, first.closure_id, first.key) == ("roster", CLOSED.closure_id, "disaster")
    assert (first.documents_deleted, first.documents_remaining) == (10, 0)
    assert first.collections == ("check_ins_000", "name_keys_001")


async def test_documents_left_after_deleting_fail_the_event_so_it_is_retried() -> None:
    published: list[PersonalDataDeleted] = []

    async def publish(report: PersonalDataDeleted) -> None:
        published.append(report)

    closures = FakeClosures()
    data = FakePersonalData(3, stuck=2)
    with pytest.raises(disaster.IncompleteDeletionError):
        await disaster.delete_personal_data(CLOSED, data, closures, publish, "roster", NOW)
    assert published == []
    data.stuck = 0  # redelivered: the unfinished claim is applied again
    report = await disaster.delete_personal_data(CLOSED, data, closures, publish, "roster", NOW)
    assert (data.purges, report.documents_remaining, published) == (2, 0, [report])


async def test_stay_events_from_before_the_closure_do_not_recreate_entries(
    fake_roster: FakeRoster,
) -> None:
    before = check_in_event(A, minute=0, who=personal("山田", "花子"))
    assert before.occurred_at <= NOW
    after = check_in_event(B, minute=0, who=personal("鈴木", "一郎")).model_copy(
        update={"occurred_at": NOW + timedelta(seconds=1)}
    )
    late_out = check_out_event(A, before.stay_id)
    events: list[EvacueeCheckedIn | EvacueeCheckedOut] = [before, after, late_out]
    changed = await apply_stay_events(
        events, fake_roster.entries, fake_roster.numbering, closed_at=NOW
    )
    assert changed == {after.stay_id}


def test_the_closures_applied_survive_the_deletion() -> None:
    assert disaster.APPLIED_CLOSURES in KEPT_COLLECTIONS
