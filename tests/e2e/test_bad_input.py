"""Bad input through the gateway gets an RFC 9457 problem (4xx), never a 500."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["title_ja"]
    return body


async def test_missing_fields(gateway: httpx.AsyncClient, shelter_id: str) -> None:
    response = await gateway.post(
        f"/api/registration/shelters/{shelter_id}/check-ins",
        json={"personal": {"family_name": "山田"}, "consent": True},
    )
    names = {p["name"] for p in _problem(response, 422)["invalid-params"]}
    assert {"personal.given_name", "personal.address", "personal.date_of_birth"} <= names


async def test_wrong_field_types(
    gateway: httpx.AsyncClient, shelter_id: str, person: dict[str, Any]
) -> None:
    body = {"personal": {**person, "date_of_birth": 19500401}, "consent": "yes please"}
    response = await gateway.post(f"/api/registration/shelters/{shelter_id}/check-ins", json=body)
    names = {p["name"] for p in _problem(response, 422)["invalid-params"]}
    assert {"personal.date_of_birth", "consent"} <= names


async def test_unknown_shelter(gateway: httpx.AsyncClient, person: dict[str, Any]) -> None:
    response = await gateway.post(
        "/api/registration/shelters/no-such-shelter/check-ins",
        json={"personal": person, "consent": True},
    )
    assert _problem(response, 404)["type"].endswith("/unknown-shelter")


async def test_wrong_content_type(
    gateway: httpx.AsyncClient, shelter_id: str, person: dict[str, Any]
) -> None:
    response = await gateway.post(
        f"/api/registration/shelters/{shelter_id}/check-ins",
        content=json.dumps({"personal": person, "consent": True}),
        headers={"content-type": "text/plain"},
    )
    _problem(response, 415)


@pytest.mark.parametrize("size", [100 * 1024, 2 * 1024 * 1024])
async def test_oversize_body(gateway: httpx.AsyncClient, shelter_id: str, size: int) -> None:
    # 100 KiB passes nginx (1 MiB) and is refused by the service (64 KiB); 2 MiB by nginx.
    response = await gateway.post(
        f"/api/registration/shelters/{shelter_id}/check-ins",
        content=b"{" + b" " * size + b"}",
        headers={"content-type": "application/json"},
    )
    _problem(response, 413)


async def test_malformed_json(gateway: httpx.AsyncClient, shelter_id: str) -> None:
    response = await gateway.post(
        f"/api/registration/shelters/{shelter_id}/check-ins",
        content=b'{"personal": ',
        headers={"content-type": "application/json"},
    )
    _problem(response, 422)
