"""The auth service on FerretDB: first administrator, accounts, sign-in, lock-out, revocation."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

from shelter_auth.bootstrap import bootstrap
from shelter_auth.config import Settings
from shelter_auth.entrypoints import cli
from shelter_runtime.security import TokenRejectedError, Verifier
from shelter_runtime.settings import Environment
from shelter_testing.stack import Stack

ADMIN_PASSWORD = "first admin pass 2026"
SHELTER = "13101-0001"


@pytest.fixture
def settings(stack: Stack, namespace: str, database_name: str) -> Settings:
    return Settings(
        environment=Environment.TEST,
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        mongodb_uri=SecretStr(stack.mongodb_uri),
        mongodb_database=database_name,
        kafka_topic_namespace=namespace,
    )


@pytest.fixture
async def auth(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    await cli.create_admin(settings, "admin", "管理者", ADMIN_PASSWORD)
    app = bootstrap(settings)
    async with LifespanManager(app, startup_timeout=30):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://auth") as client:
            yield client


async def _bearer(auth: httpx.AsyncClient, user_id: str, password: str) -> dict[str, str]:
    response = await auth.post("/sign-in", json={"user_id": user_id, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def test_the_first_administrator_manages_staff_who_then_sign_in(
    auth: httpx.AsyncClient,
) -> None:
    admin = await _bearer(auth, "admin", ADMIN_PASSWORD)
    created = await auth.post(
        "/accounts",
        json={
            "user_id": "staff1",
            "display_name": "職員1",
            "role": "shelter_staff",
            "shelters": [SHELTER],
            "password": "initial pass 12345",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    change = {
        "user_id": "staff1",
        "current_password": "initial pass 12345",
        "new_password": "staff own pass 678",
    }
    assert (await auth.post("/password", json=change)).status_code == 204
    signed_in = await auth.post(
        "/sign-in", json={"user_id": "staff1", "password": "staff own pass 678"}
    )
    assert signed_in.status_code == 200
    refreshed = await auth.post(
        "/refresh", json={"refresh_token": signed_in.json()["refresh_token"]}
    )
    assert refreshed.status_code == 200
    reused = await auth.post("/refresh", json={"refresh_token": signed_in.json()["refresh_token"]})
    assert reused.status_code == 401
    since = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    audit = await auth.get("/audit", params={"from": since}, headers=admin)
    assert audit.status_code == 200, audit.text
    actions = [r["action"] for r in audit.json()]
    assert {"account.created", "account.password_changed", "session.refresh_reused"} <= set(actions)


async def test_a_refresh_token_replayed_in_a_race_ends_the_session(
    auth: httpx.AsyncClient,
) -> None:
    """Two requests with one refresh token at once: one rotates, the other is a replay."""
    signed_in = await auth.post("/sign-in", json={"user_id": "admin", "password": ADMIN_PASSWORD})
    token = signed_in.json()["refresh_token"]
    answers = await asyncio.gather(
        *(auth.post("/refresh", json={"refresh_token": token}) for _ in range(4))
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses.count(200) <= 1 and set(statuses) <= {200, 401}, statuses
    # Whoever won, the replay revoked the session: its newest refresh token no longer works.
    for answer in answers:
        if answer.status_code == 200:
            newest = answer.json()["refresh_token"]
            again = await auth.post("/refresh", json={"refresh_token": newest})
            assert again.status_code == 401


async def test_lock_out_is_stored_and_an_administrator_lifts_it(
    auth: httpx.AsyncClient,
) -> None:
    admin = await _bearer(auth, "admin", ADMIN_PASSWORD)
    policy = {"lockout_threshold": 3, "lockout_minutes": 5, "min_length": 10}
    assert (await auth.put("/settings/password-policy", json=policy, headers=admin)).is_success
    await auth.post(
        "/accounts",
        json={
            "user_id": "hq1",
            "display_name": "本部",
            "role": "hq_viewer",
            "password": "hq initial 1234",
        },
        headers=admin,
    )
    await auth.post("/accounts/hq1/password", json={"new_password": "hq pass 12345"}, headers=admin)
    statuses = [
        (await auth.post("/sign-in", json={"user_id": "hq1", "password": "bad"})).status_code
        for _ in range(3)
    ]
    assert statuses == [401, 401, 403]
    account = (await auth.get("/accounts/hq1", headers=admin)).json()
    assert account["locked_out_until"] is not None
    assert (await auth.post("/accounts/hq1/unlock", headers=admin)).status_code == 200
    # Unlocked, the initial password set by the administrator must be changed first.
    right = await auth.post("/sign-in", json={"user_id": "hq1", "password": "hq pass 12345"})
    assert right.json()["type"].endswith("/password-change-required")


async def test_a_revoked_kiosk_token_is_refused_by_a_remote_verifier(
    auth: httpx.AsyncClient,
) -> None:
    admin = await _bearer(auth, "admin", ADMIN_PASSWORD)
    issued = (
        await auth.post(
            "/kiosk-tokens", json={"shelter_id": SHELTER, "label": "受付1"}, headers=admin
        )
    ).json()
    access = (await auth.post("/kiosk-tokens/exchange", json={"token": issued["token"]})).json()
    # Another service's verifier, fetching keys and revocations from the auth service.
    verifier = Verifier.remote(
        "https://auth",
        audience="registration",
        issuer="shelter-checkin-auth",
        http=auth,
        revocation_refresh_seconds=0,
    )
    principal = await verifier.verify(access["access_token"])
    assert principal.shelters == frozenset({SHELTER})
    deleted = await auth.delete(f"/kiosk-tokens/{issued['token_id']}", headers=admin)
    assert deleted.status_code == 204
    with pytest.raises(TokenRejectedError, match="revoked"):
        await verifier.verify(access["access_token"])
    again = await auth.post("/kiosk-tokens/exchange", json={"token": issued["token"]})
    assert again.status_code == 401
