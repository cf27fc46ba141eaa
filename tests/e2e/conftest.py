"""End-to-end fixtures: a client of the gateway and a fresh shelter per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

from shelter_testing.stack import Stack

PERSON: dict[str, Any] = {
    "family_name": "山田",
    "given_name": "花子",
    "address": "東京都千代田区千代田1-1",
    "date_of_birth": "1950-04-01",
    "sex": "female",
}


@pytest.fixture
async def gateway(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A client from outside the system: never traced by this process.

    In-process service tests instrument httpx for the whole test process; an instrumented
    client would replace the trace context a test sends with its own.
    """
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=10) as client:
        HTTPXClientInstrumentor.uninstrument_client(client)
        yield client


@pytest.fixture
async def shelter_id(gateway: httpx.AsyncClient) -> str:
    """A shelter of this test's own, registered and opened through the gateway (S13.1)."""
    shelter_id = f"e2e-{uuid.uuid4().hex[:10]}"
    response = await gateway.post(
        "/api/registration/shelters",
        json={"shelter_id": shelter_id, "name": "テスト避難所", "capacity": 4},
    )
    assert response.status_code == 201, response.text
    opened = await gateway.post(f"/api/registration/shelters/{shelter_id}/open", json={})
    assert opened.status_code == 200, opened.text
    return shelter_id


@pytest.fixture
def person() -> dict[str, Any]:
    return dict(PERSON)
