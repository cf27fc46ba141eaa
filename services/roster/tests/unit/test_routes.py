"""The route table the web UI and the e2e tests are written against, and no 500 on any input."""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shelter_roster.service_layer.handlers import apply_stay_event

from ..conftest import FakeRoster, make_check_in


def test_the_roster_offers_these_routes() -> None:
    paths = FakeRoster().app.openapi()["paths"]
    routes = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    assert routes >= {
        ("GET", "/shelters/{shelter_id}/entries"),
        ("GET", "/shelters/{shelter_id}/entries.csv"),
        ("GET", "/entries"),
        ("GET", "/entries.csv"),
        ("GET", "/entries/{stay_id}"),
        ("PATCH", "/entries/{stay_id}"),
        ("GET", "/entries/{stay_id}/history"),
        ("GET", "/public/search"),
        ("GET", "/settings/disclosure"),
        ("PUT", "/settings/disclosure"),
    }


query_values = st.text(max_size=120) | st.sampled_from(["", " ", "\x00", "%", "()[]*", "-1"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=query_values,
    status=query_values | st.sampled_from(["present", "checked_out", "all"]),
    item=query_values,
    limit=query_values | st.integers(-5, 600).map(str),
    family=query_values,
    given_name=query_values,
)
def test_no_input_makes_the_api_fail(
    name: str, status: str, item: str, limit: str, family: str, given_name: str
) -> None:
    roster = FakeRoster(per_minute=10_000)

    async def run() -> list[int]:
        await apply_stay_event(make_check_in("13101-0001"), roster.entries, roster.numbering)
        async with roster.client() as api:
            staff = {"name": name, "status": status, "status_item": item, "limit": limit}
            answers = [
                await api.get("/shelters/13101-0001/entries", params=staff),
                await api.get("/entries", params=staff),
                await api.get("/entries.csv", params=staff),
                await api.get(
                    "/public/search", params={"family_name": family, "given_name": given_name}
                ),
                await api.patch(
                    f"/entries/{make_check_in('x').stay_id}",
                    json={"remarks": name, "personal": {"family_name": family}},
                ),
            ]
        for answer in answers:
            if answer.status_code >= 400:
                assert answer.headers["content-type"].startswith("application/problem+json")
        return [a.status_code for a in answers]

    assert all(code < 500 for code in asyncio.run(run()))
