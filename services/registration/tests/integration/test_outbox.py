"""Check-ins reach Kafka through the outbox, also when Kafka was unreachable at first."""

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

from shelter_contracts.topics import EVACUEE_STAYS, SHELTERS
from shelter_registration.bootstrap import bootstrap
from shelter_registration.config import Settings
from shelter_runtime.mongo import Document
from shelter_testing import eventually
from shelter_testing.stack import Stack

PERSON = {
    "family_name": "山田",
    "given_name": "花子",
    "address": "東京都千代田区千代田1-1",
    "date_of_birth": "1950-04-01",
    "sex": "female",
}


@pytest.fixture
async def consumer(stack: Stack, namespace: str) -> AsyncIterator[AIOKafkaConsumer]:
    topics = [EVACUEE_STAYS.name(namespace), SHELTERS.name(namespace)]
    c = AIOKafkaConsumer(
        *topics, bootstrap_servers=stack.kafka_bootstrap, auto_offset_reset="earliest"
    )
    await c.start()
    yield c
    await c.stop()


async def _drain(consumer: AIOKafkaConsumer, seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    batch = await consumer.getmany(timeout_ms=200)
    for messages in batch.values():
        seen += [{"key": m.key, "value": json.loads(m.value)} for m in messages]
    return seen


async def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://registration")


async def test_check_in_is_published_once_with_the_shelter_as_key(
    settings: Settings,
    consumer: AIOKafkaConsumer,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
) -> None:
    app = bootstrap(settings)
    async with LifespanManager(app), await _client(app) as client:
        created = await client.post(
            "/shelters", json={"shelter_id": "s-1", "name": "避難所", "capacity": 3}
        )
        assert created.status_code == 201
        response = await client.post(
            "/shelters/s-1/check-ins", json={"personal": PERSON, "consent": True}
        )
        assert response.status_code == 201
        stay_id = response.json()["stay_id"]

        seen: list[dict[str, Any]] = []
        await eventually(lambda: _drain(consumer, seen), lambda s: len(s) >= 2)
        types = sorted(m["value"]["event_type"] for m in seen)
        assert types == ["EvacueeCheckedIn", "ShelterRegistered"]
        check_in = next(m for m in seen if m["value"]["event_type"] == "EvacueeCheckedIn")
        assert check_in["key"] == b"s-1"
        assert check_in["value"]["stay_id"] == stay_id
        assert check_in["value"]["personal"]["family_name"] == "山田"

    stays = mongo_client[database_name]["stays"]
    assert await stays.count_documents({"outbox.0": {"$exists": True}}) == 0


async def test_check_in_accepted_while_kafka_is_down_is_delivered_later(
    settings: Settings,
    consumer: AIOKafkaConsumer,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
) -> None:
    # The first app's broker points at a port where no Kafka listens: publishing fails, the
    # request must still be accepted and its event kept in the outbox.
    stays = mongo_client[database_name]["stays"]
    await mongo_client[database_name]["shelters"].insert_one(
        {"_id": "s-2", "name": "避難所", "capacity": 3, "is_open": True, "outbox": []}
    )
    down = settings.model_copy(update={"kafka_bootstrap_servers": "127.0.0.1:1"})
    app = bootstrap(down)  # no lifespan: the broker never connects
    async with await _client(app) as client:
        response = await client.post(
            "/shelters/s-2/check-ins", json={"personal": PERSON, "consent": True}
        )
    assert response.status_code == 201, response.text
    stay_id = response.json()["stay_id"]
    assert await stays.count_documents({"outbox.0": {"$exists": True}}) == 1

    # The service comes back with Kafka reachable: its relay delivers what was kept.
    app = bootstrap(settings)
    async with LifespanManager(app):
        seen: list[dict[str, Any]] = []
        await eventually(lambda: _drain(consumer, seen), lambda s: len(s) >= 1)
        await eventually(
            lambda: stays.count_documents({"outbox.0": {"$exists": True}}), lambda n: n == 0
        )
    assert [m["value"]["stay_id"] for m in seen] == [stay_id]
