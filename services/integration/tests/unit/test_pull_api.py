"""The PULL API (S17.2): scopes filter fields, pages, ETag / If-None-Match, problem details."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from pydantic import SecretStr

from shelter_contracts.events import CrowdingLevel
from shelter_integration.bootstrap import bootstrap
from shelter_integration.config import Settings
from shelter_integration.domain.model import Facts, Occupancy
from shelter_integration.entrypoints.http import IntegrationApi, get_api
from shelter_integration.service_layer.ports import Shelters
from shelter_runtime.settings import Environment
from shelter_testing.tokens import TestIssuer

AT = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CODE = "131016"


@pytest.fixture
def issuer() -> TestIssuer:
    return TestIssuer()


@pytest.fixture
async def client(shelters: Shelters, issuer: TestIssuer) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        environment=Environment.TEST,
        kafka_bootstrap_servers="127.0.0.1:1",
        mongodb_uri=SecretStr("mongodb://127.0.0.1:1/"),
    )
    app = bootstrap(settings)
    app.dependency_overrides[get_api] = lambda: IntegrationApi(shelters, CODE)
    issuer.install(app, "integration")
    for n in range(1, 4):
        shelter_id = f"13101-{n:04d}"
        facts = Facts(version=1, name=f"避難所{n}", capacity=10, is_open=True, opened_at=AT)
        await shelters.record_facts(shelter_id, facts)
        counts = Occupancy(
            AT,
            present=n,
            households=1,
            capacity=10,
            occupancy_rate=n / 10,
            crowding_level=CrowdingLevel.VACANT,
        )
        await shelters.record_occupancy(shelter_id, counts)
    drill = Facts(version=1, name="訓練", capacity=10, is_open=True, training=True)
    await shelters.record_facts("13101-0009", drill)
    await shelters.record_occupancy("13101-0009", Occupancy(AT, present=7))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://integration") as c:
        c.headers.update(
            issuer.headers(None, kind="integration", scopes=["shelters:read"], sub="client")
        )
        yield c


def _with_stats(issuer: TestIssuer) -> dict[str, str]:
    return issuer.headers(
        None, kind="integration", scopes=["shelters:read", "stats:read"], sub="client"
    )


async def test_counts_only_with_the_stats_scope(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    plain = (await client.get("/shelters")).json()
    assert plain["total"] == 4 and all(item["counts"] is None for item in plain["items"])
    full = (await client.get("/shelters", headers=_with_stats(issuer))).json()
    counts = {item["shelter_id"]: item["counts"] for item in full["items"]}
    assert counts["13101-0002"]["present"] == 2
    assert counts["13101-0009"] is None  # a drill: never counted
    drill = next(i for i in full["items"] if i["shelter_id"] == "13101-0009")
    assert (drill["opening_status"], drill["status_label"]) == ("closed", "訓練中")


async def test_pages_and_etags(client: httpx.AsyncClient) -> None:
    first = await client.get("/shelters", params={"limit": 2})
    assert [i["shelter_id"] for i in first.json()["items"]] == ["13101-0001", "13101-0002"]
    second = await client.get("/shelters", params={"limit": 2, "offset": 2})
    assert [i["shelter_id"] for i in second.json()["items"]] == ["13101-0003", "13101-0009"]
    etag = first.headers["etag"]
    again = await client.get("/shelters", params={"limit": 2}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    # A cache that weakened the tag (W/) still matches: If-None-Match compares weakly.
    weak = await client.get(
        "/shelters", params={"limit": 2}, headers={"If-None-Match": f'"other", W/{etag}'}
    )
    assert weak.status_code == 304
    other = await client.get("/shelters", params={"limit": 2}, headers={"If-None-Match": '"x"'})
    assert other.status_code == 200 and other.headers["etag"] == etag


async def test_totals_need_the_stats_scope_and_leave_drills_out(
    client: httpx.AsyncClient, issuer: TestIssuer
) -> None:
    refused = await client.get("/totals")
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    totals = (await client.get("/totals", headers=_with_stats(issuer))).json()
    assert (totals["present"], totals["shelters"], totals["shelters_open"]) == (6, 4, 3)
    assert totals["local_government_code"] == CODE


async def test_an_unknown_shelter_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/shelters/13101-9999")
    assert response.status_code == 404
    assert response.json()["title_ja"]
    bad = await client.get("/shelters/" + "x" * 80)
    assert bad.status_code == 422


async def test_the_context_document_is_json_ld(client: httpx.AsyncClient) -> None:
    response = await client.get("/ngsi-ld/context.jsonld", headers={"Authorization": ""})
    assert response.headers["content-type"] == "application/ld+json"
    assert response.json()["@context"][0] == "https://datamodels.jp/context/disaster/v1.jsonld"
