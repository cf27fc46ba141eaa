"""Audit records leave registration through its audit outbox, also after a Kafka outage (S10.8).

On FerretDB and Kafka of the test stack: what an administrator or staff member did is stored
in `audit_outbox` before the answer, published on the audit topic (keyed by the shelter, or
by the service for settings) and removed once Kafka took it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from pymongo import AsyncMongoClient

from shelter_contracts.events import AuditRecorded
from shelter_contracts.topics import AUDIT
from shelter_registration.bootstrap import bootstrap
from shelter_registration.config import Settings
from shelter_runtime.audit import COLLECTION
from shelter_runtime.mongo import Document
from shelter_testing import eventually
from shelter_testing.stack import Stack
from shelter_testing.tokens import TestIssuer

ISSUER = TestIssuer()
LINKS = {"links": [{"url": "https://example.jp/bousai", "label_ja": "県", "label_en": "Pref"}]}


@pytest.fixture
async def audit_topic(stack: Stack, namespace: str) -> AsyncIterator[AIOKafkaConsumer]:
    consumer = AIOKafkaConsumer(
        AUDIT.name(namespace), bootstrap_servers=stack.kafka_bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    yield consumer
    await consumer.stop()


async def _drain(consumer: AIOKafkaConsumer, seen: dict[str, Any]) -> dict[str, Any]:
    """What arrived, by event id (delivery is at least once)."""
    for messages in (await consumer.getmany(timeout_ms=200)).values():
        for m in messages:
            event = AuditRecorded.model_validate_json(m.value)
            seen[str(event.event_id)] = (m.key, event)
    return seen


def _client(app: FastAPI) -> httpx.AsyncClient:
    ISSUER.install(app, "registration")
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("192.0.2.44", 50000)),
        base_url="http://registration",
        headers=ISSUER.headers("administrator", sub="admin-1"),
    )


async def test_records_are_published_keyed_by_shelter_and_leave_the_outbox(
    settings: Settings,
    audit_topic: AIOKafkaConsumer,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
) -> None:
    app = bootstrap(settings)
    async with LifespanManager(app, startup_timeout=30), _client(app) as client:
        body = {"shelter_id": "s-1", "name": "避難所", "capacity": 3}
        assert (await client.post("/shelters", json=body)).status_code == 201
        assert (await client.post("/shelters/s-1/open")).status_code == 200
        seen: dict[str, Any] = {}
        await eventually(lambda: _drain(audit_topic, seen), lambda s: len(s) >= 2)
    by_action = {event.action: (key, event) for key, event in seen.values()}
    key, opened = by_action["shelter.opened"]
    assert key == b"s-1" and opened.shelter_id == "s-1" and opened.producer == "registration"
    assert (opened.actor, opened.actor_kind, opened.ip) == ("admin-1", "staff", "192.0.2.44")
    outbox = mongo_client[database_name][COLLECTION]
    await eventually(lambda: outbox.count_documents({}), lambda n: n == 0)


async def test_a_record_made_while_kafka_is_down_is_delivered_later(
    settings: Settings,
    audit_topic: AIOKafkaConsumer,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
) -> None:
    down = settings.model_copy(update={"kafka_bootstrap_servers": "127.0.0.1:1"})
    app = bootstrap(down)  # no lifespan: the broker never connects
    async with _client(app) as client:
        changed = await client.put("/settings/links", json=LINKS)
    assert changed.status_code == 200, changed.text
    outbox = mongo_client[database_name][COLLECTION]
    [kept] = await outbox.find({}).to_list()
    assert kept["outbox"][0]["payload"]["action"] == "settings.links_set"
    assert "example.jp" not in json.dumps(kept, default=str)  # counts, not the links

    app = bootstrap(settings)  # back with Kafka: the relay delivers what was kept
    async with LifespanManager(app, startup_timeout=30):
        seen: dict[str, Any] = {}
        await eventually(lambda: _drain(audit_topic, seen), lambda s: len(s) >= 1)
        await eventually(lambda: outbox.count_documents({}), lambda n: n == 0)
    [(key, event)] = seen.values()
    assert key == b"registration" and event.action == "settings.links_set"
    assert str(event.event_id) == kept["_id"] and event.details == {"links": "1"}
