"""Closing the disaster on the test stack's FerretDB and Kafka (災害収束, S10.3).

Registration closes only after the roster's export (`DisasterExported`), publishes
`DisasterClosed`, consumes it like every other service, deletes its personal data (stays,
person slots, check-outs, card-read claims, their outboxes), counts what is left, reports
`PersonalDataDeleted` and keeps the report for the status; shelters stay as master data,
closed, and a new disaster can start. A replayed closure deletes nothing of the next one.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from pymongo import AsyncMongoClient

from shelter_contracts.events import DisasterClosed, DisasterExported, PersonalDataDeleted
from shelter_contracts.topics import DISASTER
from shelter_registration.adapters.mongo import is_personal_data_collection
from shelter_registration.adapters.purge import KEPT_COLLECTIONS, personal_data
from shelter_registration.bootstrap import bootstrap
from shelter_registration.config import Settings
from shelter_runtime.disaster import APPLIED_CLOSURES
from shelter_runtime.mongo import Document
from shelter_testing import eventually
from shelter_testing.stack import Stack
from shelter_testing.tokens import TestIssuer

ISSUER = TestIssuer()
PERSON: dict[str, Any] = {
    "family_name": "災害収束テスト",
    "given_name": "花子",
    "address": "東京都千代田区千代田1-1",
    "date_of_birth": "1950-04-01",
    "sex": "female",
    "phone": "090-1234-5678",
}


async def documents_naming(db: Any, needle: str) -> dict[str, int]:
    """Per collection, the documents whose stored form contains `needle` anywhere."""
    found: dict[str, int] = {}
    for name in await db.list_collection_names():
        hits = sum(
            needle in json.dumps(doc, default=str, ensure_ascii=False)
            for doc in await db[name].find({}).to_list()
        )
        if hits:
            found[name] = hits
    return found


async def test_purge_empties_every_collection_but_the_kept_ones(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    db = mongo_client[database_name]
    await db["stays"].insert_many([{"_id": "s1", "name": "山田"}, {"_id": "s2"}])
    await db["person_stays_007"].insert_one({"_id": "p1", "stays": ["s1"]})
    await db["card_read_claims_003"].insert_one({"_id": "c1"})
    await db["anything_added_later"].insert_one({"_id": "x"})
    await db["shelters"].insert_one({"_id": "13101-0001", "name": "千代田小学校"})
    await db["shelters_042"].insert_one({"_id": "13101-0002", "name": "麹町小学校"})
    await db["settings"].insert_one({"_id": "status_items", "items": ["要介護"]})
    await db["audit_outbox"].insert_one({"_id": "a1", "outbox": []})
    await db[APPLIED_CLOSURES].insert_one({"_id": "closure-1", "closed_at": datetime.now(UTC)})

    data = personal_data(db)
    first = await data.purge()
    assert first.collections == (
        "anything_added_later",
        "card_read_claims_003",
        "person_stays_007",
        "stays",
    )
    assert (first.deleted, first.remaining) == (5, 0)
    for kept in ("shelters", "shelters_042", "settings", "audit_outbox", APPLIED_CLOSURES):
        assert await db[kept].count_documents({}) == 1
    again = await data.purge()  # a replayed closure: nothing more to delete
    assert (again.deleted, again.remaining) == (0, 0)
    assert "stays" not in KEPT_COLLECTIONS


@pytest.fixture
async def disaster_topic(stack: Stack, namespace: str) -> AsyncIterator[AIOKafkaConsumer]:
    consumer = AIOKafkaConsumer(
        DISASTER.name(namespace),
        bootstrap_servers=stack.kafka_bootstrap,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    yield consumer
    await consumer.stop()


def _client(app: FastAPI) -> httpx.AsyncClient:
    ISSUER.install(app, "registration")
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://registration",
        headers=ISSUER.headers("administrator", sub="admin-1"),
    )


async def _drain(consumer: AIOKafkaConsumer, seen: list[Any]) -> list[Any]:
    for messages in (await consumer.getmany(timeout_ms=200)).values():
        for m in messages:
            assert m.key == b"disaster"
            seen.append(DISASTER.payload.validate_json(m.value))
    return seen


async def _status(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/disaster/status")
    assert response.status_code == 200, response.text
    status: dict[str, Any] = response.json()
    return status


def _deletion(status: dict[str, Any], service: str) -> str:
    return str(next(s for s in status["services"] if s["service"] == service)["deletion"])


async def test_closing_deletes_personal_data_confirms_it_and_a_new_disaster_can_start(
    settings: Settings,
    stack: Stack,
    disaster_topic: AIOKafkaConsumer,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
) -> None:
    db = mongo_client[database_name]
    app = bootstrap(settings)
    async with LifespanManager(app, startup_timeout=60), _client(app) as client:
        body = {"shelter_id": "dc-1", "name": "千代田小学校", "capacity": 30}
        assert (await client.post("/shelters", json=body)).status_code == 201
        assert (await client.post("/shelters/dc-1/open")).status_code == 200
        check_in = {"personal": PERSON, "consent": True}
        stay = await client.post("/shelters/dc-1/check-ins", json=check_in)
        assert stay.status_code == 201, stay.text
        assert await documents_naming(db, "災害収束テスト")  # stored before

        close = {"confirmation": "災害収束"}
        still_open = await client.post("/disaster/close", json=close)
        assert still_open.status_code == 409
        assert still_open.json()["open_shelters"] == ["dc-1"]
        assert (await client.post("/shelters/dc-1/close")).status_code == 200

        async def close_now() -> httpx.Response:
            return await client.post("/disaster/close", json=close)

        # Refused until the check-in is out of the outbox and the file exported after.
        unexported = await eventually(
            close_now, lambda r: r.json().get("type", "").endswith("/export-required")
        )
        assert unexported.status_code == 409, unexported.text
        exported = DisasterExported(
            occurred_at=datetime.now(UTC), producer="roster", export_id=uuid4(), entries=1,
            training_entries=0, shelters=1,
        )  # fmt: skip
        await _publish(stack, settings, exported)
        closed = await eventually(close_now, lambda r: r.status_code != 409, within=60)
        assert closed.status_code == 202, closed.text
        closure_id = closed.json()["closure_id"]

        status = await eventually(
            lambda: _status(client), lambda s: _deletion(s, "registration") == "confirmed"
        )
        assert status["closure"]["closure_id"] == closure_id
        assert _deletion(status, "roster") == "pending"  # no roster runs in this test
        assert not status["complete"]
        assert await documents_naming(db, "災害収束テスト") == {}
        assert await documents_naming(db, "090-1234-5678") == {}
        listed = {c for c in await db.list_collection_names() if is_personal_data_collection(c)}
        shelter = (await client.get("/shelters/dc-1")).json()
        assert (shelter["name"], shelter["is_open"]) == ("千代田小学校", False)

        # The next disaster: the same shelter opens again and the same person checks in anew.
        assert (await client.post("/shelters/dc-1/open")).status_code == 200
        again = await client.post("/shelters/dc-1/check-ins", json=check_in)
        assert again.status_code == 201, again.text

        seen: list[Any] = []
        events = await eventually(
            lambda: _drain(disaster_topic, seen),
            lambda s: any(isinstance(e, PersonalDataDeleted) for e in s),
        )
    # One closure, maybe published twice (its outbox delivers at least once).
    (closure,) = {e.event_id: e for e in events if isinstance(e, DisasterClosed)}.values()
    assert str(closure.closure_id) == closure_id and closure.actor == "admin-1"
    report = next(e for e in events if isinstance(e, PersonalDataDeleted))
    assert (report.service, report.documents_remaining) == ("registration", 0)
    assert report.documents_deleted >= 1
    assert any(c.startswith("stays") for c in report.collections)  # sharded or not
    assert listed and listed <= set(report.collections)


async def _publish(
    stack: Stack, settings: Settings, event: DisasterClosed | DisasterExported
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(
            DISASTER.name(settings.kafka_topic_namespace),
            event.model_dump_json().encode(),
            key=b"disaster",
        )
    finally:
        await producer.stop()


async def test_a_replayed_closure_deletes_nothing_of_the_next_disaster_and_reports_again(
    settings: Settings,
    stack: Stack,
    disaster_topic: AIOKafkaConsumer,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
) -> None:
    db = mongo_client[database_name]
    await db["stays"].insert_one({"_id": "left-over", "family_name": "災害収束テスト"})
    closure = DisasterClosed.model_validate(
        {
            "occurred_at": "2026-11-25T09:00:00Z",
            "producer": "registration",
            "closure_id": "00000000-0000-0000-0000-000000000042",
            "actor": "admin-1",
        }
    )
    app = bootstrap(settings)
    async with LifespanManager(app, startup_timeout=60):
        seen: list[Any] = []

        async def reports() -> list[PersonalDataDeleted]:
            await _drain(disaster_topic, seen)
            return [e for e in seen if isinstance(e, PersonalDataDeleted)]

        await _publish(stack, settings, closure)
        (first,) = await eventually(reports, lambda r: len(r) == 1)
        assert (first.documents_deleted, first.documents_remaining) == (1, 0)
        # The next disaster's data, then the closure again (a consumer group reset, a restore).
        await db["stays"].insert_one({"_id": "next-disaster", "family_name": "次の災害"})
        await _publish(stack, settings, closure)
        replayed = await eventually(reports, lambda r: len(r) == 2)
    assert replayed == [first, first]  # the same report again: the status stays confirmable
    assert await documents_naming(db, "災害収束テスト") == {}
    assert await documents_naming(db, "次の災害") == {"stays": 1}
