"""Check-ins reach Kafka through the outbox, also when Kafka was unreachable at first."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from pymongo import AsyncMongoClient

from shelter_contracts.events import Channel, ShelterRegistered
from shelter_contracts.personal import EvacueePersonal
from shelter_contracts.topics import EVACUEE_STAYS, SHELTERS
from shelter_registration.adapters.mongo import (
    SHELTER_SHARDS,
    SHELTERS_COLLECTION,
    STAY_SHARDS,
    STAYS_COLLECTION,
    MongoStays,
)
from shelter_registration.bootstrap import bootstrap
from shelter_registration.config import Settings
from shelter_registration.domain.model import Shelter, ShelterMaster, Stay
from shelter_runtime.mongo import Document, ShardedCollection
from shelter_runtime.outbox import OutboxRelay, outbox_entries
from shelter_testing import eventually
from shelter_testing.stack import Stack
from shelter_testing.tokens import TestIssuer

ISSUER = TestIssuer()
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
    """Add what arrived to `seen`, once per event id.

    Delivery is at least once: a request's inline delivery and the relay's round can both
    publish the same outbox entry; consumers drop the repeat by event id, and so does this.
    """
    batch = await consumer.getmany(timeout_ms=200)
    ids = {m["value"]["event_id"] for m in seen}
    for messages in batch.values():
        for m in messages:
            value = json.loads(m.value)
            if value["event_id"] not in ids:
                ids.add(value["event_id"])
                seen.append({"key": m.key, "value": value})
    return seen


async def _client(app: FastAPI) -> httpx.AsyncClient:
    """A client of `app`, signed in as an administrator with tokens `app` trusts."""
    ISSUER.install(app, "registration")
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://registration",
        headers=ISSUER.headers("administrator", sub="admin-1"),
    )


async def test_check_in_is_published_once_with_the_shelter_as_key(
    settings: Settings,
    consumer: AIOKafkaConsumer,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
) -> None:
    app = bootstrap(settings)
    async with LifespanManager(app, startup_timeout=30), await _client(app) as client:
        created = await client.post(
            "/shelters", json={"shelter_id": "s-1", "name": "避難所", "capacity": 3}
        )
        assert created.status_code == 201
        assert (await client.post("/shelters/s-1/open")).status_code == 200
        response = await client.post(
            "/shelters/s-1/check-ins", json={"personal": PERSON, "consent": True}
        )
        assert response.status_code == 201
        stay_id = response.json()["stay_id"]

        seen: list[dict[str, Any]] = []
        await eventually(lambda: _drain(consumer, seen), lambda s: len(s) >= 3)
        types = sorted(m["value"]["event_type"] for m in seen)
        assert types == ["EvacueeCheckedIn", "ShelterOpened", "ShelterRegistered"]
        check_in = next(m for m in seen if m["value"]["event_type"] == "EvacueeCheckedIn")
        assert check_in["key"] == b"s-1"
        assert check_in["value"]["stay_id"] == stay_id
        assert check_in["value"]["personal"]["family_name"] == "山田"

    stays = ShardedCollection(mongo_client[database_name], STAYS_COLLECTION, STAY_SHARDS)
    assert await stays.count_documents({"outbox.0": {"$exists": True}}) == 0


async def test_check_in_accepted_while_kafka_is_down_is_delivered_later(
    settings: Settings,
    consumer: AIOKafkaConsumer,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
) -> None:
    # The first app's broker points at a port where no Kafka listens: publishing fails, the
    # request must still be accepted and its event kept in the outbox.
    stays = ShardedCollection(mongo_client[database_name], STAYS_COLLECTION, STAY_SHARDS)
    shelters = ShardedCollection(mongo_client[database_name], SHELTERS_COLLECTION, SHELTER_SHARDS)
    await shelters.of("s-2").insert_one(
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
    async with LifespanManager(app, startup_timeout=30):
        seen: list[dict[str, Any]] = []
        await eventually(lambda: _drain(consumer, seen), lambda s: len(s) >= 1)
        await eventually(
            lambda: stays.count_documents({"outbox.0": {"$exists": True}}), lambda n: n == 0
        )
    assert [m["value"]["stay_id"] for m in seen] == [stay_id]


async def test_shelters_of_an_older_database_are_moved_and_their_events_still_delivered(
    settings: Settings,
    consumer: AIOKafkaConsumer,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
) -> None:
    # As an older version left them: in the one `shelters` collection, one event not yet
    # published (its pointer written, as the relay finds pending events by their pointers).
    db = mongo_client[database_name]
    shelter = Shelter.create("s-old", ShelterMaster(name="旧避難所", capacity=3))
    event = ShelterRegistered(
        occurred_at=datetime.now(UTC),
        shelter_id="s-old",
        producer="registration",
        version=1,
        shelter=shelter.facts(),
    )
    entries = outbox_entries(SHELTERS, settings.kafka_topic_namespace, [event])
    await OutboxRelay.marks(db, "shelters").mark("s-old", entries)
    await db[SHELTERS_COLLECTION].insert_one(
        {"_id": "s-old", "name": "旧避難所", "capacity": 3, "is_open": False, "outbox": entries}
    )
    app = bootstrap(settings)
    async with LifespanManager(app, startup_timeout=30), await _client(app) as client:
        assert SHELTERS_COLLECTION not in await db.list_collection_names()
        opened = await client.post("/shelters/s-old/open")
        assert opened.status_code == 200, opened.text
        assert opened.json()["is_open"] is True
        seen: list[dict[str, Any]] = []
        await eventually(lambda: _drain(consumer, seen), lambda s: len(s) >= 2)
    assert [(m["key"], m["value"]["event_type"]) for m in seen] == [
        (b"s-old", "ShelterRegistered"),
        (b"s-old", "ShelterOpened"),
    ]
    shelters = ShardedCollection(db, SHELTERS_COLLECTION, SHELTER_SHARDS)
    assert await shelters.count_documents({"outbox.0": {"$exists": True}}) == 0


DATA = Path(__file__).parents[1] / "data"


async def _open_shelters(client: httpx.AsyncClient, *shelter_ids: str) -> None:
    for shelter_id in shelter_ids:
        body = {"shelter_id": shelter_id, "name": f"避難所{shelter_id}", "capacity": 10}
        assert (await client.post("/shelters", json=body)).status_code == 201
        assert (await client.post(f"/shelters/{shelter_id}/open")).status_code == 200


def _of_type(seen: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [m["value"] for m in seen if m["value"]["event_type"] == event_type]


async def test_shelter_changes_reach_kafka_with_versions_and_whole_facts(
    settings: Settings, consumer: AIOKafkaConsumer
) -> None:
    app = bootstrap(settings)
    async with LifespanManager(app, startup_timeout=30), await _client(app) as client:
        await _open_shelters(client, "s-1")
        assert (await client.patch("/shelters/s-1", json={"capacity": 30})).status_code == 200
        training = await client.put("/shelters/s-1/training", json={"training": True})
        assert training.status_code == 200
        staff_9 = ISSUER.headers("shelter_staff", shelters=["s-1"], sub="staff-9")
        assert (await client.post("/shelters/s-1/close", headers=staff_9)).is_success
        assert (await client.delete("/shelters/s-1")).status_code == 204

        seen: list[dict[str, Any]] = []
        await eventually(lambda: _drain(consumer, seen), lambda s: len(s) >= 6)
    assert {m["key"] for m in seen} == {b"s-1"}
    events = sorted((m["value"] for m in seen), key=lambda e: e["version"])
    assert [(e["event_type"], e["version"]) for e in events] == [
        ("ShelterRegistered", 1),
        ("ShelterOpened", 2),
        ("ShelterUpdated", 3),
        ("ShelterTrainingModeChanged", 4),
        ("ShelterClosed", 5),
        ("ShelterDeleted", 6),
    ]
    last = events[-1]["shelter"]
    assert (last["capacity"], last["training"], last["deleted"], last["is_open"]) == (
        30,
        True,
        True,
        False,
    )
    assert events[4]["actor"] == "staff-9" and events[4]["shelter"]["closed_at"]


async def test_a_transfer_delivers_both_events(
    settings: Settings, consumer: AIOKafkaConsumer
) -> None:
    app = bootstrap(settings)
    async with LifespanManager(app, startup_timeout=30), await _client(app) as client:
        await _open_shelters(client, "a-1", "b-1")
        first = await client.post(
            "/shelters/a-1/check-ins", json={"personal": PERSON, "consent": True}
        )
        moved = await client.post("/shelters/b-1/staff-check-ins", json={"personal": PERSON})
        assert (first.status_code, moved.status_code) == (201, 201), moved.text
        assert moved.json()["transferred_from"] == "a-1"

        seen: list[dict[str, Any]] = []
        await eventually(
            lambda: _drain(consumer, seen), lambda s: len(_of_type(s, "EvacueeCheckedOut")) >= 1
        )
        await eventually(
            lambda: _drain(consumer, seen), lambda s: len(_of_type(s, "EvacueeCheckedIn")) >= 2
        )
    (out,) = _of_type(seen, "EvacueeCheckedOut")
    assert (out["stay_id"], out["shelter_id"], out["transferred_to"]) == (
        first.json()["stay_id"],
        "a-1",
        "b-1",
    )
    arrived = next(e for e in _of_type(seen, "EvacueeCheckedIn") if e["shelter_id"] == "b-1")
    assert (arrived["stay_id"], arrived["transferred_from"]) == (moved.json()["stay_id"], "a-1")
    keys = {m["key"] for m in seen if m["value"]["event_type"].startswith("Evacuee")}
    assert keys == {b"a-1", b"b-1"}


async def test_a_crash_inside_a_transfer_is_repaired_by_the_next_attempt(
    settings: Settings,
    consumer: AIOKafkaConsumer,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
) -> None:
    app = bootstrap(settings)
    async with LifespanManager(app, startup_timeout=30), await _client(app) as client:
        await _open_shelters(client, "a-1", "b-1")
        first = await client.post("/shelters/a-1/staff-check-ins", json={"personal": PERSON})
        # Step 1 of a transfer to b-1 was stored; the process died before step 2.
        stays = MongoStays(mongo_client[database_name], settings.kafka_topic_namespace)
        person = EvacueePersonal.model_validate(PERSON)
        half = Stay(uuid4(), "b-1", Channel.STAFF, person, datetime.now(UTC))
        await stays.add(half, [])

        retry = await client.post("/shelters/b-1/staff-check-ins", json={"personal": PERSON})
        assert retry.status_code == 409
        assert retry.json()["type"].endswith("/already-checked-in")
        assert retry.json()["stay_id"] == str(half.stay_id)
        old = await stays.get(UUID(first.json()["stay_id"]))
        assert old is not None and old.transferred_to == "b-1"

        seen: list[dict[str, Any]] = []
        await eventually(
            lambda: _drain(consumer, seen), lambda s: len(_of_type(s, "EvacueeCheckedOut")) >= 1
        )
    (out,) = _of_type(seen, "EvacueeCheckedOut")
    assert (out["stay_id"], out["transferred_to"]) == (first.json()["stay_id"], "b-1")


async def test_racing_requests_on_the_real_database(settings: Settings) -> None:
    app = bootstrap(settings)
    async with LifespanManager(app, startup_timeout=30), await _client(app) as client:
        await _open_shelters(client, "s-1")
        # Two staff members edit the same version: one edit wins, the other is told.
        edits = await asyncio.gather(
            client.patch("/shelters/s-1", json={"capacity": 20, "version": 2}),
            client.patch("/shelters/s-1", json={"capacity": 30, "version": 2}),
        )
        assert sorted(r.status_code for r in edits) == [200, 409]
        # A double-tapped submit: one stay, one clear answer.
        body = {"personal": PERSON, "consent": True}
        taps = await asyncio.gather(
            client.post("/shelters/s-1/check-ins", json=body),
            client.post("/shelters/s-1/check-ins", json=body),
        )
        assert sorted(r.status_code for r in taps) == [201, 409]
        refused = next(r for r in taps if r.status_code == 409).json()
        accepted = next(r for r in taps if r.status_code == 201).json()
        assert refused["type"].endswith("/already-checked-in")
        assert accepted["stay_id"] and "stay_id" not in refused  # the public channel: no id


@pytest.mark.parametrize("name", ["emergency_sites.sjis.csv", "emergency_sites.utf8.csv"])
async def test_import_and_re_import_on_the_real_stack(
    settings: Settings,
    consumer: AIOKafkaConsumer,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
    name: str,
) -> None:
    data = (DATA / name).read_bytes()
    app = bootstrap(settings)
    async with LifespanManager(app, startup_timeout=30), await _client(app) as client:
        headers = {"content-type": "text/csv"}
        first = await client.post("/shelters/import", content=data, headers=headers)
        assert first.status_code == 200, first.text
        assert (first.json()["accepted"], first.json()["refused"]) == (3, 7)
        edited = await client.patch("/shelters/092011-0002", json={"capacity": 1})
        assert edited.status_code == 200
        again = await client.post("/shelters/import", content=data, headers=headers)
        counts = {k: again.json()[k] for k in ("accepted", "updated", "unchanged", "refused")}
        assert counts == {"accepted": 0, "updated": 1, "unchanged": 2, "refused": 7}

        seen: list[dict[str, Any]] = []
        await eventually(lambda: _drain(consumer, seen), lambda s: len(s) >= 5)
    shelters = ShardedCollection(mongo_client[database_name], SHELTERS_COLLECTION, SHELTER_SHARDS)
    assert await shelters.count_documents({}) == 3
    assert sorted(m["value"]["event_type"] for m in seen) == [
        "ShelterRegistered",
        "ShelterRegistered",
        "ShelterRegistered",
        "ShelterUpdated",
        "ShelterUpdated",
    ]
    higashi = [m["value"] for m in seen if m["key"] == b"092011-0002"]
    assert [e["shelter"]["capacity"] for e in sorted(higashi, key=lambda e: e["version"])] == [
        1200,
        1,
        1200,
    ]
