"""The roster's audit records reach the administrator's log (S10.8), through the gateway.

A staff correction (field names, not values), both CSV exports (row counts) and a change of
the public search's disclosure switches are published by the roster service to the audit
topic; the auth service stores them, and `GET /api/auth/audit` shows them without the
personal data itself.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shelter_testing import eventually

from .conftest import staff_account


def _roster(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in records if r["service"] == "roster"]


async def test_corrections_exports_and_disclosure_changes_reach_the_audit_trail(
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
        json={"personal": person},
    )
    assert checked_in.status_code == 201, checked_in.text
    stay_id = checked_in.json()["stay_id"]
    await eventually(
        lambda: gateway.get(f"/api/roster/entries/{stay_id}", headers=staff.headers),
        lambda r: r.status_code == 200,
        within=30,
    )

    corrected = await gateway.patch(
        f"/api/roster/entries/{stay_id}",
        headers=staff.headers,
        json={"personal": {"family_name": f"姓{marker}"}, "remarks": f"備考{marker}"},
    )
    assert corrected.status_code == 200, corrected.text
    one = await gateway.get(f"/api/roster/shelters/{shelter_id}/entries.csv", headers=staff.headers)
    assert one.status_code == 200 and marker in one.text
    everything = await admin.get("/api/roster/entries.csv", params={"name": f"姓{marker}"})
    assert everything.status_code == 200
    # The same switches again: the change is recorded, the other tests' search is unchanged.
    current = (await admin.get("/api/roster/settings/disclosure")).json()
    saved = await admin.put("/api/roster/settings/disclosure", json=current)
    assert saved.status_code == 200, saved.text

    async def trail() -> list[dict[str, Any]]:
        answer = await admin.get("/api/auth/audit", params={"from": since})
        assert answer.status_code == 200, answer.text
        records: list[dict[str, Any]] = answer.json()
        return _roster(records)

    def complete(records: list[dict[str, Any]]) -> bool:
        def has(action: str, **fields: Any) -> bool:
            return any(
                r["action"] == action and all(r[k] == v for k, v in fields.items()) for r in records
            )

        return (
            has("roster.entry_corrected", target_id=stay_id)
            and has("roster.exported", shelter_id=shelter_id)
            and has("roster.exported", shelter_id=None, actor="admin")
            and has("settings.disclosure_set", actor="admin")
        )

    records = await eventually(trail, complete, within=30, interval=0.5)

    (correction,) = [
        r for r in records if r["action"] == "roster.entry_corrected" and r["target_id"] == stay_id
    ]
    assert (correction["actor"], correction["actor_kind"]) == (staff.user_id, "staff")
    assert correction["shelter_id"] == shelter_id and correction["ip"]
    assert correction["details"] == {"fields": "personal.family_name,remarks", "revision": "1"}

    (shelter_export,) = [
        r for r in records if r["action"] == "roster.exported" and r["shelter_id"] == shelter_id
    ]
    assert (shelter_export["actor"], shelter_export["details"]) == (
        staff.user_id,
        {"format": "csv", "rows": "1"},
    )
    all_exports = [
        r
        for r in records
        if r["action"] == "roster.exported" and r["shelter_id"] is None and r["actor"] == "admin"
    ]
    assert any(r["details"]["rows"] == "1" for r in all_exports), all_exports

    disclosure = [r for r in records if r["action"] == "settings.disclosure_set"][-1]
    assert disclosure["actor"] == "admin" and disclosure["target_type"] == "settings"
    assert {k: disclosure["details"][k] for k in current} == {k: str(v) for k, v in current.items()}

    download = await admin.get("/api/auth/audit", params={"from": since, "format": "csv"})
    assert download.status_code == 200
    for secret in (marker, person["address"], person["family_name"], staff.access_token):
        assert secret not in download.text
