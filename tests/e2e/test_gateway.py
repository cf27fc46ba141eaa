"""The gateway: web UI at /, each service under /api/<service>/, security headers."""

from __future__ import annotations

import httpx
import pytest


async def test_web_ui_is_served(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/")
    assert response.status_code == 200
    assert "避難所チェックイン" in response.text
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    assert "max-age=" in response.headers["strict-transport-security"]


async def test_the_qr_print_page_keeps_its_own_policy(
    admin: httpx.AsyncClient, shelter_id: str
) -> None:
    # Two CSP headers would both apply and block the page's inline styles.
    response = await admin.get(f"/api/registration/shelters/{shelter_id}/qr.html")
    assert response.status_code == 200
    assert len(response.headers.get_list("content-security-policy")) == 1
    assert "テスト避難所" in response.text


async def test_the_first_administrator_signs_in_through_the_gateway(
    admin_headers: dict[str, str], gateway: httpx.AsyncClient
) -> None:
    response = await gateway.get("/api/auth/me", headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "administrator"


async def test_the_revocation_list_is_not_exposed(gateway: httpx.AsyncClient) -> None:
    assert (await gateway.get("/api/auth/revocations")).status_code == 404


#: What each service's readiness checks besides Kafka and its database (S17: the broker link).
EXTRA_CHECKS: dict[str, dict[str, str]] = {"integration": {"ngsi_ld_broker": "ok"}}


@pytest.mark.parametrize("service", ["registration", "roster", "stats", "integration", "auth"])
async def test_every_service_is_ready_behind_the_gateway(
    gateway: httpx.AsyncClient, service: str
) -> None:
    response = await gateway.get(f"/api/{service}/readyz")
    assert response.status_code == 200
    checks = {"kafka": "ok", "database": "ok", **EXTRA_CHECKS.get(service, {})}
    assert response.json() == {"status": "ready", "checks": checks}


async def test_api_answers_are_not_cached(gateway: httpx.AsyncClient, shelter_id: str) -> None:
    response = await gateway.get(f"/api/registration/shelters/{shelter_id}")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
