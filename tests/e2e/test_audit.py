"""The audit trail across services (S10.8): who did what, when and from where.

Registration publishes an `AuditRecorded` for every shelter change, forced check-out, import
and settings change; the auth service consumes them, and the administrator's log download
(JSON or CSV) shows them beside the sign-ins, without the personal data itself.
"""

from __future__ import annotations

import csv
import io
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shelter_testing import eventually

from .conftest import staff_account

LINKS = [
    {
        "url": "https://www.jma.go.jp/bosai/risk/",
        "label_ja": "キキクル（危険度分布）",
        "label_en": "JMA risk map",
    }
]


def _of_shelter(records: list[dict[str, Any]], shelter_id: str) -> list[dict[str, Any]]:
    return [r for r in records if r["service"] == "registration" and r["shelter_id"] == shelter_id]


async def test_shelter_changes_forced_check_outs_and_settings_reach_the_audit_trail(
    admin: httpx.AsyncClient,
    gateway: httpx.AsyncClient,
    shelter_id: str,
    person: dict[str, Any],
) -> None:
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    marker = secrets.token_hex(6)
    staff = await staff_account(admin, gateway, [shelter_id])
    checked_in = await gateway.post(
        f"/api/registration/shelters/{shelter_id}/staff-check-ins",
        headers=staff.headers,
        json={"personal": {**person, "family_name": f"姓{marker}"}, "remarks": f"備考{marker}"},
    )
    assert checked_in.status_code == 201, checked_in.text
    stay_id = checked_in.json()["stay_id"]
    forced = await gateway.post(
        f"/api/registration/shelters/{shelter_id}/stays/{stay_id}/forced-check-out",
        headers=staff.headers,
    )
    assert forced.status_code == 200, forced.text
    links = await admin.put("/api/registration/settings/links", json={"links": LINKS})
    assert links.status_code == 200, links.text
    refused = await gateway.put(
        "/api/registration/settings/links", headers=staff.headers, json={"links": []}
    )
    assert refused.status_code == 403  # staff read the links, only administrators set them
    read = await gateway.get("/api/registration/settings/links", headers=staff.headers)
    assert read.json()["links"] == LINKS
    closed = await gateway.post(
        f"/api/registration/shelters/{shelter_id}/close", headers=staff.headers
    )
    assert closed.status_code == 200, closed.text

    async def trail() -> list[dict[str, Any]]:
        answer = await admin.get("/api/auth/audit", params={"from": since})
        assert answer.status_code == 200, answer.text
        records: list[dict[str, Any]] = answer.json()
        return records

    records = await eventually(
        trail,
        lambda rs: "shelter.closed" in {r["action"] for r in _of_shelter(rs, shelter_id)},
        within=30,
        interval=0.5,
    )
    mine = {r["action"]: r for r in _of_shelter(records, shelter_id)}
    assert {"shelter.registered", "shelter.opened", "stay.forced_check_out"} <= set(mine)
    assert mine["shelter.registered"]["actor"] == "admin"
    out = mine["stay.forced_check_out"]
    assert (out["actor"], out["actor_kind"], out["target_id"]) == (staff.user_id, "staff", stay_id)
    assert mine["shelter.closed"]["actor"] == staff.user_id
    assert all(r["ip"] for r in mine.values())  # from where: the client seen by the gateway
    settings_change = [
        r for r in records if r["action"] == "settings.links_set" and r["service"] == "registration"
    ][-1]
    assert settings_change["actor"] == "admin" and settings_change["details"] == {"links": "1"}

    download = await admin.get("/api/auth/audit", params={"from": since, "format": "csv"})
    assert download.status_code == 200
    assert download.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(download.text.removeprefix("\ufeff"))))
    assert any(r["action"] == "stay.forced_check_out" and r["target_id"] == stay_id for r in rows)
    for secret in (marker, staff.password, staff.access_token, person["address"]):
        assert secret not in download.text
    # Only administrators read the trail.
    denied = await gateway.get("/api/auth/audit", params={"from": since}, headers=staff.headers)
    assert denied.status_code == 403
