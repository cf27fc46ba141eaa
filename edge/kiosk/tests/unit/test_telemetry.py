"""Traces of the kiosk: card read, queue write and forward share one trace, and the Kafka
record carries it (W3C traceparent) so registration's consumer continues it; no personal data
in any span attribute (README "One trace per request"; S10.8 no personal data in logs)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shelter_contracts.kiosk import CardPurpose
from shelter_kiosk.adapters.auth import StaticTokens
from shelter_kiosk.adapters.forwarder import Forwarder
from shelter_kiosk.service_layer.handlers import KioskDeps, take_card_read
from shelter_kiosk.service_layer.ports import CardChannel
from shelter_kiosk.service_layer.reading import Secret, SecretKind
from shelter_kiosk.simulator.cards import MyNumberCard

T = TypeVar("T")
PERSONAL = ("黒桐", "幹也", "東京都", "1980", "1234")


class CardOnReader:
    def __init__(self) -> None:
        self.card = MyNumberCard(pin="1234")

    def with_card(self, session: Callable[[CardChannel], T]) -> T:
        card = self.card

        class Channel:
            def transmit(self, apdu: bytes) -> tuple[bytes, int, int]:
                answer = card.respond(apdu)
                return answer[:-2], answer[-2], answer[-1]

        return session(Channel())


class ListQueue:
    def __init__(self) -> None:
        self.rows: list[tuple[int, bytes]] = []

    def append(self, make_payload: Callable[[int], bytes]) -> int:
        seq = len(self.rows) + 1
        self.rows.append((seq, make_payload(seq)))
        return seq

    def oldest(self, limit: int = 100) -> list[tuple[int, bytes]]:
        return self.rows[:limit]

    def delete(self, seq: int) -> None:
        self.rows = [row for row in self.rows if row[0] != seq]


class Clock:
    def now(self) -> datetime:
        return datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class RecordingProducer:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    async def send_and_wait(self, topic: str, value: bytes, **kwargs: Any) -> None:
        self.sent.append({"topic": topic, "value": value, **kwargs})

    async def stop(self) -> None:
        return None


async def test_read_queue_and_forward_are_one_trace_carried_by_the_record() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    queue = ListQueue()
    deps = KioskDeps(
        reader=CardOnReader(), queue=queue, clock=Clock(), shelter_id="13101-0001",
        kiosk_id="kiosk-1", tracer=tracer,
    )  # fmt: skip
    with tracer.start_as_current_span("POST /api/card-reads"):
        take_card_read(CardPurpose.CHECK_IN, Secret(SecretKind.PIN, "1234"), deps)

    forwarder = Forwarder(
        queue,  # type: ignore[arg-type]  # the two methods the forwarder uses
        StaticTokens("token"), bootstrap_servers="unused:1", topic="t.card-reads", tracer=tracer,
    )  # fmt: skip
    producer = RecordingProducer()
    forwarder._producer = producer  # an acknowledged write without a broker
    assert await forwarder.deliver_pending() == 1
    assert queue.rows == []

    spans = {span.name: span for span in exporter.get_finished_spans()}
    read, write, publish = (
        spans["kiosk card read"], spans["kiosk queue write"], spans["t.card-reads publish"]
    )  # fmt: skip
    trace_id = spans["POST /api/card-reads"].context.trace_id
    assert {read.context.trace_id, write.context.trace_id, publish.context.trace_id} == {trace_id}
    assert read.attributes is not None and read.attributes["kiosk.card"] == "my_number"

    [record] = producer.sent
    headers = dict(record["headers"])
    assert f"{trace_id:032x}" in headers["traceparent"].decode()
    assert f"{publish.context.span_id:016x}" in headers["traceparent"].decode()
    assert "trace" not in json.loads(record["value"])  # the queue's own field is not sent

    for span in (read, write, publish):
        values = " ".join(str(v) for v in (span.attributes or {}).values())
        assert not any(word in values for word in PERSONAL), (span.name, values)
