"""The integration service is part of the stack from day one: probes and problem details."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from shelter_integration.bootstrap import bootstrap
from shelter_integration.config import Settings
from shelter_runtime.settings import Environment


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # Nothing listens on port 1: the app is built but cannot reach Kafka or the database.
    settings = Settings(
        environment=Environment.TEST,
        kafka_bootstrap_servers="127.0.0.1:1",
        mongodb_uri=SecretStr("mongodb://127.0.0.1:1/"),
    )
    transport = httpx.ASGITransport(app=bootstrap(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://integration") as c:
        yield c


async def test_alive_but_not_ready_without_kafka_and_database(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"kafka": "unreachable", "database": "unreachable"}


async def test_readiness_reports_the_broker_link_when_one_is_configured() -> None:
    settings = Settings(
        environment=Environment.TEST,
        kafka_bootstrap_servers="127.0.0.1:1",
        mongodb_uri=SecretStr("mongodb://127.0.0.1:1/"),
        orion_ld_url="http://127.0.0.1:1",
        broker_timeout_seconds=1,
    )
    transport = httpx.ASGITransport(app=bootstrap(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://integration") as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["ngsi_ld_broker"] == "unreachable"


async def test_unknown_path_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
