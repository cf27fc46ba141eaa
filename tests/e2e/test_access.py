"""Roles, shelter scope and token checks across the running services (issue 4, S10).

Through the gateway, with accounts and tokens of the stack's own auth service: a shelter staff
member works on their shelter only; a revoked kiosk token stops working within seconds; a
token that is not the auth service's own is refused by every service that has protected
routes (stats has none: its counts are public).
"""

from __future__ import annotations

import base64
import json
import uuid

import httpx
import pytest

from shelter_testing import eventually
from shelter_testing.tokens import SERVICES, TestIssuer

from .conftest import new_password, open_shelter, staff_account

#: One protected route of each service that has any: an administrator's read.
PROTECTED = {
    "registration": "/api/registration/shelters",
    "roster": "/api/roster/entries",
    "integration": "/api/integration/shelters",
    "auth": "/api/auth/accounts",
}


async def test_shelter_staff_work_on_their_own_shelter_only(
    admin: httpx.AsyncClient, gateway: httpx.AsyncClient, shelter_id: str
) -> None:
    other = await open_shelter(admin, "別の避難所")
    staff = await staff_account(admin, gateway, [shelter_id])
    me = (await gateway.get("/api/auth/me", headers=staff.headers)).json()
    assert (me["role"], me["shelters"]) == ("shelter_staff", [shelter_id])

    own = await gateway.get(f"/api/roster/shelters/{shelter_id}/entries", headers=staff.headers)
    assert own.status_code == 200, own.text
    checked_in = await gateway.post(
        f"/api/registration/shelters/{shelter_id}/staff-check-ins",
        headers=staff.headers,
        json={
            "personal": {
                "family_name": "職員",
                "given_name": "代理",
                "address": "東京都千代田区千代田1-1",
                "date_of_birth": "1960-01-01",
                "sex": "male",
            }
        },
    )
    assert checked_in.status_code == 201, checked_in.text
    # Another shelter's roster, every shelter's roster, accounts and settings: refused.
    refused = {
        "other roster": await gateway.get(
            f"/api/roster/shelters/{other}/entries", headers=staff.headers
        ),
        "other roster csv": await gateway.get(
            f"/api/roster/shelters/{other}/entries.csv", headers=staff.headers
        ),
        "all rosters": await gateway.get("/api/roster/entries", headers=staff.headers),
        "other shelter closed": await gateway.post(
            f"/api/registration/shelters/{other}/close", headers=staff.headers
        ),
        "accounts": await gateway.get("/api/auth/accounts", headers=staff.headers),
        "new account": await gateway.post(
            "/api/auth/accounts",
            headers=staff.headers,
            json={
                "user_id": f"e2e-x-{uuid.uuid4().hex[:8]}",
                "display_name": "x",
                "role": "administrator",
                "password": new_password(),
            },
        ),
        "password policy": await gateway.put(
            "/api/auth/settings/password-policy", headers=staff.headers, json={}
        ),
        "status items": await gateway.put(
            "/api/registration/settings/status-items", headers=staff.headers, json={"items": []}
        ),
        "disclosure": await gateway.put(
            "/api/roster/settings/disclosure", headers=staff.headers, json={}
        ),
        "new shelter": await gateway.post(
            "/api/registration/shelters",
            headers=staff.headers,
            json={"shelter_id": f"e2e-{uuid.uuid4().hex[:10]}", "name": "x", "capacity": 1},
        ),
    }
    assert {name: r.status_code for name, r in refused.items()} == dict.fromkeys(refused, 403)
    # Another shelter's entry is answered like an unknown one: stay ids cannot be probed.
    stay_id = checked_in.json()["stay_id"]
    elsewhere = await staff_account(admin, gateway, [other])
    await eventually(
        lambda: admin.get(f"/api/roster/entries/{stay_id}"), lambda r: r.status_code == 200
    )
    hidden = await gateway.get(f"/api/roster/entries/{stay_id}", headers=elsewhere.headers)
    assert hidden.status_code == 404
    mine = await gateway.get(f"/api/roster/entries/{stay_id}", headers=staff.headers)
    assert mine.status_code == 200


