"""The roster's PULL API end to end (S17.2): a real client credential of the auth service.

An administrator creates integration clients (POST /api/auth/clients); each gets a token with
the client credentials grant and reads `GET /api/roster/pull/entries` through the gateway:
the minimum fields with `roster:read`, names and addresses only with `roster:personal`,
304 for an unchanged page, and every read in the administrator's audit log (S10.8).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shelter_testing.polling import eventually

URL = "/api/roster/pull/entries"
MINIMUM = [
    "stay_id",
    "shelter_id",
    "household_number",
    "checked_in_at",
    "checked_out_at",
    "present",
    "forced_check_out",
]


async def _client(
    admin: httpx.AsyncClient, gateway: httpx.AsyncClient, scopes: list[str]
) -> tuple[str, dict[str, str]]:
    created = await admin.post(
        "/api/auth/clients", json={"name": "市防災システム", "scopes": scopes}
    )
    assert created.status_code == 201, created.text
    client = created.json()
    token = await gateway.post(
        "/api/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
        },
    )
    assert token.status_code == 200, token.text
    return client["client_id"], {"Authorization": f"Bearer {token.json()['access_token']}"}


async def test_clients_read_the_fields_their_scopes_allow_with_etags_and_an_audit_trail(
    admin: httpx.AsyncClient,
    gateway: httpx.AsyncClient,
    shelter_id: str,
    person: dict[str, Any],
) -> None:
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    for given_name in ("花子", "太郎"):  # two people: the same one twice is a duplicate (S12)
        checked_in = await gateway.post(
            f"/api/registration/shelters/{shelter_id}/check-ins",
            json={"personal": {**person, "given_name": given_name}, "consent": True},
        )
        assert checked_in.status_code == 201, checked_in.text
    client_id, reader = await _client(admin, gateway, ["roster:read"])
    _, personal_reader = await _client(admin, gateway, ["roster:read", "roster:personal"])
    _, stats_only = await _client(admin, gateway, ["stats:read"])
    params = {"shelter_id": shelter_id}

    found = await eventually(
        lambda: gateway.get(URL, params=params, headers=reader),
        lambda r: r.status_code == 200 and r.json()["total"] == 2,
        within=30,
    )
    body = found.json()
    assert body["fields"] == MINIMUM
    assert [set(i) for i in body["items"]] == [set(MINIMUM)] * 2
    assert all(i["shelter_id"] == shelter_id and i["present"] for i in body["items"])
    for secret in (person["family_name"], person["address"], person["date_of_birth"]):
        assert secret not in found.text

    unchanged = await gateway.get(
        URL, params=params, headers={**reader, "If-None-Match": found.headers["etag"]}
    )
    assert unchanged.status_code == 304

    page = await gateway.get(URL, params={**params, "limit": 1}, headers=reader)
    assert (page.json()["next_offset"], len(page.json()["items"])) == (1, 1)
    last = await gateway.get(URL, params={**params, "limit": 1, "offset": 1}, headers=reader)
    assert last.json()["next_offset"] is None
    assert last.json()["items"][0]["stay_id"] != page.json()["items"][0]["stay_id"]

    wanted = {**params, "fields": "stay_id,family_name,address"}
    refused = await gateway.get(URL, params=wanted, headers=reader)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/field-forbidden")
    granted = await gateway.get(URL, params=wanted, headers=personal_reader)
    assert granted.status_code == 200, granted.text
    assert {(i["family_name"], i["address"]) for i in granted.json()["items"]} == {
        (person["family_name"], person["address"])
    }
    unknown = await gateway.get(URL, params={"fields": "stay_id,password"}, headers=reader)
    assert unknown.status_code == 400 and unknown.json()["type"].endswith("/unknown-field")
    assert (await gateway.get(URL, headers=stats_only)).status_code == 403
    assert (await gateway.get(URL)).status_code == 401

    async def trail() -> list[dict[str, Any]]:
        answer = await admin.get("/api/auth/audit", params={"from": since})
        assert answer.status_code == 200, answer.text
        return [
            r
            for r in answer.json()
            if r["service"] == "roster"
            and r["action"] == "roster.pulled"
            and r["shelter_id"] == shelter_id
        ]

    def complete(reads: list[dict[str, Any]]) -> bool:
        fields = [r["details"]["fields"] for r in reads]
        not_modified = [r for r in reads if r["details"].get("not_modified") == "True"]
        return len(reads) >= 5 and "stay_id,family_name,address" in fields and bool(not_modified)

    reads = await eventually(trail, complete, within=30, interval=0.5)
    mine = [r for r in reads if r["details"].get("client_id") == client_id]
    assert all(
        (r["actor"], r["actor_kind"]) == (f"client:{client_id}", "integration") for r in mine
    )
    assert {"fields": ",".join(MINIMUM), "rows": "2", "client_id": client_id} in [
        r["details"] for r in mine
    ]
    assert any(r["details"].get("not_modified") == "True" for r in mine)
    personal_reads = [r for r in reads if r["details"]["fields"] == "stay_id,family_name,address"]
    assert [r["details"]["rows"] for r in personal_reads] == ["2"]  # the refused one read nothing
    download = await admin.get("/api/auth/audit", params={"from": since, "format": "csv"})
    for secret in (person["family_name"], person["address"]):
        assert secret not in download.text
