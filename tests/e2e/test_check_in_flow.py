"""A smartphone check-in travels gateway -> registration -> Kafka -> roster and statistics."""

from __future__ import annotations

from typing import Any

import httpx

from shelter_testing import eventually


async def _json(gateway: httpx.AsyncClient, path: str) -> Any:
    response = await gateway.get(path)
    return response.json() if response.status_code == 200 else None


async def test_check_in_appears_in_roster_and_count(
    gateway: httpx.AsyncClient, admin: httpx.AsyncClient, shelter_id: str, person: dict[str, Any]
) -> None:
    """The evacuee needs no account; the roster is read by a signed-in administrator."""
    response = await gateway.post(
        f"/api/registration/shelters/{shelter_id}/check-ins",
        json={"personal": person, "statuses": ["要介護"], "message": "薬が必要", "consent": True},
    )
    assert response.status_code == 201, response.text
    stay_id = response.json()["stay_id"]

    entry = await eventually(
        lambda: _json(admin, f"/api/roster/entries/{stay_id}"), lambda e: e is not None
    )
    assert entry["shelter_id"] == shelter_id
    assert entry["channel"] == 3
    assert entry["personal"]["family_name"] == "山田"
    assert entry["statuses"] == ["要介護"]
    assert entry["checked_out_at"] is None

    stats = await eventually(
        lambda: _json(gateway, f"/api/stats/shelters/{shelter_id}"),
        lambda s: s is not None and s["present"] == 1 and s["capacity"] == 4,
    )
    assert stats["occupancy_rate"] == 0.25

    page = await _json(admin, f"/api/roster/shelters/{shelter_id}/entries")
    assert (await gateway.get(f"/api/roster/shelters/{shelter_id}/entries")).status_code == 401
    assert [item["stay_id"] for item in page["items"]] == [stay_id]

    out = await gateway.post(
        f"/api/registration/shelters/{shelter_id}/check-outs", json={"stay_id": stay_id}
    )
    assert out.status_code == 200, out.text
    await eventually(
        lambda: _json(gateway, f"/api/stats/shelters/{shelter_id}"),
        lambda s: s["present"] == 0 and s["checked_out"] == 1,
    )
    entry = await eventually(
        lambda: _json(admin, f"/api/roster/entries/{stay_id}"),
        lambda e: e["checked_out_at"] is not None,
    )
    assert entry["forced_check_out"] is False
