"""End-to-end fixtures: a client of the gateway and a fresh shelter per test."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
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
async def admin(stack: Stack, admin_headers: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the gateway signed in as the stack's first administrator (untraced too)."""
    async with httpx.AsyncClient(
        base_url=stack.gateway_url, timeout=10, headers=admin_headers
    ) as client:
        HTTPXClientInstrumentor.uninstrument_client(client)
        yield client


async def open_shelter(admin: httpx.AsyncClient, name: str = "テスト避難所") -> str:
    """Register and open a shelter of a test's own through the gateway (S13.1)."""
    shelter_id = f"e2e-{uuid.uuid4().hex[:10]}"
    response = await admin.post(
        "/api/registration/shelters",
        json={"shelter_id": shelter_id, "name": name, "capacity": 4},
    )
    assert response.status_code == 201, response.text
    opened = await admin.post(f"/api/registration/shelters/{shelter_id}/open")
    assert opened.status_code == 200, opened.text
    return shelter_id


@pytest.fixture
async def shelter_id(admin: httpx.AsyncClient) -> str:
    """A shelter of this test's own, registered and opened by the administrator."""
    return await open_shelter(admin)


@pytest.fixture
def person() -> dict[str, Any]:
    return dict(PERSON)


def new_password() -> str:
    """A password the default policy accepts: 12+ characters, a lowercase letter, a digit."""
    return f"{secrets.token_urlsafe(12)}a1"


@dataclass(frozen=True, slots=True)
class SignedIn:
    """A staff member signed in through the gateway, with the secrets a log must never show."""

    user_id: str
    initial_password: str
    password: str
    access_token: str
    refresh_token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def staff_account(
    admin: httpx.AsyncClient, gateway: httpx.AsyncClient, shelters: list[str]
) -> SignedIn:
    """A shelter staff account made by the administrator, its initial password changed."""
    user_id = f"e2e-staff-{uuid.uuid4().hex[:8]}"
    initial = new_password()
    created = await admin.post(
        "/api/auth/accounts",
        json={
            "user_id": user_id,
            "display_name": "テスト職員",
            "role": "shelter_staff",
            "shelters": shelters,
            "password": initial,
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["must_change_password"] is True
    first = await gateway.post("/api/auth/sign-in", json={"user_id": user_id, "password": initial})
    assert first.status_code == 403 and first.json()["type"].endswith("/password-change-required")

    password = new_password()
    changed = await gateway.post(
        "/api/auth/password",
        json={"user_id": user_id, "current_password": initial, "new_password": password},
    )
    assert changed.status_code == 204, changed.text
    signed_in = await gateway.post(
        "/api/auth/sign-in", json={"user_id": user_id, "password": password}
    )
    assert signed_in.status_code == 200, signed_in.text
    tokens = signed_in.json()
    return SignedIn(user_id, initial, password, tokens["access_token"], tokens["refresh_token"])
