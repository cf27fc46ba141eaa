"""One contract for the read model and the webhook store: the in-memory fakes and MongoDB.

The unit tests use the fakes; passing the same assertions against FerretDB is what licenses it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from shelter_contracts.events import CrowdingLevel
from shelter_integration.adapters.mongo import MongoShelters
from shelter_integration.adapters.webhook_store import MongoWebhookStore
from shelter_integration.domain.model import Facts, Occupancy
from shelter_integration.domain.webhooks import Delivery, DeliveryStatus, Webhook, WebhookEvent
from shelter_runtime.mongo import Document

T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["memory", "mongo"])
async def stores(
    request: pytest.FixtureRequest,
    shelters: Any,
    webhook_store: Any,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
) -> AsyncIterator[tuple[Any, Any]]:
    if request.param == "memory":
        yield shelters, webhook_store
        return
    db = mongo_client[database_name]
    yield MongoShelters(db), MongoWebhookStore(db)


async def test_facts_of_the_highest_version_and_the_latest_counts(stores: tuple[Any, Any]) -> None:
    shelters, _ = stores
    assert await shelters.record_facts("s1", Facts(version=2, name="二", capacity=10, opened_at=T0))
    assert not await shelters.record_facts("s1", Facts(version=1, name="一", capacity=5))
    late = Occupancy(
        T0 + timedelta(seconds=5),
        present=4,
        age_bands={"0": 4},
        crowding_level=CrowdingLevel.VACANT,
        occupancy_rate=0.4,
        capacity=10,
    )
    assert await shelters.record_occupancy("s1", late)
    assert not await shelters.record_occupancy("s1", Occupancy(T0, present=1))
    (state,) = await shelters.states(["s1"])
    assert state.facts.name == "二" and state.facts.opened_at == T0
    assert state.occupancy == late
    (unknown,) = await shelters.states(["nope"])
    assert unknown.facts is None and unknown.occupancy is None


async def test_pages_list_published_shelters_only(stores: tuple[Any, Any]) -> None:
    shelters, _ = stores
    for n in range(5):
        await shelters.record_facts(f"s{n}", Facts(version=1, name="x", capacity=1, deleted=n == 4))
    await shelters.record_occupancy("only-counts", Occupancy(T0))
    page, total = await shelters.page(2, 1)
    assert [s.shelter_id for s in page] == ["s1", "s2"] and total == 4
    assert len(await shelters.all_states()) == 6


async def test_webhooks_and_their_deliveries(stores: tuple[Any, Any]) -> None:
    _, store = stores
    hook = Webhook("a" * 32, "https://x.example/h", frozenset(WebhookEvent), "s" * 32, T0, "admin")
    await store.add_webhook(hook)
    assert await store.webhook(hook.webhook_id) == hook and await store.webhooks() == [hook]
    due = Delivery("d1", hook.webhook_id, WebhookEvent.SHELTER_STATUS, "{}", T0, next_attempt_at=T0)
    later = Delivery(
        "d2",
        hook.webhook_id,
        WebhookEvent.SHELTER_OCCUPANCY,
        "{}",
        T0 + timedelta(seconds=1),
        next_attempt_at=T0 + timedelta(hours=1),
    )
    await store.save_delivery(due)
    await store.save_delivery(later)
    assert [d.delivery_id for d in await store.due(T0, 10)] == ["d1"]
    dead = Delivery(
        "d1",
        hook.webhook_id,
        WebhookEvent.SHELTER_STATUS,
        "{}",
        T0,
        status=DeliveryStatus.DEAD,
        attempts=3,
        last_status_code=503,
        last_error="x",
    )
    await store.save_delivery(dead)
    assert await store.delivery("d1") == dead
    assert await store.deliveries(webhook_id=None, status=DeliveryStatus.DEAD, limit=5) == [dead]
    listed = await store.deliveries(webhook_id=hook.webhook_id, status=None, limit=5)
    assert [d.delivery_id for d in listed] == ["d2", "d1"]
    assert await store.delete_webhook(hook.webhook_id)
    assert not await store.delete_webhook(hook.webhook_id)


async def test_facts_and_counts_arriving_together_are_both_kept(stores: tuple[Any, Any]) -> None:
    """The two consumers (shelter events, occupancy) write one shelter at the same moment.

    FerretDB v1 reads and rewrites the whole document outside a transaction, so without the
    per-document write lock one of two such writes was lost: the CI run where an opened
    shelter stayed "closed" on the broker.
    """
    shelters, _ = stores
    ids = [f"s{n}" for n in range(40)]
    for shelter_id in ids:
        await shelters.record_facts(shelter_id, Facts(version=1, name="x", capacity=4))
    opened = Facts(version=2, name="x", capacity=4, is_open=True, opened_at=T0)
    counted = Occupancy(T0, present=1, age_bands={"70": 1}, capacity=4)
    await asyncio.gather(
        *(
            write
            for shelter_id in ids
            for write in (
                shelters.record_facts(shelter_id, opened),
                shelters.record_occupancy(shelter_id, counted),
            )
        )
    )
    states = await shelters.states(ids)
    assert [(s.facts.version, s.occupancy) for s in states] == [(2, counted)] * len(ids)
