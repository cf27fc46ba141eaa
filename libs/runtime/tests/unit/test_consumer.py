"""shelter_runtime.consumer without Kafka."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import pytest
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from shelter_contracts.events import AuditRecorded
from shelter_contracts.topics import AUDIT
from shelter_runtime.consumer import (
    batch_spans,
    consume_batch,
    dead_letter_topic,
    record_context,
)


def test_dead_letters_go_to_a_topic_next_to_the_source() -> None:
    assert dead_letter_topic("ns.shelter.evacuee-stays.v1") == "ns.shelter.evacuee-stays.v1.dlq"


def _tracer() -> tuple[trace.Tracer, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider.get_tracer("test"), exporter


def _producer_context(tracer: trace.Tracer) -> tuple[Context, int]:
    with tracer.start_as_current_span("publish", kind=SpanKind.PRODUCER) as span:
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
    headers = [(key, value.encode()) for key, value in carrier.items()]
    return record_context(headers), span.get_span_context().trace_id


def test_a_single_record_is_handled_inside_its_own_trace() -> None:
    tracer, exporter = _tracer()
    context, trace_id = _producer_context(tracer)
    with batch_spans(tracer, "stays", [context]), tracer.start_as_current_span("write"):
        pass
    spans = {s.name: s for s in exporter.get_finished_spans()}
    assert spans["stays process"].context.trace_id == trace_id
    assert spans["stays process"].kind is SpanKind.CONSUMER
    assert spans["write"].context.trace_id == trace_id
    assert spans["write"].parent is not None
    assert spans["write"].parent.span_id == spans["stays process"].context.span_id


def test_each_record_of_a_batch_keeps_its_trace_and_links_the_shared_writes() -> None:
    tracer, exporter = _tracer()
    produced = [_producer_context(tracer) for _ in range(3)]
    contexts = [context for context, _ in produced]
    with batch_spans(tracer, "stays", contexts), tracer.start_as_current_span("write"):
        pass
    finished = exporter.get_finished_spans()
    per_record = [s for s in finished if s.name == "stays process"]
    batch = next(s for s in finished if s.name == "stays process batch")
    write = next(s for s in finished if s.name == "write")
    assert sorted(s.context.trace_id for s in per_record) == sorted(t for _, t in produced)
    assert {link.context.span_id for link in batch.links} == {s.context.span_id for s in per_record}
    for span in per_record:
        assert [link.context.span_id for link in span.links] == [batch.context.span_id]
    assert write.parent is not None and write.parent.span_id == batch.context.span_id
    assert batch.attributes is not None
    assert batch.attributes["messaging.batch.message_count"] == 3


def test_a_failed_batch_marks_its_spans_and_still_ends_them() -> None:
    tracer, exporter = _tracer()
    context, _ = _producer_context(tracer)
    with pytest.raises(RuntimeError), batch_spans(tracer, "stays", [context]):
        raise RuntimeError("database down")
    span = next(s for s in exporter.get_finished_spans() if s.name == "stays process")
    assert span.status.status_code is StatusCode.ERROR


def test_a_failed_handlers_spans_carry_no_exception_message() -> None:
    """A BulkWriteError's message quotes the document (names, addresses): type only."""
    tracer, exporter = _tracer()
    contexts = [_producer_context(tracer)[0] for _ in range(2)]
    for batch in ([contexts[0]], contexts):
        with pytest.raises(ValueError, match="E11000"), batch_spans(tracer, "stays", batch):
            raise ValueError("E11000 duplicate key: {name: '山田 花子', address: '港区1-2'}")
    consumer_spans = [s for s in exporter.get_finished_spans() if s.name.startswith("stays")]
    assert len(consumer_spans) == 4  # 1 single + 2 records and their batch span
    for span in consumer_spans:
        assert span.status.status_code is StatusCode.ERROR
        assert span.status.description == "ValueError"
        assert span.events == ()  # no "exception" event with its message
        assert "山田" not in repr(span.to_json())


class _Record:
    def __init__(self, value: bytes, key: bytes) -> None:
        self.value, self.key = value, key
        self.headers: list[tuple[str, bytes]] = []


async def test_a_batch_dead_letters_its_invalid_records_once_after_the_handler_succeeded() -> None:
    stamp = "2026-11-25T09:30:00+00:00"
    good = AuditRecorded(occurred_at=datetime.fromisoformat(stamp), producer="p", action="a.b")
    records = [_Record(good.model_dump_json().encode(), b"k1"), _Record(b"{not json", b"k2")]
    handled: list[list[Any]] = []
    dead: list[tuple[bytes, bytes | None]] = []
    fail = [True]

    async def handle(events: Sequence[Any]) -> None:
        if fail[0]:
            raise RuntimeError("database down")
        handled.append(list(events))

    async def dead_letter(body: bytes, key: bytes | None) -> None:
        dead.append((body, key))

    tracer, _ = _tracer()

    def spans(contexts: Sequence[Context]) -> AbstractContextManager[None]:
        return batch_spans(tracer, "audit", contexts)

    for _ in range(2):  # the batch fails and is redelivered: nothing dead-lettered yet
        with pytest.raises(RuntimeError):
            await consume_batch(records, AUDIT, handle, dead_letter, spans)
    assert dead == [] and handled == []
    fail[0] = False
    await consume_batch(records, AUDIT, handle, dead_letter, spans)
    assert [[e.event_id for e in batch] for batch in handled] == [[good.event_id]]
    assert dead == [(b"{not json", b"k2")]


async def test_a_batch_of_only_invalid_records_is_dead_lettered_without_calling_the_handler() -> (
    None
):
    dead: list[tuple[bytes, bytes | None]] = []

    async def handle(events: Sequence[Any]) -> None:
        raise AssertionError("not called")

    async def dead_letter(body: bytes, key: bytes | None) -> None:
        dead.append((body, key))

    tracer, _ = _tracer()
    await consume_batch(
        [_Record(b"[]", b"k")],
        AUDIT,
        handle,
        dead_letter,
        lambda contexts: batch_spans(tracer, "audit", contexts),
    )
    assert dead == [(b"[]", b"k")]
