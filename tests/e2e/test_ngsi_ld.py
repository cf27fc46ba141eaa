"""NGSI-LD publishing end to end (S17.1, S21.5): check-ins through the gateway reach the broker.

The stack's broker is the fake one (libs/testing, shelter_testing.ngsi_ld_broker), run as a
process in place of Orion-LD; its control port injects the outage.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

from shelter_testing.ngsi_ld_broker import stack_broker_urls
from shelter_testing.polling import eventually
from shelter_testing.stack import Stack

from .conftest import PERSON, open_shelter

ENTITIES = "/ngsi-ld/v1/entities"
#: The requirement of the issue: a check-in shows on the shelter's entity within 2 seconds.
VISIBLE_WITHIN_SECONDS = 2.0


def overlay_url(shelter_id: str) -> str:
    return f"{ENTITIES}/urn:ngsi-ld:EvacuationShelter:{shelter_id}"


@pytest.fixture
async def broker(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the stack's NGSI-LD broker, as a city platform would read it."""
    url, _ = stack_broker_urls(stack.name)
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        HTTPXClientInstrumentor.uninstrument_client(client)
        yield client


@pytest.fixture
async def control(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """The fake broker's fault injection; every test leaves it healthy."""
    _, url = stack_broker_urls(stack.name)
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        HTTPXClientInstrumentor.uninstrument_client(client)
        yield client
        await client.put("/faults", json={})


async def entity(broker: httpx.AsyncClient, shelter_id: str) -> dict[str, Any]:
    """The shelter's overlay in keyValues form; empty while the broker has none."""
    response = await broker.get(overlay_url(shelter_id), params={"options": "keyValues"})
    if response.status_code == 404:
        return {}
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def check_in(gateway: httpx.AsyncClient, shelter_id: str, n: int) -> None:
    person = {**PERSON, "given_name": f"花子{n}"}
    response = await gateway.post(
        f"/api/registration/shelters/{shelter_id}/check-ins",
        json={"personal": person, "consent": True},
    )
    assert response.status_code == 201, response.text


async def test_check_ins_show_on_the_shelter_entity_and_closing_shows_closed(
    gateway: httpx.AsyncClient, admin: httpx.AsyncClient, broker: httpx.AsyncClient
) -> None:
    shelter_id = await open_shelter(admin)  # capacity 4
    opened = await eventually(
        lambda: entity(broker, shelter_id), lambda e: e.get("openingStatus") == "open"
    )
    assert opened["statusLabel"] == "開設中"
    assert opened["shelter"] == f"urn:ngsi-ld:DesignatedShelter:{shelter_id}"

    for n in range(3):
        await check_in(gateway, shelter_id, n)
    seen = await eventually(
        lambda: entity(broker, shelter_id),
        lambda e: e.get("evacueeTotal") == 3,
        within=VISIBLE_WITHIN_SECONDS,
    )
    assert seen["occupancyRate"] == 0.75
    assert seen["crowdingLevel"] == "moderate"  # 0.5 <= 3/4 < 0.8
    assert seen["evacueeHouseholds"] == 1 and seen["evacueeFemale"] == 3

    await check_in(gateway, shelter_id, 3)
    full = await eventually(
        lambda: entity(broker, shelter_id),
        lambda e: e.get("evacueeTotal") == 4,
        within=VISIBLE_WITHIN_SECONDS,
    )
    assert (full["openingStatus"], full["statusLabel"], full["crowdingLevel"]) == (
        "full",
        "満員",
        "full",
    )

    closed = await admin.post(f"/api/registration/shelters/{shelter_id}/close")
    assert closed.status_code == 200, closed.text
    shown = await eventually(
        lambda: entity(broker, shelter_id),
        lambda e: e.get("openingStatus") == "closed",
    )
    assert shown["statusLabel"] == "閉鎖" and "closedAt" in shown
    designated = await broker.get(f"{ENTITIES}/urn:ngsi-ld:DesignatedShelter:{shelter_id}")
    assert designated.json()["maxCapacity"]["value"] == 4
    text = designated.text + str(shown)
    assert "山田" not in text and "花子" not in text  # no personal data ever leaves


async def test_training_mode_check_ins_never_reach_the_broker(
    gateway: httpx.AsyncClient, admin: httpx.AsyncClient, broker: httpx.AsyncClient
) -> None:
    shelter_id = await open_shelter(admin)
    training = await admin.put(
        f"/api/registration/shelters/{shelter_id}/training", json={"training": True}
    )
    assert training.status_code == 200, training.text
    drill = await eventually(
        lambda: entity(broker, shelter_id),
        lambda e: e.get("statusLabel") == "訓練中",
    )
    assert drill["openingStatus"] == "closed"
    for n in range(2):
        await check_in(gateway, shelter_id, n)
    stats = await eventually(
        lambda: _json(gateway, f"/api/stats/shelters/{shelter_id}"),
        lambda s: s["training"] is True,
    )
    assert stats["present"] == 0
    assert (await entity(broker, shelter_id))["evacueeTotal"] == 0


async def _json(client: httpx.AsyncClient, url: str) -> Any:
    return (await client.get(url)).json()


async def test_the_context_document_is_served_through_the_gateway(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get("/api/integration/ngsi-ld/context.jsonld")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/ld+json"
    assert "occupancyRate" in response.json()["@context"][1]
