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


@pytest.mark.parametrize("service", ["registration", "roster", "stats", "integration", "auth"])
async def test_every_service_is_ready_behind_the_gateway(
    gateway: httpx.AsyncClient, service: str
) -> None:
    response = await gateway.get(f"/api/{service}/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"kafka": "ok", "database": "ok"}}


async def test_api_answers_are_not_cached(gateway: httpx.AsyncClient, shelter_id: str) -> None:
    response = await gateway.get(f"/api/registration/shelters/{shelter_id}")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
