"""The auth API through HTTP, with fakes behind the ports: answers, permissions, cookies, logs."""

from __future__ import annotations

import base64
import csv
import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest

from shelter_auth.domain.model import PasswordPolicy
from shelter_auth.service_layer import handlers
from shelter_runtime.logs import configure_logging
from shelter_runtime.security import ACCESS_COOKIE, CSRF_COOKIE, CSRF_HEADER

from ..conftest import ADMIN_PASSWORD, SHELTER, STAFF_PASSWORD, Fakes, bearer

NEW_ACCOUNT: dict[str, Any] = {
    "user_id": "staff2",
    "display_name": "避難所職員2",
    "role": "shelter_staff",
    "shelters": [SHELTER],
    "password": "initial pass 12345",
}

#: Every administrator-only endpoint of the auth API (method, path, JSON body).
ADMIN_ONLY: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/accounts", None),
    ("POST", "/accounts", NEW_ACCOUNT),
    ("GET", "/accounts/staff1", None),
    ("PATCH", "/accounts/staff1", {"locked": True}),
    ("DELETE", "/accounts/hq1", None),
    ("POST", "/accounts/staff1/unlock", None),
    ("POST", "/accounts/staff1/password", {"new_password": "reset pass 12345"}),
    ("GET", "/settings/password-policy", None),
    ("PUT", "/settings/password-policy", {"min_length": 14}),
    ("POST", "/kiosk-tokens", {"shelter_id": SHELTER, "label": "受付"}),
    ("GET", "/kiosk-tokens", None),
    ("DELETE", "/kiosk-tokens/abc", None),
    ("POST", "/clients", {"name": "県", "scopes": ["stats:read"]}),
    ("GET", "/clients", None),
    ("DELETE", "/clients/cl_abc", None),
    ("GET", "/audit?from=2026-01-01T00:00:00Z", None),
]


