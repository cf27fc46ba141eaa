"""Outage: the broker is down while 1,000 check-ins happen; once back, every entity converges.

The fake broker closes its port ("down") and comes back empty (as a broker that lost its
data would): the integration service retries with backoff and resyncs every shelter.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

from shelter_testing.ngsi_ld_broker import stack_broker_urls
from shelter_testing.polling import eventually
from shelter_testing.stack import Stack

from .conftest import PERSON

SHELTERS = 20
CHECK_INS = 1000
#: The requirement of the issue: every entity converges within 30 s of the broker's return.
CONVERGES_WITHIN_SECONDS = 30.0


@pytest.fixture
async def broker_urls(stack: Stack) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    url, control_url = stack_broker_urls(stack.name)
    async with (
        httpx.AsyncClient(base_url=url, timeout=10) as broker,
        httpx.AsyncClient(base_url=control_url, timeout=10) as control,
    ):
        HTTPXClientInstrumentor.uninstrument_client(broker)
        HTTPXClientInstrumentor.uninstrument_client(control)
        yield broker, control
        await control.put("/faults", json={})


async def _totals(broker: httpx.AsyncClient, shelter_ids: list[str]) -> dict[str, int]:
    async def one(shelter_id: str) -> int:
        response = await broker.get(
            f"/ngsi-ld/v1/entities/urn:ngsi-ld:EvacuationShelter:{shelter_id}",
            params={"options": "keyValues"},
        )
        return int(response.json()["evacueeTotal"]) if response.status_code == 200 else -1

    return dict(zip(shelter_ids, await asyncio.gather(*map(one, shelter_ids)), strict=True))


async def _present(gateway: httpx.AsyncClient, shelter_ids: list[str]) -> int:
    async def one(shelter_id: str) -> int:
        body: dict[str, Any] = (await gateway.get(f"/api/stats/shelters/{shelter_id}")).json()
        return int(body["present"])

    return sum(await asyncio.gather(*map(one, shelter_ids)))


async def test_every_entity_converges_after_the_broker_returns(
    gateway: httpx.AsyncClient,
    admin: httpx.AsyncClient,
    broker_urls: tuple[httpx.AsyncClient, httpx.AsyncClient],
    request: pytest.FixtureRequest,
) -> None:
    broker, control = broker_urls
    run = uuid.uuid4().hex[:8]
    shelter_ids = [f"out-{run}-{n:02d}" for n in range(SHELTERS)]
    for shelter_id in shelter_ids:
        created = await admin.post(
            "/api/registration/shelters",
            json={"shelter_id": shelter_id, "name": "停電訓練避難所", "capacity": 100},
        )
        assert created.status_code == 201, created.text
        assert (await admin.post(f"/api/registration/shelters/{shelter_id}/open")).is_success
    await eventually(
        lambda: _totals(broker, shelter_ids), lambda t: all(v == 0 for v in t.values())
    )

    assert (await control.put("/faults", json={"down": True})).status_code == 204
    # Readiness reports the lost link but stays ready: the PULL API keeps serving (S17.2).
    ready = await eventually(
        lambda: gateway.get("/api/integration/readyz"),
        lambda r: r.json()["checks"]["ngsi_ld_broker"] == "unreachable",
    )
    assert ready.status_code == 200

    limit = asyncio.Semaphore(8)

    async def check_in(n: int) -> None:
        shelter_id = shelter_ids[n % SHELTERS]
        person = {**PERSON, "given_name": f"花子{n}"}
        async with limit:
            response = await gateway.post(
                f"/api/registration/shelters/{shelter_id}/check-ins",
                json={"personal": person, "consent": True},
            )
        assert response.status_code == 201, response.text

    await asyncio.gather(*(check_in(n) for n in range(CHECK_INS)))
    await eventually(lambda: _present(gateway, shelter_ids), lambda p: p == CHECK_INS, within=120)

    # The broker comes back empty: a restart that lost its data.
    loop = asyncio.get_running_loop()
    assert (await control.post("/reset")).status_code == 204
    back_at = loop.time()
    converged = await eventually(
        lambda: _totals(broker, shelter_ids),
        lambda t: all(v == CHECK_INS // SHELTERS for v in t.values()),
        within=CONVERGES_WITHIN_SECONDS,
    )
    assert sum(converged.values()) == CHECK_INS
    # Reported in a JUnit XML report (pytest -o junit_family=legacy --junitxml=...).
    request.node.user_properties.append(("converged_seconds", round(loop.time() - back_at, 2)))
    await eventually(
        lambda: gateway.get("/api/integration/readyz"),
        lambda r: r.json()["checks"]["ngsi_ld_broker"] == "ok",
    )
