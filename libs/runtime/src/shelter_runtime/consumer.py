"""Kafka consumers with one behaviour everywhere: at-least-once, typed, poison to a dead letter.

Offsets are committed only after the handler succeeded; a failure (database down) rewinds to
the message so nothing is skipped, and handlers are idempotent so a redelivery changes nothing.
A message that does not parse can never succeed: it goes to `<topic>.dlq` instead of blocking
its partition.

"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
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
