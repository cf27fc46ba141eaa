"""The roster for integration clients (PULL, S17.2): scopes, field filtering, pages, ETags.

`GET /pull/entries` over the in-memory stores: a client with `roster:read` gets the minimum
fields by default; personal fields need `roster:personal`; unknown fields are a 400 problem;
every read is audited with the client, the field names and the row count (S10.8).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from shelter_contracts.events import EvacueeCheckedIn, EvacueeCheckedOut
from shelter_roster.domain import pull
from shelter_roster.service_layer.handlers import apply_stay_event

from ..conftest import FakeRoster

CheckIn = Callable[..., EvacueeCheckedIn]
CheckOut = Callable[..., EvacueeCheckedOut]
URL = "/pull/entries"


def client_headers(roster: FakeRoster, *scopes: str) -> dict[str, str]:
    return roster.issuer.headers(
        None, kind="integration", scopes=["roster:read", *scopes], sub="client:c-1"
    )


async def feed(roster: FakeRoster, *events: EvacueeCheckedIn | EvacueeCheckedOut) -> None:
    for event in events:
        await apply_stay_event(event, roster.entries, roster.numbering)


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title_ja"]
    return body


# --- the domain -------------------------------------------------------------------------------


def test_fields_are_parsed_in_order_once_and_default_to_the_minimum() -> None:
    assert pull.parse_fields(None) == pull.parse_fields(" , ") == pull.DEFAULT_FIELDS
    assert pull.parse_fields("shelter_id, stay_id,shelter_id") == ("shelter_id", "stay_id")
    with pytest.raises(pull.UnknownFieldsError) as unknown:
        pull.parse_fields("stay_id,name,password")
    assert unknown.value.names == ("name", "password")


def test_personal_fields_need_the_personal_scope_or_an_all_shelters_staff_member() -> None:
    plain = pull.FieldAccess.of(all_shelters_staff=False, scopes={"roster:read"})
    personal = pull.FieldAccess.of(all_shelters_staff=False, scopes={"roster:personal"})
    staff = pull.FieldAccess.of(all_shelters_staff=True, scopes=())
    assert set(pull.DEFAULT_FIELDS) | set(pull.OTHER_FIELDS) == plain.allowed()
    assert personal.allowed() == staff.allowed() == set(pull.ALL_FIELDS)
    with pytest.raises(pull.FieldsNotAllowedError) as refused:
        pull.select_fields("stay_id,address,family_name", plain)
    assert refused.value.names == ("address", "family_name")
    assert pull.select_fields("stay_id,address", personal) == ("stay_id", "address")


def test_if_none_match_compares_weakly_and_accepts_a_list_or_a_star() -> None:
    tag = pull.etag_of(b"{}")
    assert tag.startswith('"') and tag == pull.etag_of(b"{}") != pull.etag_of(b"[]")
    assert pull.matches_etag(f'"x", W/{tag}', tag)
    assert pull.matches_etag("*", tag)
    assert not pull.matches_etag('"other"', tag)
    assert not pull.matches_etag(None, tag)


# --- the route --------------------------------------------------------------------------------


async def test_a_client_gets_the_minimum_fields_by_default_and_no_personal_data(
    fake_roster: FakeRoster, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    a, b = check_in(shelter_id, minute=1), check_in(shelter_id, minute=2)
    await feed(fake_roster, a, b, check_out(shelter_id, b.stay_id, minute=3))
    async with fake_roster.client(client_headers(fake_roster)) as api:
        answer = await api.get(URL, params={"shelter_id": shelter_id})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["fields"] == list(pull.DEFAULT_FIELDS)
    assert (body["total"], body["limit"], body["offset"], body["next_offset"]) == (2, 100, 0, None)
    first, second = body["items"]
    assert set(first) == set(pull.DEFAULT_FIELDS)
    assert first["stay_id"] == str(a.stay_id) and first["household_number"] == 1
    assert (first["present"], first["checked_out_at"]) == (True, None)
    assert second["present"] is False and second["checked_out_at"] is not None
    for secret in ("山田", "花子", "ヤマダ", "東京都", "1950-04-01", "090-1234-5678", "卵"):
        assert secret not in answer.text


async def test_named_fields_only_and_personal_ones_only_with_their_scope(
    fake_roster: FakeRoster, check_in: CheckIn, shelter_id: str
) -> None:
    await feed(fake_roster, check_in(shelter_id))
    wanted = {"fields": "stay_id,family_name,date_of_birth,statuses"}
    async with fake_roster.client(client_headers(fake_roster)) as plain:
        refused = await plain.get(URL, params=wanted)
        others = await plain.get(URL, params={"fields": "serial,statuses,age_band"})
    async with fake_roster.client(client_headers(fake_roster, "roster:personal")) as personal:
        granted = await personal.get(URL, params=wanted)
    async with fake_roster.client() as admin:
        everything = await admin.get(URL, params={"fields": ",".join(pull.ALL_FIELDS)})

    body = problem(refused, 403)
    assert body["type"].endswith("/field-forbidden")
    assert body["invalid-params"] == [
        {"name": "family_name", "reason": "forbidden"},
        {"name": "date_of_birth", "reason": "forbidden"},
    ]
    assert others.json()["items"] == [{"serial": 1, "statuses": ["要介護"], "age_band": 70}]
    (item,) = granted.json()["items"]
    assert item == {
        "stay_id": item["stay_id"],
        "family_name": "山田",
        "date_of_birth": "1950-04-01",
        "statuses": ["要介護"],
    }
    (full,) = everything.json()["items"]
    assert set(full) == set(pull.ALL_FIELDS) and full["address"] == "東京都千代田区千代田1-1"


async def test_unknown_fields_and_bad_parameters_are_problems(fake_roster: FakeRoster) -> None:
    async with fake_roster.client(client_headers(fake_roster)) as api:
        unknown = await api.get(URL, params={"fields": "stay_id,password,name"})
        too_many = await api.get(URL, params={"limit": 501})
        bad_shelter = await api.get(URL, params={"shelter_id": "x" * 300})
    body = problem(unknown, 400)
    assert body["type"].endswith("/unknown-field")
    assert body["invalid-params"] == [
        {"name": "name", "reason": "unknown"},
        {"name": "password", "reason": "unknown"},
    ]
    problem(too_many, 422)
    problem(bad_shelter, 422)
    assert fake_roster.audit.events == []  # refused reads read nothing


async def test_who_may_pull(fake_roster: FakeRoster) -> None:
    issuer = fake_roster.issuer
    callers = {
        "no roster scope": issuer.headers(None, kind="integration", scopes=["stats:read"]),
        "shelter staff": issuer.headers("shelter_staff", shelters=["13101-0001"]),
        "kiosk": issuer.headers(None, kind="kiosk", shelters=["13101-0001"]),
    }
    for name, headers in callers.items():
        async with fake_roster.client(headers) as api:
            assert (await api.get(URL)).status_code == 403, name
    async with fake_roster.client(issuer.headers("hq_viewer")) as hq:
        assert (await hq.get(URL, params={"fields": "address"})).status_code == 200


async def test_pages_follow_each_other_and_training_entries_never_appear(
    fake_roster: FakeRoster, check_in: CheckIn, shelter_id: str
) -> None:
    real = [check_in(shelter_id, minute=m) for m in range(5)]
    await feed(fake_roster, *real, check_in(shelter_id, minute=9, training=True))
    seen: list[str] = []
    offset: int | None = 0
    async with fake_roster.client(client_headers(fake_roster)) as api:
        while offset is not None:
            page = (await api.get(URL, params={"limit": 2, "offset": offset})).json()
            assert page["total"] == 5 and len(page["items"]) <= 2
            seen += [i["stay_id"] for i in page["items"]]
            offset = page["next_offset"]
        beyond = (await api.get(URL, params={"offset": 10})).json()
    assert seen == [str(e.stay_id) for e in real]
    assert (beyond["items"], beyond["next_offset"]) == ([], None)


async def test_etag_gives_304_until_the_roster_changes(
    fake_roster: FakeRoster, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    a = check_in(shelter_id)
    await feed(fake_roster, a)
    async with fake_roster.client(client_headers(fake_roster)) as api:
        first = await api.get(URL, params={"shelter_id": shelter_id})
        tag = first.headers["etag"]
        same = await api.get(URL, params={"shelter_id": shelter_id}, headers={"if-none-match": tag})
        other_fields = await api.get(
            URL,
            params={"shelter_id": shelter_id, "fields": "stay_id"},
            headers={"if-none-match": tag},
        )
        await feed(fake_roster, check_out(shelter_id, a.stay_id, minute=5))
        changed = await api.get(
            URL, params={"shelter_id": shelter_id}, headers={"if-none-match": tag}
        )
    assert first.status_code == 200 and first.headers["cache-control"] == "private, no-cache"
    assert (same.status_code, same.content, same.headers["etag"]) == (304, b"", tag)
    assert other_fields.status_code == 200 and other_fields.headers["etag"] != tag
    assert changed.status_code == 200 and changed.headers["etag"] != tag
    assert changed.json()["items"][0]["present"] is False


async def test_every_read_is_audited_with_client_fields_and_rows_never_values(
    fake_roster: FakeRoster, check_in: CheckIn, shelter_id: str
) -> None:
    await feed(fake_roster, check_in(shelter_id), check_in(shelter_id, minute=1))
    params = {"shelter_id": shelter_id, "fields": "stay_id,family_name,address,phone"}
    async with fake_roster.client(client_headers(fake_roster, "roster:personal")) as api:
        read = await api.get(URL, params=params)
        again = await api.get(URL, params=params, headers={"if-none-match": read.headers["etag"]})
    async with fake_roster.client(fake_roster.issuer.headers("administrator", sub="boss")) as api:
        assert (await api.get(URL, params={"limit": 1})).status_code == 200
    assert (read.status_code, again.status_code) == (200, 304)

    by_client, not_modified, by_admin = fake_roster.audit.events
    assert {e.action for e in fake_roster.audit.events} == {"roster.pulled"}
    assert (by_client.actor, by_client.actor_kind) == ("client:c-1", "integration")
    assert (by_client.target_type, by_client.shelter_id) == ("roster", shelter_id)
    assert by_client.details == {
        "client_id": "c-1",
        "fields": "stay_id,family_name,address,phone",
        "rows": "2",
    }
    assert not_modified.details["not_modified"] == "True"
    assert (by_admin.actor, by_admin.details) == (
        "boss",
        {"fields": ",".join(pull.DEFAULT_FIELDS), "rows": "1"},
    )
    text = "".join(e.model_dump_json() for e in fake_roster.audit.events)
    for secret in ("山田", "東京都", "090-1234-5678"):
        assert secret not in text
    assert str(uuid.UUID(read.json()["items"][0]["stay_id"])) not in text  # no row ids either
