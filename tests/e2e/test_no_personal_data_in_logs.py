"""What evacuees type never reaches the logs of any process of the stack."""

from __future__ import annotations

import secrets
from typing import Any

import httpx

from shelter_testing import eventually
from shelter_testing.stack import Stack


async def test_check_in_leaves_no_personal_data_in_logs(
    stack: Stack, gateway: httpx.AsyncClient, shelter_id: str, person: dict[str, Any]
) -> None:
    marker = secrets.token_hex(6)
    person = {
        **person,
        "family_name": f"姓{marker}",
        "given_name": f"名{marker}",
        "address": f"住所{marker}",
        "phone": "090-0000-0000",
    }
    # A good check-in, then a bad one whose values the validation error would quote.
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
    stay_id = good.json()["stay_id"]
    await eventually(
        lambda: gateway.get(f"/api/roster/entries/{stay_id}"), lambda r: r.status_code == 200
    )

    logs = [stack.directory / "logs" / "stack.log", stack.directory / "nginx" / "access.log"]
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in logs)
    assert shelter_id in text  # the logs were written and hold this test's requests
    assert marker not in text
    assert "090-0000-0000" not in text