async def test_a_revoked_kiosk_token_is_refused_within_seconds(
    admin: httpx.AsyncClient, gateway: httpx.AsyncClient, shelter_id: str
) -> None:
    issued = await admin.post(
        "/api/auth/kiosk-tokens", json={"shelter_id": shelter_id, "label": "入口キオスク"}
    )
    assert issued.status_code == 201, issued.text
    exchanged = await gateway.post(
        "/api/auth/kiosk-tokens/exchange", json={"token": issued.json()["token"]}
    )
    assert exchanged.status_code == 200, exchanged.text
    kiosk = {"Authorization": f"Bearer {exchanged.json()['access_token']}"}
    desk = f"/api/registration/shelters/{shelter_id}/staff-check-ins"

    # An empty form: 422 once admitted, so the probe records nothing.
    assert (await gateway.post(desk, headers=kiosk, json={})).status_code == 422
    other = await open_shelter(admin)
    elsewhere = f"/api/registration/shelters/{other}/staff-check-ins"
    assert (await gateway.post(elsewhere, headers=kiosk, json={})).status_code == 403
    roster = await gateway.get(f"/api/roster/shelters/{shelter_id}/entries", headers=kiosk)
    assert roster.status_code == 403

    revoked = await admin.delete(f"/api/auth/kiosk-tokens/{issued.json()['token_id']}")
    assert revoked.status_code == 204, revoked.text
    refused = await eventually(
        lambda: gateway.post(desk, headers=kiosk, json={}),
        lambda r: r.status_code == 401,
        within=15,
        interval=0.5,
    )
    assert refused.headers["content-type"] == "application/problem+json"
    again = await gateway.post(
        "/api/auth/kiosk-tokens/exchange", json={"token": issued.json()["token"]}
    )
    assert again.status_code == 401


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _forged(admin_headers: dict[str, str]) -> dict[str, str]:
    """Tokens the auth service did not sign as they are: each must be refused with 401.

    Only the auth service holds its signing key, so expired and wrong-audience tokens are
    signed with a key of the test's own (under the real key id); that these claims alone are
    refused is proven route by route in tests/unit/test_permission_matrix.py.
    """
    real = admin_headers["Authorization"].removeprefix("Bearer ")
    header, claims, signature = real.split(".")
    kid = json.loads(_unb64(header))["kid"]
    raw = _unb64(signature)
    tampered_claims = json.loads(_unb64(claims))
    tampered_claims["role"] = "administrator"
    tampered_claims["sub"] = "intruder"
    forger = TestIssuer(kid)
    unsigned = _b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    return {
        "wrong signature": f"{header}.{claims}.{_b64(bytes([raw[0] ^ 1]) + raw[1:])}",
        "altered claims": f"{header}.{_b64(json.dumps(tampered_claims).encode())}.{signature}",
        "foreign key": forger.token("administrator"),
        "expired": forger.token("administrator", lifetime_seconds=-3600),
        "wrong audience": forger.token("administrator", audience=["elsewhere"]),
        "not signed": f"{unsigned}.{claims}.",
    }


@pytest.mark.parametrize("service", sorted(PROTECTED))
async def test_tokens_that_are_not_the_auth_services_own_are_refused(
    gateway: httpx.AsyncClient, admin_headers: dict[str, str], service: str
) -> None:
    path = PROTECTED[service]
    assert (await gateway.get(path, headers=admin_headers)).status_code == 200
    assert service in SERVICES
    answers = {
        name: (await gateway.get(path, headers={"Authorization": f"Bearer {token}"})).status_code
        for name, token in _forged(admin_headers).items()
    }
    assert answers == dict.fromkeys(answers, 401)
