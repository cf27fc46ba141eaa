"""Kafka consumers with one behaviour everywhere: at-least-once, typed, poison to a dead letter.

Offsets are committed only after the handler succeeded; a failure (database down) rewinds to
the message so nothing is skipped, and handlers are idempotent so a redelivery changes nothing.
A message that does not parse can never succeed: it goes to `<topic>.dlq` instead of blocking
its partition.

`subscribe_batch` is the same contract for handlers that write many events at once (one
database write per shelter instead of one per event): the offsets of a whole batch are
committed only after the batch handler succeeded; on failure every partition of the batch is
rewound to its first record and the batch comes again (so a poison message of a failed batch
may reach the dead-letter topic twice: it carries its own key and bytes, a reader drops the
copy).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from faststream import AckPolicy
from faststream.kafka import KafkaMessage
from pydantic import ValidationError

from shelter_contracts.topics import Topic
from shelter_runtime.wiring import ServiceParts

log = logging.getLogger(__name__)

#: Pause before a failed message is redelivered, so an outage is not a busy loop.
RETRY_PAUSE_SECONDS = 1.0


def dead_letter_topic(topic_name: str) -> str:
    return f"{topic_name}.dlq"


async def _raw_body(message: KafkaMessage) -> bytes:
    """Hand the handler the bytes; it validates them against the topic's contract itself."""
    return message.body


def subscribe(
    parts: ServiceParts,
    topic: Topic,
    handle: Callable[[Any], Awaitable[None]],
) -> None:
    """Route every event of `topic` (parsed by its contract) to `handle`."""
    broker, settings = parts.broker, parts.settings
    parts.topics.append(topic)
    name = topic.name(settings.kafka_topic_namespace)

    @broker.subscriber(
        name,
        group_id=settings.consumer_group,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        title=f"{settings.service_name}:{name}",
        include_in_schema=False,
        decoder=_raw_body,
    )
    async def consume(body: bytes, message: KafkaMessage) -> None:
        try:
            event = topic.payload.validate_json(body)
        except ValidationError:
            log.error(
                "event does not match its contract; sent to the dead-letter topic",
                extra={"topic": name},
            )
            raw = message.raw_message
            key = None if isinstance(raw, tuple) else raw.key
            await broker.publish(body, topic=dead_letter_topic(name), key=key)
            return
        try:
            await handle(event)
        except Exception:
            log.exception(
                "event handling failed; will be redelivered",
                extra={"topic": name, "event_id": str(event.event_id)},
            )
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            raise


#: Records handed to a batch handler at most, by default.
MAX_BATCH_RECORDS = 500


def subscribe_batch(
    parts: ServiceParts,
    topic: Topic,
    handle_many: Callable[[Sequence[Any]], Awaitable[None]],
    *,
    max_records: int = MAX_BATCH_RECORDS,
    batch_timeout_ms: int = 200,
) -> None:
    """Route the events of `topic` to `handle_many` in batches, in partition order.

    Each batch holds the events that parsed (unparsable ones went to the dead-letter topic);
    an empty batch is not handed over, and its offsets are committed.
    """
    broker, settings = parts.broker, parts.settings
    parts.topics.append(topic)
    name = topic.name(settings.kafka_topic_namespace)

    @broker.subscriber(
        name,
        group_id=settings.consumer_group,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        batch=True,
        max_records=max_records,
        batch_timeout_ms=batch_timeout_ms,
        title=f"{settings.service_name}:{name}:batch",
        include_in_schema=False,
        decoder=_raw_body,
    )
    async def consume(bodies: list[bytes], message: KafkaMessage) -> None:
        raw = message.raw_message
        records = raw if isinstance(raw, tuple) else (raw,)
        events: list[Any] = []
        for body, record in zip(bodies, records, strict=True):
            try:
                events.append(topic.payload.validate_json(body))
            except ValidationError:
                log.error(
                    "event does not match its contract; sent to the dead-letter topic",
                    extra={"topic": name},
                )
                await broker.publish(body, topic=dead_letter_topic(name), key=record.key)
        if not events:
            return
        try:
            await handle_many(events)
        except Exception:
            log.exception(
                "batch handling failed; will be redelivered",
                extra={"topic": name, "count": len(events)},
            )
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            raise


def in_order_per_shelter(
    handle: Callable[[Any], Awaitable[object]], max_concurrency: int = 32
) -> Callable[[Sequence[Any]], Awaitable[None]]:
    """A batch handler that hands each event to `handle`: the events of one shelter one after
    the other in batch order (the order Kafka keeps per key), different shelters at once.

    For handlers whose writes of different shelters are independent. If one event fails, the
    others still running are cancelled and the error is raised, so the whole batch comes again
    (handlers are idempotent).
    """

    async def handle_many(events: Sequence[Any]) -> None:
        groups: dict[str, list[Any]] = {}
        for event in events:
            groups.setdefault(event.shelter_id, []).append(event)
        limit = asyncio.Semaphore(max_concurrency)

        async def in_order(group: list[Any]) -> None:
            async with limit:
                for event in group:
                    await handle(event)

        async with asyncio.TaskGroup() as tasks:
            for group in groups.values():
                tasks.create_task(in_order(group))

    return handle_many
