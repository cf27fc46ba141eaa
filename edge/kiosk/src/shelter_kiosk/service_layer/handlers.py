"""The kiosk's handlers: read a card, queue the read durably, then say done (S6.3-S6.5)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol
from uuid import uuid4

from opentelemetry import propagate, trace

from shelter_contracts.kiosk import CardPurpose, CardRead
from shelter_kiosk.domain.cards import CardError, CardFacts
from shelter_kiosk.service_layer.ports import CardReader, Clock
from shelter_kiosk.service_layer.reading import Secret, read_card

PRODUCER = "kiosk"
#: Where a queued read keeps the trace context of its reading, for the forward (not sent).
TRACE_FIELD = "trace"


class Appender(Protocol):
    """The queue's one method the handler needs."""

    def append(self, make_payload: Callable[[int], bytes]) -> int: ...


@dataclass(frozen=True, slots=True)
class KioskDeps:
    reader: CardReader
    queue: Appender
    clock: Clock
    shelter_id: str
    kiosk_id: str
    on_queued: Callable[[], None] = lambda: None
    tracer: trace.Tracer = field(default_factory=trace.NoOpTracer)


@dataclass(frozen=True, slots=True)
class TakenRead:
    facts: CardFacts
    sequence: int
    event_id: str


def take_card_read(purpose: CardPurpose, secret: Secret, deps: KioskDeps) -> TakenRead:
    """Read the card on the reader and queue the read; blocking (call it in a worker thread).

    Only once the read is committed to the local queue does the caller say done: a network
    outage then delays the check-in, it never loses it.
    """
    attributes = {"kiosk.id": deps.kiosk_id, "shelter.id": deps.shelter_id}
    with deps.tracer.start_as_current_span(
        "kiosk card read", attributes={**attributes, "kiosk.purpose": purpose.value}
    ) as span:
        try:
            facts = deps.reader.with_card(lambda channel: read_card(channel, secret))
        except CardError as exc:
            span.set_attribute("kiosk.card_error", exc.slug)  # a slug, never the card's data
            raise
        span.set_attribute("kiosk.card", facts.card.value)
    now = deps.clock.now()
    event_id = uuid4()

    with deps.tracer.start_as_current_span(
        "kiosk queue write", attributes={**attributes, "event.id": str(event_id)}
    ) as span:
        carrier: dict[str, str] = {}
        propagate.inject(carrier)  # the forward continues this trace onto Kafka

        def payload(seq: int) -> bytes:
            event = CardRead(
                event_id=event_id,
                occurred_at=now,
                shelter_id=deps.shelter_id,
                producer=PRODUCER,
                purpose=purpose,
                card=facts.card,
                face=facts.face,
                kiosk_id=deps.kiosk_id,
                sequence=seq,
                read_at=now,
                access_token="-",  # noqa: S106 (a placeholder: the token is attached at delivery)
            )
            stored = event.model_dump(mode="json", exclude={"access_token"})
            return json.dumps({**stored, TRACE_FIELD: carrier}, ensure_ascii=False).encode()

        sequence = deps.queue.append(payload)
        span.set_attribute("kiosk.queue.sequence", sequence)
    deps.on_queued()
    return TakenRead(facts, sequence, str(event_id))
