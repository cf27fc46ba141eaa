"""The fake NGSI-LD broker keeps the rules the publisher relies on (sources in the fake)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shelter_testing.ngsi_ld_broker import CONTEXT_REL, ERROR_TYPE_BASE, FakeBroker

UPSERT = "/ngsi-ld/v1/entityOperations/upsert"
LINK = f'<http://ctx.test/c.jsonld>; rel="{CONTEXT_REL}"; type="application/ld+json"'
JSON = {"Content-Type": "application/json", "Link": LINK}
LD = {"Content-Type": "application/ld+json"}


def _entity(n: int, **attrs: Any) -> dict[str, Any]:
    return {"id": f"urn:ngsi-ld:EvacuationShelter:{n}", "type": "EvacuationShelter", **attrs}


@pytest.fixture
def broker() -> FakeBroker:
    return FakeBroker()


@pytest.fixture
async def client(broker: FakeBroker) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=broker.transport(), base_url="http://broker") as c:
        yield c


async def test_upsert_creates_201_then_updates_204(client: httpx.AsyncClient) -> None:
    first = await client.post(UPSERT, json=[_entity(1), _entity(2)], headers=JSON)
    assert first.status_code == 201
    assert first.json() == ["urn:ngsi-ld:EvacuationShelter:1", "urn:ngsi-ld:EvacuationShelter:2"]
    again = await client.post(UPSERT, json=[_entity(1), _entity(2)], headers=JSON)
    assert again.status_code == 204


async def test_replace_overwrites_and_update_merges(
    client: httpx.AsyncClient, broker: FakeBroker
) -> None:
    a = {"type": "Property", "value": 1}
    await client.post(UPSERT, json=[_entity(1, a=a)], headers=JSON)
    await client.post(UPSERT, json=[_entity(1, b=a)], headers=JSON)
    assert "a" not in (broker.entity("urn:ngsi-ld:EvacuationShelter:1") or {})
    await client.post(UPSERT + "?options=update", json=[_entity(1, a=a)], headers=JSON)
    assert {"a", "b"} <= set(broker.entity("urn:ngsi-ld:EvacuationShelter:1") or {})
    both = await client.post(UPSERT + "?options=replace,update", json=[_entity(1)], headers=JSON)
    assert both.status_code == 400


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ([], JSON),
        ({"id": "urn:x:1", "type": "T"}, JSON),
        ([_entity(1)], {**LD, "Link": LINK}),
        ([_entity(1)], LD),
        ([{**_entity(1), "@context": "http://ctx.test/c.jsonld"}], JSON),
    ],
    ids=[
        "empty array",
        "not an array",
        "ld+json with Link",
        "ld+json without @context",
        "@context in a json body",
    ],
)
async def test_bad_requests_are_400_with_an_ngsi_ld_error_body(
    client: httpx.AsyncClient, body: Any, headers: dict[str, str]
) -> None:
    response = await client.post(UPSERT, json=body, headers=headers)
    assert response.status_code == 400
    error = response.json()
    assert error["type"] == ERROR_TYPE_BASE + "BadRequestData"
    assert {"type", "title", "detail"} <= set(error)


async def test_per_entity_errors_are_a_207(client: httpx.AsyncClient, broker: FakeBroker) -> None:
    broker.faults.entity_errors = {"urn:ngsi-ld:EvacuationShelter:2"}
    response = await client.post(UPSERT, json=[_entity(1), _entity(2), {"type": "X"}], headers=JSON)
    assert response.status_code == 207
    body = response.json()
    assert body["success"] == ["urn:ngsi-ld:EvacuationShelter:1"]
    assert {e["entityId"] for e in body["errors"]} == {"urn:ngsi-ld:EvacuationShelter:2", "None"}
    assert all(e["error"]["status"] == 400 for e in body["errors"])


async def test_duplicate_ids_in_one_array_are_merged(
    client: httpx.AsyncClient, broker: FakeBroker
) -> None:
    a, b = {"type": "Property", "value": 1}, {"type": "Property", "value": 2}
    response = await client.post(UPSERT, json=[_entity(1, a=a), _entity(1, b=b)], headers=JSON)
    assert response.status_code == 201
    assert {"a", "b"} <= set(broker.entity("urn:ngsi-ld:EvacuationShelter:1") or {})


async def test_tenants(client: httpx.AsyncClient, broker: FakeBroker) -> None:
    unknown = await client.get("/ngsi-ld/v1/entities/urn:x:1", headers={"NGSILD-Tenant": "x"})
    assert unknown.status_code == 404
    assert unknown.json()["type"] == ERROR_TYPE_BASE + "NonExistingTenant"
    created = await client.post(UPSERT, json=[_entity(1)], headers={**JSON, "NGSILD-Tenant": "x"})
    assert created.status_code == 201
    assert broker.entity("urn:ngsi-ld:EvacuationShelter:1", "x") is not None
    assert broker.entity("urn:ngsi-ld:EvacuationShelter:1") is None
    broker.multi_tenant = False
    refused = await client.post(UPSERT, json=[_entity(1)], headers={**JSON, "NGSILD-Tenant": "x"})
    assert refused.status_code == 400
    assert refused.json()["type"] == ERROR_TYPE_BASE + "NoMultiTenantSupport"


async def test_retrieve_keyvalues_patch_and_delete(client: httpx.AsyncClient) -> None:
    entity = _entity(1, a={"type": "Property", "value": 1, "observedAt": "2026-01-01T00:00:00Z"})
    await client.post(UPSERT, json=[entity], headers=JSON)
    url = "/ngsi-ld/v1/entities/urn:ngsi-ld:EvacuationShelter:1"
    assert (await client.get(url, params={"options": "keyValues"})).json()["a"] == 1
    patched = await client.patch(
        url + "/attrs", json={"a": {"type": "Property", "value": 2}, "zz": {}}, headers=JSON
    )
    assert patched.status_code == 207
    assert patched.json()["notUpdated"][0]["attributes"] == ["zz"]
    assert (await client.delete(url)).status_code == 204
    missing = await client.get(url)
    assert missing.status_code == 404
    assert missing.json()["type"] == ERROR_TYPE_BASE + "ResourceNotFound"


async def test_query_limit_is_bounded(client: httpx.AsyncClient) -> None:
    ok = await client.get("/ngsi-ld/v1/entities", params={"type": "T", "limit": "1000"})
    assert ok.status_code == 200
    too_many = await client.get("/ngsi-ld/v1/entities", params={"type": "T", "limit": "1001"})
    assert too_many.status_code == 400


async def test_injected_faults(client: httpx.AsyncClient, broker: FakeBroker) -> None:
    broker.faults.down = True
    with pytest.raises(httpx.ConnectError):
        await client.post(UPSERT, json=[_entity(1)], headers=JSON)
    broker.faults.down = False
    broker.faults.status, broker.faults.times = 503, 1
    assert (await client.post(UPSERT, json=[_entity(1)], headers=JSON)).status_code == 503
    assert (await client.post(UPSERT, json=[_entity(1)], headers=JSON)).status_code == 201
