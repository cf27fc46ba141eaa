"""Store and forward: Kafka stopped, 200 card reads taken, Kafka back: all arrive once, in order.

Cards go through the real PC/SC stack; the kiosk's Kafka is a broker of this test only.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from shelter_contracts.topics import CARD_READS
from shelter_kiosk.adapters.auth import StaticTokens
from shelter_kiosk.adapters.pcsc import PcscCardReader
from shelter_kiosk.bootstrap import bootstrap
from shelter_kiosk.config import Settings
from shelter_kiosk.simulator.cards import MyNumberCard, my_number_ef0002
from shelter_kiosk.simulator.pcscd import VirtualReader
from shelter_kiosk.simulator.vpcd import InsertedCard
from shelter_runtime.settings import Environment
from shelter_testing import eventually

READS_DURING_OUTAGE = 200


@pytest.fixture
async def kiosk(
    tmp_path: Path, dedicated_kafka: Any, virtual_reader: VirtualReader, namespace: str
) -> AsyncIterator[FastAPI]:
    settings = Settings(
        environment=Environment.TEST,
        data_dir=tmp_path / "kiosk",
        kafka_bootstrap_servers=dedicated_kafka.bootstrap,
        kafka_topic_namespace=namespace,
        forward_retry_seconds=0.5,
        shelter_id="13101-0001",
    )
    reader = PcscCardReader(virtual_reader.name, wait_seconds=5)
    app = bootstrap(settings, reader=reader, tokens=StaticTokens("t"))
    app.state.kiosk.session = "staff"  # signed in (the sign-in itself is in the e2e test)
    async with LifespanManager(app):
        yield app


async def _take(client: httpx.AsyncClient, card: MyNumberCard, n: int) -> str:
    card.basic_four = my_number_ef0002(
        f"避難\u3000{n:03d}号", "東京都千代田区千代田１", "19800217", "2"
    )
    response = await client.post("/api/card-reads", json={"purpose": "check_in", "digits": "1234"})
    assert response.status_code == 201, response.text
    assert response.json()["given_name"] == f"{n:03d}号"
    return str(response.json()["event_id"])


async def test_reads_taken_while_kafka_is_down_arrive_once_in_order(
    kiosk: FastAPI, dedicated_kafka: Any, pcscd: int, namespace: str
) -> None:
    kafka = dedicated_kafka
    queue = kiosk.state.kiosk.queue
    forwarder = kiosk.state.kiosk.forwarder
    card = MyNumberCard(pin="1234")
    transport = httpx.ASGITransport(app=kiosk)
    taken: list[str] = []
    with InsertedCard(card, pcscd):
        async with httpx.AsyncClient(transport=transport, base_url="http://kiosk") as client:
            taken.append(await _take(client, card, 0))
            await eventually(lambda: asyncio.sleep(0, len(queue)), lambda n: n == 0, within=60)

            await asyncio.to_thread(kafka.stop)
            for n in range(1, READS_DURING_OUTAGE + 1):
                taken.append(await _take(client, card, n))
            assert len(queue) == READS_DURING_OUTAGE  # kept, encrypted, on local disk
            assert forwarder.delivered == 1

            await asyncio.to_thread(kafka.start)
            await eventually(lambda: asyncio.sleep(0, len(queue)), lambda n: n == 0, within=300)

    consumer = AIOKafkaConsumer(
        CARD_READS.name(namespace),
        bootstrap_servers=kafka.bootstrap,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        arrived: list[dict[str, object]] = []

        async def drain() -> int:
            batch = await consumer.getmany(timeout_ms=500)
            arrived.extend(json.loads(m.value) for ms in batch.values() for m in ms)
            return len(arrived)

        await eventually(drain, lambda n: n >= len(taken), within=60)
        await asyncio.sleep(2)
        await drain()  # anything beyond 201 would be a duplicate
    finally:
        await consumer.stop()
    assert [m["event_id"] for m in arrived] == taken  # each once, in the order taken
    assert [m["sequence"] for m in arrived] == list(range(1, len(taken) + 1))
    assert all(m["access_token"] == "t" for m in arrived)
