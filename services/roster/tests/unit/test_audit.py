"""The roster's audit records (S10.8): corrections, CSV exports and settings changes.

Each record says who did what, when, from where and to which stay or shelter: field names and
counts, never the values (names, addresses, birth dates, phones, free text are personal data).
"""

from __future__ import annotations

from collections.abc import Callable

from shelter_contracts.events import AuditOutcome, AuditRecorded, EvacueeCheckedIn
from shelter_roster.service_layer.handlers import apply_stay_event

from ..conftest import FakeRoster

CheckIn = Callable[..., EvacueeCheckedIn]
SECRETS = ("新姓", "シンセイ", "東京都", "1950", "090-1234-5678", "秘密の備考", "卵アレルギー")


def assert_no_personal_data(event: AuditRecorded) -> None:
    text = event.model_dump_json()
    for secret in SECRETS:
        assert secret not in text, (secret, text)


async def test_a_correction_records_who_and_which_fields_not_their_values(
    fake_roster: FakeRoster, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)
    await apply_stay_event(event, fake_roster.entries, fake_roster.numbering)
    staff = fake_roster.issuer.headers("shelter_staff", shelters=[shelter_id], sub="staff-7")
    async with fake_roster.client(staff) as api:
        corrected = await api.patch(
            f"/entries/{event.stay_id}",
            json={
                "personal": {"family_name": "新姓", "family_name_kana": "シンセイ"},
                "remarks": "秘密の備考",
            },
        )
        unchanged = await api.patch(f"/entries/{event.stay_id}", json={"remarks": "秘密の備考"})
    assert corrected.status_code == 200 and unchanged.status_code == 200

    first, second = fake_roster.audit.events
    assert first.action == "roster.entry_corrected"
    assert (first.actor, first.actor_kind, first.producer) == ("staff-7", "staff", "roster")
    assert (first.target_type, first.target_id) == ("stay", str(event.stay_id))
    assert first.shelter_id == shelter_id and first.outcome is AuditOutcome.SUCCESS
    assert first.ip == "203.0.113.7"
    assert first.details == {
        "fields": "personal.family_name,personal.family_name_kana,remarks",
        "revision": "1",
    }
    assert second.details == {"fields": "", "revision": "1"}  # the same text: nothing changed
    for record in (first, second):
        assert_no_personal_data(record)


async def test_refused_corrections_record_nothing(
    fake_roster: FakeRoster, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)
    await apply_stay_event(event, fake_roster.entries, fake_roster.numbering)
    other = fake_roster.issuer.headers("shelter_staff", shelters=["13101-9999"])
    async with fake_roster.client(other) as api:
        hidden = await api.patch(f"/entries/{event.stay_id}", json={"remarks": "x"})
    async with fake_roster.client() as api:
        invalid = await api.patch(
            f"/entries/{event.stay_id}", json={"personal": {"family_name": ""}}
        )
    assert (hidden.status_code, invalid.status_code) == (404, 422)
    assert fake_roster.audit.events == []


async def test_both_csv_exports_record_their_row_count(
    fake_roster: FakeRoster, check_in: CheckIn, shelter_id: str
) -> None:
    for minute in range(3):
        multiline = check_in(shelter_id, minute=minute, message="一行目\n卵アレルギー")
        await apply_stay_event(multiline, fake_roster.entries, fake_roster.numbering)
    elsewhere = check_in("13101-0777", minute=5)
    await apply_stay_event(elsewhere, fake_roster.entries, fake_roster.numbering)
    async with fake_roster.client() as api:
        one = await api.get(f"/shelters/{shelter_id}/entries.csv")
        everything = await api.get("/entries.csv")
        none = await api.get("/entries.csv", params={"name": "該当なし"})
    assert one.status_code == everything.status_code == none.status_code == 200

    shelter_export, all_export, empty_export = fake_roster.audit.events
    assert {e.action for e in fake_roster.audit.events} == {"roster.exported"}
    assert (shelter_export.shelter_id, shelter_export.details) == (
        shelter_id,
        {"format": "csv", "rows": "3"},
    )
    assert (all_export.shelter_id, all_export.details["rows"]) == (None, "4")
    assert empty_export.details["rows"] == "0"
    assert all_export.actor_kind == "staff" and all_export.target_type == "roster"
    for record in fake_roster.audit.events:
        assert_no_personal_data(record)


async def test_a_disclosure_change_records_the_new_switches(fake_roster: FakeRoster) -> None:
    async with fake_roster.client(fake_roster.issuer.headers("administrator", sub="boss")) as api:
        saved = await api.put("/settings/disclosure", json={"sex": True, "age_format": "band"})
        refused = await api.put("/settings/disclosure", json={"name": "yes"})
    assert saved.status_code == 200 and refused.status_code == 422
    (record,) = fake_roster.audit.events
    assert (record.action, record.actor, record.target_type) == (
        "settings.disclosure_set",
        "boss",
        "settings",
    )
    assert record.details == {
        "address": "False",
        "age": "False",
        "age_format": "band",
        "name": "True",
        "sex": "True",
    }


async def test_reads_for_staff_are_not_audited(
    fake_roster: FakeRoster, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)
    await apply_stay_event(event, fake_roster.entries, fake_roster.numbering)
    async with fake_roster.client() as api:
        assert (await api.get(f"/shelters/{shelter_id}/entries")).status_code == 200
        assert (await api.get(f"/entries/{event.stay_id}")).status_code == 200
        assert (await api.get("/settings/disclosure")).status_code == 200
    assert fake_roster.audit.events == []
