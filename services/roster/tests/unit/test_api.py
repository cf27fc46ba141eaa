"""The roster HTTP API over in-memory stores: answers, filters, refusals as problems.

The routes are the real ones; only the stores are fakes (tied to Mongo by the contract suite).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import httpx
import pytest

from shelter_contracts.events import EvacueeCheckedIn, EvacueeCheckedOut
from shelter_roster.service_layer import views
from shelter_roster.service_layer.handlers import apply_shelter_event, apply_stay_event

from ..conftest import FakeRoster, make_shelter_event

CheckIn = Callable[..., EvacueeCheckedIn]
CheckOut = Callable[..., EvacueeCheckedOut]


async def feed(roster: FakeRoster, *events: EvacueeCheckedIn | EvacueeCheckedOut) -> None:
    for event in events:
        await apply_stay_event(event, roster.entries, roster.numbering)


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title_ja"]
    return body


# --- staff roster ---------------------------------------------------------------------------


async def test_listing_filters_by_name_status_and_status_item_with_a_total(
    fake_roster: FakeRoster, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    a = check_in(shelter_id, minute=1, statuses=("要介護",))
    b = check_in(shelter_id, minute=2, family_name="髙橋", family_name_kana="タカハシ", statuses=())
    c = check_in(shelter_id, minute=3, statuses=())
    drill = check_in(shelter_id, minute=4, training=True)
    await feed(fake_roster, a, b, c, drill, check_out(shelter_id, c.stay_id))

    async with fake_roster.client() as api:
        everyone = (await api.get(f"/shelters/{shelter_id}/entries")).json()
        page = (await api.get(f"/shelters/{shelter_id}/entries?limit=1&offset=1")).json()
        takahashi = (
            await api.get(f"/shelters/{shelter_id}/entries", params={"name": "高橋"})
        ).json()
        kana = (await api.get(f"/shelters/{shelter_id}/entries", params={"name": "ﾀｶﾊｼ"})).json()
        present = (await api.get(f"/shelters/{shelter_id}/entries?status=present")).json()
        gone = (await api.get(f"/shelters/{shelter_id}/entries?status=checked_out")).json()
        care = (
            await api.get(f"/shelters/{shelter_id}/entries", params={"status_item": "要介護"})
        ).json()
        training = (await api.get(f"/shelters/{shelter_id}/entries?training=true")).json()
        anywhere = (await api.get("/entries", params={"name": "たかはし"})).json()

    def ids(page: dict[str, Any]) -> list[str]:
        return [i["stay_id"] for i in page["items"]]

    assert ids(everyone) == [str(e.stay_id) for e in (a, b, c)]
    assert (everyone["total"], everyone["limit"], everyone["offset"]) == (3, 100, 0)
    assert (ids(page), page["total"]) == ([str(b.stay_id)], 3)
    assert ids(takahashi) == ids(kana) == ids(anywhere) == [str(b.stay_id)]
    assert ids(present) == [str(a.stay_id), str(b.stay_id)]
    assert ids(gone) == [str(c.stay_id)]
    assert ids(care) == [str(a.stay_id)]
    assert ids(training) == [str(drill.stay_id)]
    first = everyone["items"][0]
    assert (first["serial"], first["household_number"], first["channel"]) == (1, 1, 3)
    assert first["personal"]["family_name"] == "山田"
    assert (first["remarks"], first["checked_out_at"], first["forced_check_out"]) == (
        None,
        None,
        False,
    )


@pytest.mark.parametrize(
    "url",
    [
        "/shelters/13101-0001/entries?status=gone",
        "/shelters/13101-0001/entries?limit=0",
        "/shelters/13101-0001/entries?limit=501",
        "/shelters/13101-0001/entries?offset=-1",
        "/shelters/13101-0001/entries?training=maybe",
        "/shelters/not%20a%20shelter/entries",
        "/shelters/13101-0001/entries.csv?status=x",
        "/entries?name=" + "あ" * 101,
        "/entries/not-a-uuid",
        "/entries/not-a-uuid/history",
    ],
)
async def test_bad_queries_are_422_problems(fake_roster: FakeRoster, url: str) -> None:
    async with fake_roster.client() as api:
        body = assert_problem(await api.get(url), 422)
    assert body["invalid-params"]


async def test_unknown_entries_are_404_problems(fake_roster: FakeRoster) -> None:
    stay = "00000000-0000-4000-8000-000000000000"
    async with fake_roster.client() as api:
        for response in (
            await api.get(f"/entries/{stay}"),
            await api.get(f"/entries/{stay}/history"),
            await api.patch(f"/entries/{stay}", json={"remarks": "x"}),
        ):
            assert assert_problem(response, 404)["type"].endswith("/unknown-entry")


# --- corrections --------------------------------------------------------------------------


async def test_a_correction_answers_the_entry_and_shows_in_the_history(
    fake_roster: FakeRoster, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)
    await feed(fake_roster, event)

    staff_7 = fake_roster.issuer.headers("shelter_staff", shelters=[shelter_id], sub="staff-7")
    async with fake_roster.client() as api:
        corrected = await api.patch(
            f"/entries/{event.stay_id}",
            json={"personal": {"family_name": "山下", "email": "a@example.jp"}, "remarks": "2F"},
            headers={**staff_7, "X-Actor": "someone-else"},  # who acts is the token's
        )
        by_body = await api.patch(
            f"/entries/{event.stay_id}",
            json={"statuses": [], "message": None},
            headers=fake_roster.issuer.headers("administrator", sub="staff-8"),
        )
        listed = (await api.get(f"/shelters/{shelter_id}/entries", params={"name": "山下"})).json()
        history = (await api.get(f"/entries/{event.stay_id}/history")).json()

    assert corrected.status_code == 200, corrected.text
    body = corrected.json()
    assert (body["personal"]["family_name"], body["personal"]["email"]) == ("山下", "a@example.jp")
    assert (body["remarks"], body["revision"]) == ("2F", 1)
    assert by_body.json()["statuses"] == [] and by_body.json()["message"] is None
    assert [i["stay_id"] for i in listed["items"]] == [str(event.stay_id)]
    assert [(h["actor"], h["fields"]) for h in history["items"]] == [
        ("staff-7", ["personal.family_name", "personal.email", "remarks"]),
        ("staff-8", ["statuses", "message"]),
    ]
    assert history["items"][0]["changes"][0] == {
        "field": "personal.family_name",
        "old": "山田",
        "new": "山下",
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"personal": {"family_name": ""}}, "personal.family_name"),
        ({"personal": {"given_name": None}}, "personal.given_name"),
        ({"personal": {"phone": "call me"}}, "personal.phone"),
        ({"personal": {"email": "not-an-email"}}, "personal.email"),
        ({"personal": {"sex": "unknown"}}, "personal.sex"),
        ({"personal": {"nickname": "x"}}, "personal.nickname"),
        ({"serial": 99}, "serial"),
        ({"statuses": [""]}, "statuses.0"),
        ({"remarks": "あ" * 1001}, "remarks"),
    ],
)
async def test_invalid_corrections_are_422_problems_naming_the_field(
    fake_roster: FakeRoster, check_in: CheckIn, shelter_id: str, body: dict[str, Any], field: str
) -> None:
    event = check_in(shelter_id)
    await feed(fake_roster, event)
    async with fake_roster.client() as api:
        problem = assert_problem(await api.patch(f"/entries/{event.stay_id}", json=body), 422)
        unchanged = (await api.get(f"/entries/{event.stay_id}")).json()
    assert field in [p["name"] for p in problem["invalid-params"]]
    assert unchanged["revision"] == 0
    # The refused values are never echoed back (they may be personal data).
    assert "call me" not in str(problem) and "not-an-email" not in str(problem)


async def test_a_stale_correction_is_a_409_problem(
    fake_roster: FakeRoster, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)
    await feed(fake_roster, event)
    async with fake_roster.client() as api:
        ok = await api.patch(f"/entries/{event.stay_id}", json={"remarks": "a", "revision": 0})
        stale = await api.patch(f"/entries/{event.stay_id}", json={"remarks": "b", "revision": 0})
    assert ok.status_code == 200
    assert assert_problem(stale, 409)["type"].endswith("/edit-conflict")


async def test_a_correction_must_be_json(
    fake_roster: FakeRoster, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)
    await feed(fake_roster, event)
    async with fake_roster.client() as api:
        assert_problem(await api.patch(f"/entries/{event.stay_id}", content=b"remarks=x"), 415)
        assert_problem(
            await api.patch(
                f"/entries/{event.stay_id}",
                content=b"{not json",
                headers={"content-type": "application/json"},
            ),
            422,
        )


# --- CSV export -----------------------------------------------------------------------------


async def test_csv_export_of_one_shelter_and_of_all(
    fake_roster: FakeRoster, check_in: CheckIn, shelter_id: str
) -> None:
    here = check_in(shelter_id, minute=1, message="=cmd|' /C calc'!A0")
    there = check_in(f"{shelter_id}-b", minute=2)
    drill = check_in(shelter_id, minute=3, training=True)
    await feed(fake_roster, here, there, drill)

    async with fake_roster.client() as api:
        one = await api.get(f"/shelters/{shelter_id}/entries.csv")
        everything = await api.get("/entries.csv", params={"name": "やまだ"})

    assert one.status_code == 200
    assert one.headers["content-type"] == "text/csv; charset=utf-8"
    assert one.headers["content-disposition"] == f'attachment; filename="roster-{shelter_id}.csv"'
    assert one.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(one.content.decode("utf-8-sig"), newline="")))
    assert rows[0][0] == "通番" and len(rows) == 2  # the training entry stays out
    assert rows[1][12] == "'=cmd|' /C calc'!A0"
    assert rows[1][13] == "2026-09-01 18:01:00"  # 09:01 UTC in Japan time
    all_rows = list(csv.reader(io.StringIO(everything.content.decode("utf-8-sig"), newline="")))
    mine = [r for r in all_rows[1:] if r[0].startswith(shelter_id)]
    assert all_rows[0][0] == "避難所ID" and [r[0] for r in mine] == [shelter_id, f"{shelter_id}-b"]


# --- disclosure settings and public search --------------------------------------------------


async def test_disclosure_settings_default_then_replace(fake_roster: FakeRoster) -> None:
    async with fake_roster.client() as api:
        default = (await api.get("/settings/disclosure")).json()
        saved = await api.put("/settings/disclosure", json={"name": False, "sex": True})
        again = (await api.get("/settings/disclosure")).json()
        assert_problem(await api.put("/settings/disclosure", json={"name": "yes"}), 422)
        assert_problem(await api.put("/settings/disclosure", json={"phone": True}), 422)
        assert_problem(await api.put("/settings/disclosure", content=b"name=1"), 415)

    assert default == {
        "name": True,
        "sex": False,
        "age": False,
        "address": False,
        "age_format": "years",
    }
    assert saved.json() == again == {**default, "name": False, "sex": True}


async def test_public_search_shows_the_shelter_and_only_the_disclosed_fields(
    fake_roster: FakeRoster, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    hanako = check_in(shelter_id, minute=1)
    left = check_in(shelter_id, minute=2, given_name="次郎", given_name_kana="ジロウ")
    await feed(fake_roster, hanako, left, check_out(shelter_id, left.stay_id))
    await apply_shelter_event(
        make_shelter_event(shelter_id, "千代田小学校", 1), fake_roster.shelters
    )

    async with fake_roster.client() as api:
        default = (await api.get("/public/search", params={"family_name": "ﾔﾏﾀﾞ"})).json()
        await api.put("/settings/disclosure", json={"name": True, "age": True, "address": True})
        more = (await api.get("/public/search", params={"given_name": "はなこ"})).json()
        nobody = (await api.get("/public/search", params={"given_name": "次郎"})).json()

    assert default == {
        "items": [
            {
                "shelter_id": shelter_id,
                "shelter_name": "千代田小学校",
                "family_name": "山田",
                "given_name": "花子",
                "family_name_kana": "ヤマダ",
                "given_name_kana": "ハナコ",
            }
        ]
    }
    [hit] = more["items"]
    assert set(hit) == {
        "shelter_id",
        "shelter_name",
        "family_name",
        "given_name",
        "family_name_kana",
        "given_name_kana",
        "age",
        "address",
    }
    assert hit["address"] == hanako.personal.address and hit["age"] >= 76
    assert nobody == {"items": []}  # checked out: no longer in a shelter


@pytest.mark.parametrize(
    "params",
    [{}, {"family_name": ""}, {"given_name": "　 "}, {"family_name": "・", "given_name": " "}],
)
async def test_public_search_without_a_name_is_refused(
    fake_roster: FakeRoster, check_in: CheckIn, shelter_id: str, params: dict[str, str]
) -> None:
    await feed(fake_roster, check_in(shelter_id))
    async with fake_roster.client() as api:
        body = assert_problem(await api.get("/public/search", params=params), 422)
    assert body["type"].endswith("/search-name-required")
    assert "items" not in body


async def test_public_search_is_rate_limited_per_client() -> None:
    roster = FakeRoster(per_minute=3)
    async with roster.client() as api:
        mine = [
            (await api.get("/public/search", params={"family_name": "山田"})).status_code
            for _ in range(4)
        ]
        refused = await api.get("/public/search", params={"family_name": "山田"})
        # Through the gateway: the last X-Forwarded-For hop is the client nginx saw.
        other = await api.get(
            "/public/search",
            params={"family_name": "山田"},
            headers={"X-Forwarded-For": "198.51.100.1"},
        )
        # A forged first hop does not buy a fresh budget.
        forged = [
            await api.get(
                "/public/search",
                params={"family_name": "山田"},
                headers={"X-Forwarded-For": f"10.0.0.{i}, 198.51.100.1"},
            )
            for i in range(3)
        ]
        # Refused requests without a name count too: the limit bounds all probing.
        bad = await api.get("/public/search", headers={"X-Forwarded-For": "198.51.100.2"})

    assert mine == [200, 200, 200, 429]
    body = assert_problem(refused, 429)
    assert body["type"].endswith("/too-many-requests")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert other.status_code == 200
    assert [r.status_code for r in forged] == [200, 200, 429]
    assert bad.status_code == 422


async def test_public_search_caps_the_number_of_hits(check_in: CheckIn, shelter_id: str) -> None:
    roster = FakeRoster()
    roster.config = roster.config.model_copy(update={"public_search_max_results": 2})
    roster.app.state.settings = roster.config
    await feed(roster, *(check_in(shelter_id, minute=i) for i in range(5)))
    async with roster.client() as api:
        found = (await api.get("/public/search", params={"family_name": "山田"})).json()
    assert len(found["items"]) == 2


async def test_the_entry_times_are_utc_in_the_api(
    fake_roster: FakeRoster, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)
    await feed(fake_roster, event)
    async with fake_roster.client() as api:
        got = (await api.get(f"/entries/{event.stay_id}")).json()
    assert got["checked_in_at"] == (event.checked_in_at + timedelta(0)).isoformat().replace(
        "+00:00", "Z"
    )


async def test_csv_export_reads_the_roster_in_batches_without_losing_rows(
    fake_roster: FakeRoster, check_in: CheckIn, shelter_id: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "EXPORT_BATCH", 2)
    await feed(fake_roster, *(check_in(shelter_id, minute=i) for i in range(5)))
    async with fake_roster.client() as api:
        exported = await api.get(f"/shelters/{shelter_id}/entries.csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"), newline="")))
    assert [r[0] for r in rows[1:]] == ["1", "2", "3", "4", "5"]
