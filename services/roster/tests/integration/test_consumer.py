"""The roster service in-process: real events on Kafka in, the roster out of its HTTP API.

Each test has its own topic namespace, consumer group and database. Events of one shelter share
a partition (the key is the shelter id), so once a later event of that shelter is visible, every
event published before it has been consumed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker

from shelter_contracts.events import EvacueeCheckedIn, EvacueeCheckedOut, Event
from shelter_contracts.topics import EVACUEE_STAYS
from shelter_roster.entrypoints.http import RosterEntryPublic
from shelter_runtime.consumer import dead_letter_topic
from shelter_testing import Stack, eventually

CheckIn = Callable[..., EvacueeCheckedIn]
CheckOut = Callable[..., EvacueeCheckedOut]

#: Bounds a failing wait only: the first event also waits for the consumer group to form.
CONSUMED_WITHIN = 60.0


async def publish(
    producer: KafkaBroker, namespace: str, shelter_id: str, value: Event | bytes
) -> None:
    """One message on the stays topic, keyed by shelter id like the registration relay."""
    await producer.publish(
        value if isinstance(value, bytes) else value.model_dump_json().encode(),
        topic=EVACUEE_STAYS.name(namespace),
        key=shelter_id.encode(),
    )


async def entry_once_present(api: httpx.AsyncClient, stay_id: uuid.UUID) -> Any:
    response = await eventually(
        lambda: api.get(f"/entries/{stay_id}"),
        lambda r: r.status_code == 200,
        within=CONSUMED_WITHIN,
    )
    return response.json()


async def test_check_in_appears_on_the_roster_with_its_facts(
    roster_api: httpx.AsyncClient,
    kafka_producer: KafkaBroker,
    namespace: str,
    shelter_id: str,
    check_in: CheckIn,
) -> None:
    event = check_in(shelter_id)
    await publish(kafka_producer, namespace, shelter_id, event)

    entry = RosterEntryPublic.model_validate(await entry_once_present(roster_api, event.stay_id))

    assert entry == RosterEntryPublic(
        stay_id=event.stay_id,
        shelter_id=shelter_id,
        channel=event.channel,
        personal=event.personal,
        statuses=list(event.statuses),
        message=event.message,
        checked_in_at=event.checked_in_at,
        checked_out_at=None,
        forced_check_out=False,
        training=False,
    )
    listing = (await roster_api.get(f"/shelters/{shelter_id}/entries")).json()
    assert listing == {"items": [entry.model_dump(mode="json")], "limit": 100, "offset": 0}
    # Another shelter's roster does not show it.
    other = (await roster_api.get(f"/shelters/{shelter_id}-x/entries")).json()
    assert other["items"] == []


async def test_replayed_events_change_nothing(
    roster_api: httpx.AsyncClient,
    kafka_producer: KafkaBroker,
    namespace: str,
    shelter_id: str,
    check_in: CheckIn,
    check_out: CheckOut,
) -> None:
    arrival = check_in(shelter_id, minute=0)
    departure = check_out(shelter_id, arrival.stay_id, minute=30)
    await publish(kafka_producer, namespace, shelter_id, arrival)
    await entry_once_present(roster_api, arrival.stay_id)
    await publish(kafka_producer, namespace, shelter_id, departure)
    settled = (
        await eventually(
            lambda: roster_api.get(f"/entries/{arrival.stay_id}"),
            lambda r: r.json()["checked_out_at"] is not None,
            within=CONSUMED_WITHIN,
        )
    ).json()
    assert RosterEntryPublic.model_validate(settled).checked_out_at == departure.checked_out_at

    # Replays: the same check-in, the same check-out twice, and a later staff check-out of the
    # same stay; then a sentinel check-in of the same shelter (same partition, so after them).
    forced_later = check_out(shelter_id, arrival.stay_id, minute=90, forced=True)
    for replay in (arrival, departure, departure, forced_later, arrival):
        await publish(kafka_producer, namespace, shelter_id, replay)
    sentinel = check_in(shelter_id, minute=60, family_name="佐藤")
    await publish(kafka_producer, namespace, shelter_id, sentinel)
    sentinel_entry = await entry_once_present(roster_api, sentinel.stay_id)

    assert (await roster_api.get(f"/entries/{arrival.stay_id}")).json() == settled
    listing = (await roster_api.get(f"/shelters/{shelter_id}/entries")).json()
    assert listing["items"] == [settled, sentinel_entry]


async def test_unknown_stay_and_bad_shelter_id_are_refused(
    roster_api: httpx.AsyncClient,
    kafka_producer: KafkaBroker,
    namespace: str,
    shelter_id: str,
    check_in: CheckIn,
    check_out: CheckOut,
) -> None:
    # A stay known only by its check-out is not a roster entry (yet).
    early_departure = check_out(shelter_id, uuid.uuid4(), minute=5)
    await publish(kafka_producer, namespace, shelter_id, early_departure)
    sentinel = check_in(shelter_id, minute=10)
    await publish(kafka_producer, namespace, shelter_id, sentinel)
    await entry_once_present(roster_api, sentinel.stay_id)

    missing = await roster_api.get(f"/entries/{early_departure.stay_id}")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    bad_id = await roster_api.get("/shelters/not a shelter!/entries")
    assert bad_id.status_code == 422


async def test_a_message_breaking_the_contract_goes_to_the_dead_letter_topic(
    roster_api: httpx.AsyncClient,
    kafka_producer: KafkaBroker,
    stack: Stack,
    namespace: str,
    shelter_id: str,
    check_in: CheckIn,
) -> None:
    garbage = b"\xff\xfe not an event \x00"
    unknown_type = b'{"event_type": "EvacueeTeleported", "shelter_id": "13101-0001"}'
    await publish(kafka_producer, namespace, shelter_id, garbage)
    await publish(kafka_producer, namespace, shelter_id, unknown_type)
    after = check_in(shelter_id)
    await publish(kafka_producer, namespace, shelter_id, after)

    # The partition is not blocked: the next event is applied.
    await entry_once_present(roster_api, after.stay_id)

    dlq = AIOKafkaConsumer(
        dead_letter_topic(EVACUEE_STAYS.name(namespace)),
        bootstrap_servers=stack.kafka_bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await dlq.start()
    try:
        received: list[tuple[bytes, bytes]] = []

        async def drain() -> list[tuple[bytes, bytes]]:
            batches = await dlq.getmany(timeout_ms=500)
            received.extend((m.key, m.value) for records in batches.values() for m in records)
            return received

        await eventually(drain, lambda got: len(got) >= 2, within=CONSUMED_WITHIN)
        # Nothing else arrives: the valid check-in was not dead-lettered.
        await drain()
    finally:
        await dlq.stop()

    assert received == [(shelter_id.encode(), garbage), (shelter_id.encode(), unknown_type)]
