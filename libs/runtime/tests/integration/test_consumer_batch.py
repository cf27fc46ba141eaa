"""Batch consumers on real Kafka: batches bounded, poison to the dead letter, commit on success."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker
from pydantic import SecretStr

from shelter_contracts.events import Channel, EvacueeCheckedOut
from shelter_contracts.topics import EVACUEE_STAYS
from shelter_runtime.consumer import dead_letter_topic, subscribe_batch
from shelter_runtime.kafka import ensure_topics
from shelter_runtime.service import start_broker
from shelter_runtime.settings import Environment, ServiceSettings
from shelter_runtime.wiring import ServiceParts, connect
from shelter_testing import Stack, eventually

AT = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def _settings(stack: Stack, namespace: str) -> ServiceSettings:
    return ServiceSettings(
        service_name="runtime-tests",
        environment=Environment.TEST,
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        kafka_topic_namespace=namespace,
        kafka_consumer_group=f"batch-{namespace}",
        mongodb_uri=SecretStr(stack.mongodb_uri),
        mongodb_database="unused",
        mongodb_database_prefix="",
        otel_exporter_otlp_endpoint=None,
    )


def _event(shelter_id: str) -> EvacueeCheckedOut:
    return EvacueeCheckedOut(
        occurred_at=AT,
        shelter_id=shelter_id,
        producer="t",
        stay_id=uuid.uuid4(),
        channel=Channel.STAFF,
        checked_out_at=AT,
    )


class Recorder:
    """A batch handler that fails its first call, then records what it is handed."""

    def __init__(self) -> None:
        self.calls = 0
        self.batches: list[list[Any]] = []

    async def __call__(self, events: Sequence[Any]) -> None:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("database down")
        self.batches.append(list(events))

    @property
    def event_ids(self) -> list[uuid.UUID]:
        return [e.event_id for batch in self.batches for e in batch]


async def _consumer(parts: ServiceParts, handler: Recorder, max_records: int) -> None:
    subscribe_batch(parts, EVACUEE_STAYS, handler, max_records=max_records)
    await ensure_topics(parts.settings, parts.topics)
    await start_broker(parts.broker)


async def test_batches_are_bounded_retried_whole_and_committed_after_success(
    stack: Stack, namespace: str
) -> None:
    settings = _settings(stack, namespace)
    topic = EVACUEE_STAYS.name(namespace)
    producer = KafkaBroker(stack.kafka_bootstrap, client_id="runtime-tests")
    await producer.start()
    dlq = AIOKafkaConsumer(
        dead_letter_topic(topic),
        bootstrap_servers=stack.kafka_bootstrap,
        auto_offset_reset="earliest",
    )
    try:
        await ensure_topics(settings, [EVACUEE_STAYS])
        events = [_event("s-1") for _ in range(7)]
        for event in events[:3]:
            await producer.publish(event.model_dump_json().encode(), topic=topic, key=b"s-1")
        await producer.publish(b'{"not": "an event"}', topic=topic, key=b"s-1")
        for event in events[3:]:
            await producer.publish(event.model_dump_json().encode(), topic=topic, key=b"s-1")

        first = connect(settings)
        handler = Recorder()
        await _consumer(first, handler, max_records=3)
        try:
            await eventually(
                lambda: _async(handler.event_ids),
                lambda ids: set(ids) >= {e.event_id for e in events},
                within=60.0,
            )
        finally:
            await first.broker.stop()
        # The first batch failed and came again whole; nothing was skipped, order kept.
        assert handler.calls >= 2
        assert list(dict.fromkeys(handler.event_ids)) == [e.event_id for e in events]
        assert all(len(batch) <= 3 for batch in handler.batches)

        await dlq.start()
        got: list[tuple[bytes | None, Any]] = []
        poisoned = await eventually(lambda: _poll(dlq, got), lambda g: len(g) >= 1, within=30.0)
        assert poisoned[0] == (b"s-1", {"not": "an event"})

        # A new consumer of the same group starts after the committed offsets.
        later = _event("s-1")
        await producer.publish(later.model_dump_json().encode(), topic=topic, key=b"s-1")
        second = connect(settings)
        again = Recorder()
        again.calls = 1  # no failure this time
        await _consumer(second, again, max_records=3)
        try:
            await eventually(
                lambda: _async(again.event_ids), lambda ids: later.event_id in ids, within=60.0
            )
        finally:
            await second.broker.stop()
        assert again.event_ids == [later.event_id]
    finally:
        await dlq.stop()
        await producer.stop()


async def _async(value: list[uuid.UUID]) -> list[uuid.UUID]:
    return list(value)


async def _poll(
    consumer: AIOKafkaConsumer, got: list[tuple[bytes | None, Any]]
) -> list[tuple[bytes | None, Any]]:
    batch = await consumer.getmany(timeout_ms=200)
    for records in batch.values():
        got.extend((r.key, json.loads(r.value)) for r in records)
    return got