def _problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"].endswith(f"/problems/{slug}")
    assert body["title"] and body["title_ja"]
    return body


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ONLY)
async def test_only_administrators_manage_accounts_settings_tokens_and_audit(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    anonymous = await client.request(method, path, json=body)
    _problem(anonymous, 401, "unauthorized")
    for user_id, password in (("staff1", STAFF_PASSWORD), ("hq1", STAFF_PASSWORD)):
        headers = await bearer(client, user_id, password)
        _problem(
            await client.request(method, path, json=body, headers=headers), 403, "role-forbidden"
        )
    admin = await bearer(client, "admin", ADMIN_PASSWORD)
    allowed = await client.request(method, path, json=body, headers=admin)
    assert allowed.status_code not in (401, 403), allowed.text


async def test_sign_in_answers_tokens_and_never_the_hash(client: httpx.AsyncClient) -> None:
    response = await client.post("/sign-in", json={"user_id": "staff1", "password": STAFF_PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600
    assert body["role"] == "shelter_staff" and body["shelters"] == [SHELTER]
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "EdDSA"
    admin = await bearer(client, "admin", ADMIN_PASSWORD)
    accounts = await client.get("/accounts", headers=admin)
    assert "argon2" not in accounts.text and "password_hash" not in accounts.text


async def test_wrong_password_then_lock_out_speak_japanese_and_english(
    client: httpx.AsyncClient, fakes: Fakes
) -> None:
    admin = await bearer(client, "admin", ADMIN_PASSWORD)
    policy = {"lockout_threshold": 2, "lockout_minutes": 30}
    assert (await client.put("/settings/password-policy", json=policy, headers=admin)).is_success
    wrong = {"user_id": "staff1", "password": "wrong password 1"}
    body = _problem(await client.post("/sign-in", json=wrong), 401, "invalid-credentials")
    assert body["title_ja"] == "ユーザーIDまたはパスワードが正しくありません"
    locked = _problem(await client.post("/sign-in", json=wrong), 403, "account-locked-out")
    assert "30 minutes" in locked["title"] and "ロック" in locked["title_ja"]
    assert locked["locked_until"]
    right = {"user_id": "staff1", "password": STAFF_PASSWORD}
    _problem(await client.post("/sign-in", json=right), 403, "account-locked-out")
    assert (await client.post("/accounts/staff1/unlock", headers=admin)).status_code == 200
    assert (await client.post("/sign-in", json=right)).status_code == 200


async def test_emergency_lock_and_expiry_answer_their_own_problems(
    client: httpx.AsyncClient,
) -> None:
    admin = await bearer(client, "admin", ADMIN_PASSWORD)
    await client.patch("/accounts/staff1", json={"locked": True}, headers=admin)
    right = {"user_id": "staff1", "password": STAFF_PASSWORD}
    _problem(await client.post("/sign-in", json=right), 403, "account-locked")
    await client.patch("/accounts/hq1", json={"expires_at": "2020-01-01T00:00:00Z"}, headers=admin)
    hq = {"user_id": "hq1", "password": STAFF_PASSWORD}
    _problem(await client.post("/sign-in", json=hq), 403, "account-expired")


async def test_too_many_sign_ins_get_429_with_retry_after(client: httpx.AsyncClient) -> None:
    wrong = {"user_id": "nobody", "password": "x"}
    answers = [await client.post("/sign-in", json=wrong) for _ in range(11)]
    assert [a.status_code for a in answers[:10]] == [401] * 10
    assert answers[10].status_code == 429
    assert int(answers[10].headers["Retry-After"]) >= 1


async def test_a_new_account_changes_its_initial_password_first(client: httpx.AsyncClient) -> None:
    admin = await bearer(client, "admin", ADMIN_PASSWORD)
    created = await client.post("/accounts", json=NEW_ACCOUNT, headers=admin)
    assert created.status_code == 201 and created.json()["must_change_password"] is True
    first = {"user_id": "staff2", "password": NEW_ACCOUNT["password"]}
    _problem(await client.post("/sign-in", json=first), 403, "password-change-required")
    change = {
        "user_id": "staff2",
        "current_password": NEW_ACCOUNT["password"],
        "new_password": "my own pass 2468",
    }
    assert (await client.post("/password", json=change)).status_code == 204
    assert (await bearer(client, "staff2", "my own pass 2468"))["Authorization"]


async def test_account_rules_are_problems(client: httpx.AsyncClient) -> None:
    admin = await bearer(client, "admin", ADMIN_PASSWORD)
    weak = {**NEW_ACCOUNT, "password": "short"}
    body = _problem(
        await client.post("/accounts", json=weak, headers=admin), 422, "password-policy"
    )
    assert "short" not in str(body["violations"]).replace("shorter", "")
    nowhere = {**NEW_ACCOUNT, "shelters": []}
    _problem(await client.post("/accounts", json=nowhere, headers=admin), 422, "shelter-assignment")
    taken = {**NEW_ACCOUNT, "user_id": "staff1"}
    _problem(await client.post("/accounts", json=taken, headers=admin), 409, "account-exists")
    _problem(await client.delete("/accounts/admin", headers=admin), 409, "last-administrator")
    _problem(await client.get("/accounts/ghost", headers=admin), 404, "unknown-account")


async def test_a_role_change_ends_the_old_tokens(client: httpx.AsyncClient) -> None:
    staff = await bearer(client, "staff1", STAFF_PASSWORD)
    assert (await client.get("/me", headers=staff)).json()["role"] == "shelter_staff"
    admin = await bearer(client, "admin", ADMIN_PASSWORD)
    change = {"role": "hq_viewer", "shelters": []}
    assert (await client.patch("/accounts/staff1", json=change, headers=admin)).status_code == 200
    _problem(await client.get("/me", headers=staff), 401, "unauthorized")


async def test_browser_session_uses_cookies_and_csrf(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/sign-in", json={"user_id": "staff1", "password": STAFF_PASSWORD, "cookie": True}
    )
    assert response.status_code == 200
    body = response.json()
    assert "access_token" not in body and "refresh_token" not in body
    cookies = response.headers.get_list("set-cookie")
    access = next(c for c in cookies if c.startswith(ACCESS_COOKIE))
    assert "HttpOnly" in access and "Secure" in access and "SameSite=strict" in access
    csrf_cookie = next(c for c in cookies if c.startswith(CSRF_COOKIE))
    assert "HttpOnly" not in csrf_cookie
    assert (await client.get("/me")).json()["subject"] == "staff1"
    # The refresh cookie is scoped to /api/auth/ (the gateway path): send it as the browser would.
    refresh_cookie = next(c for c in cookies if c.startswith("__Secure-shelter-refresh"))
    assert "Path=/api/auth/" in refresh_cookie
    refresh_value = refresh_cookie.split(";", 1)[0].split("=", 1)[1]
    client.cookies.set("__Secure-shelter-refresh", refresh_value)
    _problem(await client.post("/refresh"), 403, "csrf-token-mismatch")
    refreshed = await client.post("/refresh", headers={CSRF_HEADER: body["csrf_token"]})
    assert refreshed.status_code == 200, refreshed.text
    signed_out = await client.post("/sign-out", headers={CSRF_HEADER: body["csrf_token"]})
    assert signed_out.status_code == 204


async def test_kiosk_tokens_issue_list_exchange_and_revoke(client: httpx.AsyncClient) -> None:
    admin = await bearer(client, "admin", ADMIN_PASSWORD)
    issued = await client.post(
        "/kiosk-tokens", json={"shelter_id": SHELTER, "label": "入口"}, headers=admin
    )
    assert issued.status_code == 201
    token, token_id = issued.json()["token"], issued.json()["token_id"]
    exchanged = await client.post("/kiosk-tokens/exchange", json={"token": token})
    assert exchanged.status_code == 200
    assert exchanged.json()["kind"] == "kiosk" and exchanged.json()["shelters"] == [SHELTER]
    [listed] = (await client.get("/kiosk-tokens", headers=admin)).json()
    assert listed["last_used_at"] and "token" not in listed and token not in str(listed)
    assert (await client.delete(f"/kiosk-tokens/{token_id}", headers=admin)).status_code == 204
    _problem(
        await client.post("/kiosk-tokens/exchange", json={"token": token}),
        401,
        "invalid-credential",
    )
    assert token_id in (await client.get("/revocations")).json()["revoked"]
    _problem(await client.delete(f"/kiosk-tokens/{token_id}", headers=admin), 404, "not-found")


async def test_client_credentials_and_service_audit_records(client: httpx.AsyncClient) -> None:
    admin = await bearer(client, "admin", ADMIN_PASSWORD)
    created = await client.post(
        "/clients", json={"name": "roster", "scopes": ["audit:write"]}, headers=admin
    )
    assert created.status_code == 201
    client_id, secret = created.json()["client_id"], created.json()["client_secret"]
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    token = await client.post(
        "/token",
        content="grant_type=client_credentials",
        headers={
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    assert token.status_code == 200, token.text
    assert token.json()["scope"] == "audit:write" and token.json()["kind"] == "integration"
    service = {"Authorization": f"Bearer {token.json()['access_token']}"}
    record = {
        "action": "roster.entry_edited",
        "actor": "staff1",
        "actor_kind": "staff",
        "shelter_id": SHELTER,
        "target_type": "stay",
        "target_id": "3f0c",
        "details": {"fields": "address,phone"},
    }
    stored = await client.post("/audit", json=record, headers=service)
    assert stored.status_code == 201, stored.text
    assert stored.json()["service"] == "roster"
    _problem(
        await client.post("/audit", json=record, headers=admin), 403, "principal-kind-forbidden"
    )
    bad = {**record, "action": "Drop Table"}
    _problem(await client.post("/audit", json=bad, headers=service), 422, "validation-error")
    wrong = await client.post(
        "/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "x"},
    )
    _problem(wrong, 401, "invalid-credential")


async def test_the_audit_trail_downloads_as_csv(client: httpx.AsyncClient, fakes: Fakes) -> None:
    await client.post("/sign-in", json={"user_id": "staff1", "password": "wrong password 1"})
    admin = await bearer(client, "admin", ADMIN_PASSWORD)
    start = (fakes.clock.now() - timedelta(hours=1)).isoformat()
    fakes.clock.advance(seconds=1)
    as_json = await client.get("/audit", params={"from": start}, headers=admin)
    assert as_json.status_code == 200
    assert any(
        r["action"] == "session.sign_in" and r["outcome"] == "failure" and r["actor"] == "staff1"
        for r in as_json.json()
    )
    as_csv = await client.get("/audit", params={"from": start, "format": "csv"}, headers=admin)
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(as_csv.text.lstrip("\ufeff"))))
    assert {"at", "action", "outcome", "actor", "ip"} <= set(rows[0])
    assert "wrong password 1" not in as_csv.text and ADMIN_PASSWORD not in as_csv.text
    _problem(
        await client.get("/audit", params={"from": start, "to": start}, headers=admin),
        422,
        "validation-error",
    )


async def test_jwks_publishes_public_keys_only(client: httpx.AsyncClient) -> None:
    jwks = (await client.get("/.well-known/jwks.json")).json()
    [key] = jwks["keys"]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and key["kid"] and "d" not in key


@contextmanager
def _json_logging(keep: logging.Handler) -> Iterator[None]:
    """The service's JSON logging (plus pytest's capture handler), put back afterwards."""
    root = logging.getLogger()
    saved = {
        name: (list(lg.handlers), lg.propagate, lg.disabled, lg.level)
        for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access", "faststream", "aiokafka")
        for lg in [logging.getLogger(name)]
    }
    configure_logging("auth", "DEBUG")
    root.addHandler(keep)
    try:
        yield
    finally:
        for name, (handlers, propagate, disabled, level) in saved.items():
            lg = logging.getLogger(name)
            lg.handlers[:] = handlers
            lg.propagate, lg.disabled = propagate, disabled
            lg.setLevel(level)


async def test_no_password_or_token_in_any_log_line_of_a_sign_in_flow(
    client: httpx.AsyncClient,
    seeded: handlers.Dependencies,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secrets: list[str] = [STAFF_PASSWORD, ADMIN_PASSWORD, "wrong password 1"]
    seeded.policies.policy = PasswordPolicy(lockout_threshold=2)  # type: ignore[attr-defined]
    with _json_logging(caplog.handler):
        await client.post("/sign-in", json={"user_id": "hq1", "password": "wrong password 1"})
        await client.post("/sign-in", json={"user_id": "hq1", "password": "wrong password 1"})
        await client.post("/sign-in", json={"user_id": "staff1", "password": "wrong password 1"})
        signed_in = await client.post(
            "/sign-in", json={"user_id": "staff1", "password": STAFF_PASSWORD}
        )
        secrets += [signed_in.json()["access_token"], signed_in.json()["refresh_token"]]
        refreshed = await client.post(
            "/refresh", json={"refresh_token": signed_in.json()["refresh_token"]}
        )
        secrets += [refreshed.json()["access_token"], refreshed.json()["refresh_token"]]
        # The reused refresh token: a warning-worthy event, still without the token.
        await client.post("/refresh", json={"refresh_token": signed_in.json()["refresh_token"]})
        admin = await bearer(client, "admin", ADMIN_PASSWORD)
        kiosk = await client.post(
            "/kiosk-tokens", json={"shelter_id": SHELTER, "label": "受付"}, headers=admin
        )
        secrets.append(kiosk.json()["token"])
        await client.post("/kiosk-tokens/exchange", json={"token": kiosk.json()["token"]})
        await client.post("/sign-out", json={"refresh_token": refreshed.json()["refresh_token"]})
    logged = capsys.readouterr().out + "\n".join(r.getMessage() for r in caplog.records)
    logged += "\n".join(str(r.__dict__) for r in caplog.records)
    assert "locked out" in logged and "used twice" in logged and '"level": "INFO"' in logged
    for secret in secrets:
        assert secret not in logged
    assert "$argon2" not in logged


async def test_the_audit_trail_records_the_client_ip_the_gateway_saw(
    client: httpx.AsyncClient, fakes: Fakes
) -> None:
    # The gateway appends the address it saw; anything before it was written by the client.
    spoofed = {"X-Forwarded-For": "10.9.9.9, 203.0.113.5"}
    await client.post(
        "/sign-in", json={"user_id": "staff1", "password": STAFF_PASSWORD}, headers=spoofed
    )
    assert fakes.audit.records[-1].ip == "203.0.113.5"
    jwks = await client.get("/.well-known/jwks.json")
    assert jwks.headers["cache-control"] == "public, max-age=300"
    assert (await client.get("/revocations")).headers["cache-control"] == "no-store"
