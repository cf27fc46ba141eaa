"""PULL end to end (S17.2): an integration client of the auth service reads shelters and totals."""

from __future__ import annotations

from typing import Any

import httpx

from shelter_testing.polling import eventually

from .conftest import PERSON, open_shelter


async def _client_headers(
    admin: httpx.AsyncClient, gateway: httpx.AsyncClient, scopes: list[str]
) -> dict[str, str]:
    created = await admin.post(
        "/api/auth/clients", json={"name": "防災情報システム", "scopes": scopes}
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
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


async def test_shelters_with_status_and_counts_and_etags(
    admin: httpx.AsyncClient, gateway: httpx.AsyncClient
) -> None:
    shelter_id = await open_shelter(admin)
    checked_in = await gateway.post(
        f"/api/registration/shelters/{shelter_id}/check-ins",
        json={"personal": PERSON, "consent": True},
    )
    assert checked_in.status_code == 201, checked_in.text
    reader = await _client_headers(admin, gateway, ["shelters:read", "stats:read"])
    url = f"/api/integration/shelters/{shelter_id}"

    async def shelter() -> httpx.Response:
        return await gateway.get(url, headers=reader)

    found = await eventually(
        shelter,
        lambda r: r.status_code == 200 and (r.json()["counts"] or {}).get("present") == 1,
    )
    body: dict[str, Any] = found.json()
    assert (body["opening_status"], body["status_label"]) == ("open", "開設中")
    assert "山田" not in found.text  # shelter-level facts only
    unchanged = await gateway.get(url, headers={**reader, "If-None-Match": found.headers["etag"]})
    assert unchanged.status_code == 304

    page = await gateway.get("/api/integration/shelters", params={"limit": 500}, headers=reader)
    assert page.status_code == 200 and page.json()["total"] >= 1
    totals = await gateway.get("/api/integration/totals", headers=reader)
    assert totals.status_code == 200 and totals.json()["present"] >= 1


async def test_without_stats_scope_no_counts_and_no_totals(
    admin: httpx.AsyncClient, gateway: httpx.AsyncClient
) -> None:
    shelter_id = await open_shelter(admin)
    reader = await _client_headers(admin, gateway, ["shelters:read"])
    found = await eventually(
        lambda: gateway.get(f"/api/integration/shelters/{shelter_id}", headers=reader),
        lambda r: r.status_code == 200,
    )
    assert found.json()["counts"] is None
    refused = await gateway.get("/api/integration/totals", headers=reader)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
