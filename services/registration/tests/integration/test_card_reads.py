"""Kiosk card reads on Kafka become stays with channel 1, once each, only from its kiosk."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from asgi_lifespan import LifespanManager
from pymongo import AsyncMongoClient

from shelter_contracts.kiosk import CardFace, CardKind, CardPurpose, CardRead
from shelter_contracts.personal import Sex
from shelter_contracts.topics import CARD_READS, EVACUEE_STAYS
from shelter_registration.bootstrap import bootstrap
from shelter_registration.config import Settings
from shelter_runtime.mongo import Document
from shelter_runtime.outbox import PENDING_COLLECTION
from shelter_testing import eventually
from shelter_testing.stack import Stack
from shelter_testing.stack import variables as stack_env
from shelter_testing.tokens import TestIssuer

ISSUER = TestIssuer()
FACE = CardFace(
    family_name="黒桐",
    given_name="幹也",
    address="東京都清瀬市観布子南１２－７－２０２",
    date_of_birth=date(1980, 2, 17),
    sex=Sex.MALE,
)


async def _kiosk_token(stack: Stack, admin_headers: dict[str, str], shelter_id: str) -> str:
    """A real kiosk access token of the stack's auth service, bound to `shelter_id`."""
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=10) as gateway:
        issued = await gateway.post(
            "/api/auth/kiosk-tokens",
            json={"shelter_id": shelter_id, "label": "test kiosk"},
            headers=admin_headers,
        )
        assert issued.status_code == 201, issued.text
        exchanged = await gateway.post(
            "/api/auth/kiosk-tokens/exchange", json={"token": issued.json()["token"]}
        )
        assert exchanged.status_code == 200, exchanged.text
        return str(exchanged.json()["access_token"])


def _read(shelter_id: str, token: str, purpose: CardPurpose, sequence: int) -> CardRead:
    now = datetime.now(UTC)
    return CardRead(
        occurred_at=now,
        shelter_id=shelter_id,
        producer="kiosk",
        purpose=purpose,
        card=CardKind.MY_NUMBER,
        face=FACE,
        kiosk_id="k-1",
        sequence=sequence,
        read_at=now,
        access_token=token,
    )


@pytest.fixture
async def producer(stack: Stack) -> AsyncIterator[AIOKafkaProducer]:
    p = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, acks="all")
    await p.start()
    yield p
    await p.stop()


async def test_card_reads_are_checked_and_applied_once(
    settings: Settings,
    stack: Stack,
    admin_headers: dict[str, str],
    producer: AIOKafkaProducer,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
    namespace: str,
) -> None:
    # The revocation list is served by auth itself, never through the gateway.
    auth_port = stack_env(stack.name)["AUTH_PORT"]
    settings = settings.model_copy(update={"auth_url": f"http://127.0.0.1:{auth_port}"})
    app = bootstrap(settings)
    ISSUER.install(app, "registration")
    transport = httpx.ASGITransport(app=app)
    async with (
        LifespanManager(app, startup_timeout=60),  # bounds a failure only (shared 2 cores)
        httpx.AsyncClient(
            transport=transport, base_url="http://r", headers=ISSUER.headers("administrator")
        ) as client,
    ):
        created = await client.post(
            "/shelters", json={"shelter_id": "card-1", "name": "避難所", "capacity": 5}
        )
        assert created.status_code == 201, created.text
        assert (await client.post("/shelters/card-1/open")).status_code == 200
        token = await _kiosk_token(stack, admin_headers, "card-1")
        elsewhere = await _kiosk_token(stack, admin_headers, "card-2")

        check_in = _read("card-1", token, CardPurpose.CHECK_IN, 1)
        forged = _read("card-1", elsewhere, CardPurpose.CHECK_OUT, 2)
        topic = CARD_READS.name(namespace)
        for read in (check_in, check_in, forged):  # a redelivery, then another shelter's kiosk
            await producer.send_and_wait(topic, read.model_dump_json().encode(), key=b"card-1")

        claims = mongo_client[database_name]

        async def outcomes() -> dict[str, Any]:
            found: dict[str, Any] = {}
            for name in await claims.list_collection_names():
                if name.startswith("card_read_claims"):
                    async for doc in claims[name].find({}):
                        found[doc["_id"]] = doc.get("outcome")
            return found

        done = await eventually(
            outcomes, lambda o: len(o) == 2 and None not in o.values(), within=60
        )
        assert done == {
            str(check_in.event_id): "checked_in",
            str(forged.event_id): "refused_credential",
        }

        # Every event registration will publish for these reads is relayed once its outbox
        # pointers are gone; the topic's end offsets then bound exactly what it holds.
        pending = mongo_client[database_name][PENDING_COLLECTION]
        await eventually(lambda: pending.count_documents({}), lambda n: n == 0, within=60)
        stays = await _all_events(stack, EVACUEE_STAYS.name(namespace))
        # Exactly one event, maybe published twice (the outbox delivers at least once).
        [event] = {e["event_id"]: e for e in stays}.values()
        assert event["event_type"] == "EvacueeCheckedIn"
        assert event["channel"] == 1
        assert event["personal"]["family_name"] == "黒桐"
        assert event["actor"].startswith("kiosk:")


async def _all_events(stack: Stack, topic: str) -> list[dict[str, Any]]:
    """Every record of `topic`, read from its beginning up to its end offsets (no wait)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=stack.kafka_bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:

        async def assigned() -> set[TopicPartition]:
            return set(consumer.assignment())

        partitions = sorted(await eventually(assigned, bool, within=30))
        end = await consumer.end_offsets(partitions)
        found: list[dict[str, Any]] = []

        async def behind() -> bool:
            return any([await consumer.position(tp) < end[tp] for tp in partitions])

        while await behind():
            batch = await consumer.getmany(*partitions, timeout_ms=500)
            found += [json.loads(m.value) for records in batch.values() for m in records]
        return found
    finally:
        await consumer.stop()
