"""Kafka consumers with one behaviour everywhere: at-least-once, typed, poison to a dead letter.

Offsets are committed only after the handler succeeded; a failure (database down) rewinds to
the message so nothing is skipped, and handlers are idempotent so a redelivery changes nothing.
A message that does not parse can never succeed: it goes to `<topic>.dlq` instead of blocking
its partition. `subscribe_batch` hands a handler many events at once (one database round trip
for many events) and keeps each event's trace (see `batch_spans`).

"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaMessage
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import Link, Span, SpanKind, Status, StatusCode
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


#: Sends one undecodable record to the dead-letter topic: (body, key).
DeadLetter = Callable[[bytes, bytes | None], Awaitable[None]]


def _subscriber(
    parts: ServiceParts, name: str, **options: Any
) -> Callable[[Callable[..., Awaitable[None]]], Any]:
    """The subscriber decorator both consumers share: committed only after success."""
    settings = parts.settings
    return parts.broker.subscriber(  # type: ignore[no-any-return]
        name,
        group_id=settings.consumer_group,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        title=f"{settings.service_name}:{name}",
        include_in_schema=False,
        decoder=_raw_body,
        **options,
    )


def _dead_letter_sender(parts: ServiceParts, name: str) -> DeadLetter:
    """Publishes a record that can never succeed to `<topic>.dlq` (logged without its body)."""
    broker = parts.broker

    async def send(body: bytes, key: bytes | None) -> None:
        log.error(
            "event does not match its contract; sent to the dead-letter topic",
            extra={"topic": name},
        )
        await broker.publish(body, topic=dead_letter_topic(name), key=key)

    return send


def subscribe(
    parts: ServiceParts,
    topic: Topic,
    handle: Callable[[Any], Awaitable[None]],
) -> None:
    """Route every event of `topic` (parsed by its contract) to `handle`."""
    parts.topics.append(topic)
    name = topic.name(parts.settings.kafka_topic_namespace)
    dead_letter = _dead_letter_sender(parts, name)

    @_subscriber(parts, name)
    async def consume(body: bytes, message: KafkaMessage) -> None:
        try:
            event = topic.payload.validate_json(body)
        except ValidationError:
            raw = message.raw_message
            await dead_letter(body, None if isinstance(raw, tuple) else raw.key)
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


#: Records handed to a batch handler at most; larger batches mean fewer round trips per event.
BATCH_MAX_RECORDS = 2000
#: How long a batch consumer waits for more records before handling what it has.
BATCH_TIMEOUT_MS = 200


def record_context(headers: Sequence[tuple[str, bytes]]) -> Context:
    """The trace context a producer put in a record's headers (W3C traceparent)."""
    carrier = {key: value.decode("latin-1") for key, value in headers}
    return propagate.extract(carrier)


@contextlib.contextmanager
def batch_spans(tracer: trace.Tracer, name: str, contexts: Sequence[Context]) -> Iterator[None]:
    """One consumer span per record, in the record's own trace, and the handling under them.

    A single record is handled inside its own span, exactly as without batching. A larger
    batch is handled inside one `process batch` span that links to every record's span, and
    each record's span links back to it: every check-in's trace still shows its consumer, and
    the shared writes are one click away.
    """
    spans = [
        tracer.start_span(f"{name} process", context=ctx, kind=SpanKind.CONSUMER)
        for ctx in contexts
    ]
    try:
        if len(spans) == 1:
            # No record_exception: an exception's message may quote a stored document
            # (a BulkWriteError holds names and addresses); only its type goes to the backend.
            with trace.use_span(spans[0], record_exception=False, set_status_on_exception=False):
                yield
            return
        with tracer.start_as_current_span(
            f"{name} process batch",
            kind=SpanKind.CONSUMER,
            links=[Link(span.get_span_context()) for span in spans],
            attributes={"messaging.batch.message_count": len(spans)},
            record_exception=False,
            set_status_on_exception=False,
        ) as batch:
            for span in spans:
                span.add_link(batch.get_span_context())
            try:
                yield
            except BaseException as exc:
                _mark_failed(batch, exc)
                raise
    except BaseException as exc:
        for span in spans:
            _mark_failed(span, exc)
        raise
    finally:
        for span in spans:
            span.end()


def _mark_failed(span: Span, exc: BaseException) -> None:
    """ERROR with the exception's type only: its message may carry personal data."""
    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))


async def consume_batch(
    records: Sequence[ConsumerRecord[Any, Any]],
    topic: Topic,
    handle: Callable[[Sequence[Any]], Awaitable[None]],
    dead_letter: DeadLetter,
    spans: Callable[[Sequence[Context]], contextlib.AbstractContextManager[None]],
) -> None:
    """Hand the valid events of one polled batch to `handle`, then dead-letter the invalid.

    Dead letters are sent only after `handle` succeeded: a failed batch is redelivered whole,
    and sending its invalid records first would send them again on every retry.
    """
    events: list[Any] = []
    contexts: list[Context] = []
    invalid: list[tuple[bytes, bytes | None]] = []
    for record in records:
        body = record.value or b""
        try:
            events.append(topic.payload.validate_json(body))
        except ValidationError:
            invalid.append((body, record.key))
            continue
        contexts.append(record_context(record.headers))
    if events:
        with spans(contexts):
            await handle(events)
    for body, key in invalid:
        await dead_letter(body, key)


def subscribe_batch(
    parts: ServiceParts,
    topic: Topic,
    handle: Callable[[Sequence[Any]], Awaitable[None]],
    *,
    max_records: int = BATCH_MAX_RECORDS,
    batch_timeout_ms: int = BATCH_TIMEOUT_MS,
) -> None:
    """Route the events of `topic` to `handle` in batches, committed after `handle` succeeds.

    At-least-once as `subscribe`: a failed batch is rewound to its first record of each
    partition and handled again, so `handle` must be idempotent. Events keep their order within
    a partition (one shelter's events are in one partition).
    """
    parts.topics.append(topic)
    name = topic.name(parts.settings.kafka_topic_namespace)
    tracer = trace.get_tracer(__name__, tracer_provider=parts.telemetry.tracer_provider)
    dead_letter = _dead_letter_sender(parts, name)

    def spans(contexts: Sequence[Context]) -> contextlib.AbstractContextManager[None]:
        return batch_spans(tracer, name, contexts)

    @_subscriber(
        parts,
        name,
        batch=True,
        max_records=max_records,
        batch_timeout_ms=batch_timeout_ms,
        # aiokafka fetches 1 MiB per partition by default: ~1,500 events, whatever max_records
        # says; a consumer that asks for larger batches gets the bytes to fill them.
        max_partition_fetch_bytes=min(8 << 20, max(1 << 20, max_records * 512)),
    )
    async def consume(bodies: list[bytes], message: KafkaMessage) -> None:
        raw = message.raw_message
        records: Sequence[ConsumerRecord[Any, Any]] = raw if isinstance(raw, tuple) else (raw,)
        try:
            await consume_batch(records, topic, handle, dead_letter, spans)
        except Exception:
            log.exception(
                "batch handling failed; will be redelivered",
                extra={"topic": name, "count": len(records)},
            )
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            raise
