"""What evacuees type and what staff sign in with never reach the logs of the stack (S10.8).

A sign-in, a refresh, a kiosk exchange, check-ins by smartphone and by staff, a roster read
and a sign-out run through the gateway; then every log file of the stack (the services' and
Kafka's output in stack.log, nginx's access log) and the exported spans are searched for the
passwords, the access and refresh tokens and the personal data of this test.
"""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from shelter_testing import eventually
from shelter_testing.stack import Stack

from .conftest import staff_account


def _stack_logs(stack: Stack) -> str:
    files = [
        *(stack.directory / "logs").glob("*.log"),
        *(stack.directory / "nginx").glob("*.log"),
        stack.spans_file,
    ]
    return "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files if p.exists())


async def test_sign_in_and_check_in_leave_no_secret_or_personal_data_in_logs(
    stack: Stack,
    gateway: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    admin_headers: dict[str, str],
    shelter_id: str,
    person: dict[str, Any],
) -> None:
    marker = secrets.token_hex(6)
    person = {
        **person,
        "family_name": f"姓{marker}",
        "given_name": f"名{marker}",
        "address": f"住所{marker}",
        "phone": "090-0000-0000",
    }
    # Staff: an account made by the administrator, its password changed, signed in.
    staff = await staff_account(admin, gateway, [shelter_id])
    refreshed = await gateway.post("/api/auth/refresh", json={"refresh_token": staff.refresh_token})
    assert refreshed.status_code == 200, refreshed.text
    staff_tokens = refreshed.json()
    failed = await gateway.post(
        "/api/auth/sign-in", json={"user_id": staff.user_id, "password": f"wrong{marker}9"}
    )
    assert failed.status_code == 401
    # A kiosk token, issued and exchanged.
    issued = await admin.post(
        "/api/auth/kiosk-tokens", json={"shelter_id": shelter_id, "label": "受付キオスク"}
    )
    assert issued.status_code == 201, issued.text
    kiosk_token = issued.json()["token"]
    exchanged = await gateway.post("/api/auth/kiosk-tokens/exchange", json={"token": kiosk_token})
    assert exchanged.status_code == 200, exchanged.text

    # A good check-in, a bad one whose values a validation error would quote, one by staff.
    good = await gateway.post(
        f"/api/registration/shelters/{shelter_id}/check-ins",
        json={"personal": person, "message": f"持病{marker}", "consent": True},
    )
    assert good.status_code == 201
    bad = await gateway.post(
        f"/api/registration/shelters/{shelter_id}/check-ins",
        json={"personal": {**person, "email": f"bad-{marker}"}, "consent": True},
    )
    assert bad.status_code == 422
    by_staff = await gateway.post(
        f"/api/registration/shelters/{shelter_id}/staff-check-ins",
        headers={"Authorization": f"Bearer {staff_tokens['access_token']}"},
        json={"personal": {**person, "given_name": f"家族{marker}"}, "remarks": f"備考{marker}"},
    )
    assert by_staff.status_code == 201, by_staff.text
    stay_id = good.json()["stay_id"]
    await eventually(
        lambda: admin.get(f"/api/roster/entries/{stay_id}"), lambda r: r.status_code == 200
    )
    searched = await gateway.get("/api/roster/public/search", params={"family_name": f"姓{marker}"})
    assert searched.status_code == 200
    signed_out = await gateway.post(
        "/api/auth/sign-out",
        headers={"Authorization": f"Bearer {staff_tokens['access_token']}"},
        json={"refresh_token": staff_tokens["refresh_token"]},
    )
    assert signed_out.status_code == 204, signed_out.text

    text = _stack_logs(stack)
    assert shelter_id in text  # the logs were written and hold this test's requests
    secrets_and_personal_data = {
        "personal data marker": marker,
        "phone": "090-0000-0000",
        "administrator password": stack.admin_password(),
        "initial password": staff.initial_password,
        "password": staff.password,
        "administrator access token": admin_headers["Authorization"].removeprefix("Bearer "),
        "access token": staff.access_token,
        "refresh token": staff.refresh_token,
        "refreshed access token": staff_tokens["access_token"],
        "refreshed refresh token": staff_tokens["refresh_token"],
        "kiosk token": kiosk_token,
        "kiosk access token": exchanged.json()["access_token"],
    }
    for name, value in secrets_and_personal_data.items():
        assert value not in text, f"{name} found in the logs of the stack"
        if value.count(".") == 2:  # a JWT: its signature alone must not appear either
            assert value.rsplit(".", 1)[1] not in text, f"{name} signature found in the logs"
