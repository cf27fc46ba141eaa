"""An outbox entry holds everything the relay needs, the request's trace context included."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from uuid import UUID

from opentelemetry.sdk.trace import TracerProvider

from shelter_contracts.events import Channel, EvacueeCheckedOut, ShelterFacts, ShelterRegistered
from shelter_contracts.topics import EVACUEE_STAYS, SHELTERS
from shelter_runtime.outbox import outbox_entries

NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


def _shelter(shelter_id: str = "13101-0001") -> ShelterRegistered:
    return ShelterRegistered(
        occurred_at=NOW,
        shelter_id=shelter_id,
        producer="registration",
        version=1,
        shelter=ShelterFacts(name="千代田小学校", capacity=200),
    )


def test_an_entry_carries_topic_key_and_event_json() -> None:
    event = _shelter()

    [entry] = outbox_entries(SHELTERS, "t0123", [event])

    assert entry["event_id"] == str(event.event_id)
    assert entry["topic"] == "t0123.shelter.shelters.v1"
    assert entry["key"] == "13101-0001"
    assert entry["payload"] == json.loads(event.model_dump_json())
    assert SHELTERS.payload.validate_python(entry["payload"]) == event
    json.dumps(entry)  # plain JSON types only: the document stores as is


def test_without_a_namespace_the_base_topic_name_is_used() -> None:
    [entry] = outbox_entries(SHELTERS, "", [_shelter()])
    assert entry["topic"] == "shelter.shelters.v1"


def test_one_entry_per_event_in_order_keyed_by_each_shelter() -> None:
    events = [_shelter("13101-0001"), _shelter("13101-0002"), _shelter("13102-0001")]
    entries = outbox_entries(SHELTERS, "ns", events)
    assert [e["event_id"] for e in entries] == [str(event.event_id) for event in events]
    assert [e["key"] for e in entries] == ["13101-0001", "13101-0002", "13102-0001"]


def test_the_entries_carry_the_trace_context_of_the_active_span() -> None:
    stay = EvacueeCheckedOut(
        occurred_at=NOW,
        shelter_id="13101-0001",
        producer="registration",
        stay_id=UUID("6f1c1a3e-58f4-4f2f-9a55-0c1e6c7c3b11"),
        channel=Channel.SMARTPHONE,
        checked_out_at=NOW,
    )
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("POST /check-outs") as span:
        entries = outbox_entries(EVACUEE_STAYS, "ns", [stay, _shelter()])
        context = span.get_span_context()

    flags = int(context.trace_flags)
    assert flags & 0x01, "sampled"
    expected = f"00-{context.trace_id:032x}-{context.span_id:016x}-{flags:02x}"
    assert [entry["trace"]["traceparent"] for entry in entries] == [expected, expected]
    assert entries[0]["topic"] == "ns.shelter.evacuee-stays.v1"
    assert EVACUEE_STAYS.payload.validate_python(entries[0]["payload"]) == stay


def test_without_an_active_span_no_trace_context_is_stored() -> None:
    [entry] = outbox_entries(SHELTERS, "ns", [_shelter()])
    assert "traceparent" not in entry["trace"]
