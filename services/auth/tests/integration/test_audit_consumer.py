"""The auth service keeps the other services' audit records, once each (S10.8).

On the test stack's Kafka and FerretDB: an `AuditRecorded` published twice (at-least-once
delivery) appears once in the administrator's log download, JSON and CSV.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

from shelter_auth.bootstrap import bootstrap
from shelter_auth.config import Settings
from shelter_auth.entrypoints import cli
from shelter_contracts.events import AuditRecorded
from shelter_contracts.topics import AUDIT
from shelter_runtime.settings import Environment
from shelter_testing import eventually
from shelter_testing.stack import Stack

ADMIN_PASSWORD = "first admin pass 2026"


@pytest.fixture
def settings(stack: Stack, namespace: str, database_name: str) -> Settings:
    return Settings(
        environment=Environment.TEST,
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        mongodb_uri=SecretStr(stack.mongodb_uri),
        mongodb_database=database_name,
        kafka_topic_namespace=namespace,
        kafka_consumer_group=namespace,
    )


@pytest.fixture
async def auth(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    await cli.create_admin(settings, "admin", "管理者", ADMIN_PASSWORD)
    app = bootstrap(settings)
    async with LifespanManager(app, startup_timeout=30):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="https://auth") as client:
            yield client


async def test_a_replayed_audit_event_is_stored_once(
    auth: httpx.AsyncClient, stack: Stack, namespace: str
) -> None:
    signed_in = await auth.post("/sign-in", json={"user_id": "admin", "password": ADMIN_PASSWORD})
    admin = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    event = AuditRecorded(
        occurred_at=datetime.now(UTC),
        producer="roster",
        action="roster.exported",
        actor="staff-01",
        actor_kind="staff",
        ip="192.0.2.7",
        target_type="roster",
        shelter_id="13101-0001",
        details={"rows": "12"},
    )
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
    await producer.start()
    try:
        # Twice (a retry after a lost acknowledgement), then a later record on the same key,
        # hence the same partition: once that one is stored, both copies were consumed.
        later = event.model_copy(update={"event_id": uuid4(), "action": "roster.corrected"})
        for sent in (event, event, later):
            await producer.send_and_wait(
                AUDIT.name(namespace), sent.model_dump_json().encode(), key=sent.key.encode()
            )
    finally:
        await producer.stop()

    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()

    async def from_roster() -> list[dict[str, Any]]:
        answer = await auth.get("/audit", params={"from": since}, headers=admin)
        return [r for r in answer.json() if r["service"] == "roster"]

    records = await eventually(
        from_roster,
        lambda rs: "roster.corrected" in {r["action"] for r in rs},
        within=30,
        interval=0.5,
    )
    [record] = [r for r in records if r["action"] == "roster.exported"]
    assert record["record_id"] == str(event.event_id) and record["service"] == "roster"
    assert (record["actor"], record["actor_kind"], record["ip"]) == (
        "staff-01",
        "staff",
        "192.0.2.7",
    )
    assert record["shelter_id"] == "13101-0001" and record["details"] == {"rows": "12"}
    download = await auth.get("/audit", params={"from": since, "format": "csv"}, headers=admin)
    assert download.text.count("roster.exported") == 1
