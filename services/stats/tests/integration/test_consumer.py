"""The statistics service in-process: real events on Kafka in, counts out of its HTTP API.

Each test has its own topic namespace, consumer group and database. Messages of one partition
are consumed in order, so once a later event of that partition is visible, every event
published before it there has been consumed (keys put a shelter's events on one partition).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from faststream.kafka import KafkaBroker

from shelter_contracts.events import (
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    Event,
    ShelterRegistered,
)
from shelter_contracts.topics import EVACUEE_STAYS, SHELTERS, Topic
from shelter_testing import eventually

CheckIn = Callable[..., EvacueeCheckedIn]
CheckOut = Callable[..., EvacueeCheckedOut]
Registered = Callable[..., ShelterRegistered]

#: Bounds a failing wait only: the first event also waits for the consumer group to form.
CONSUMED_WITHIN = 60.0


async def publish(
    producer: KafkaBroker,
    namespace: str,
    topic: Topic,
    event: Event,
    *,
    partition: int | None = None,
) -> None:
    """One event, keyed by its shelter id like the registration relay does."""
    await producer.publish(
        event.model_dump_json().encode(),
        topic=topic.name(namespace),
        key=event.shelter_id.encode(),
        partition=partition,
    )


async def counts_once(api: httpx.AsyncClient, shelter_id: str, until: Callable[[Any], bool]) -> Any:
    async def probe() -> Any:
        response = await api.get(f"/shelters/{shelter_id}")
        assert response.status_code == 200, response.text
        return response.json()

    return await eventually(probe, until, within=CONSUMED_WITHIN)


def statistics(
    shelter_id: str,
    *,
    checked_in: int,
    checked_out: int,
    capacity: int | None,
    occupancy_rate: float | None,
) -> dict[str, Any]:
    return {
        "shelter_id": shelter_id,
        "present": checked_in - checked_out,
        "checked_in": checked_in,
        "checked_out": checked_out,
        "capacity": capacity,
        "occupancy_rate": occupancy_rate,
    }


async def test_counts_follow_stays_ignore_training_and_replays(
    stats_api: httpx.AsyncClient,
    kafka_producer: KafkaBroker,
    namespace: str,
    shelter_id: str,
    check_in: CheckIn,
    check_out: CheckOut,
    shelter_registered: Registered,
) -> None:
    await publish(kafka_producer, namespace, SHELTERS, shelter_registered(shelter_id, capacity=4))
    drill = check_in(shelter_id, minute=0, training=True)
    first = check_in(shelter_id, minute=1)
    second = check_in(shelter_id, minute=2)
    # The training check-in goes first: once `second` is counted, it has been consumed too.
    for arrival in (drill, first, second):
        await publish(kafka_producer, namespace, EVACUEE_STAYS, arrival)

    two_in = statistics(shelter_id, checked_in=2, checked_out=0, capacity=4, occupancy_rate=0.5)
    await counts_once(stats_api, shelter_id, lambda c: c == two_in)

    drill_out = check_out(shelter_id, drill.stay_id, minute=30)
    first_out = check_out(shelter_id, first.stay_id, minute=31)
    for departure in (drill_out, first_out):
        await publish(kafka_producer, namespace, EVACUEE_STAYS, departure)
    one_out = statistics(shelter_id, checked_in=2, checked_out=1, capacity=4, occupancy_rate=0.25)
    await counts_once(stats_api, shelter_id, lambda c: c["checked_out"] >= 1)
    assert (await stats_api.get(f"/shelters/{shelter_id}")).json() == one_out

    # Replays of everything, a second (staff) check-out of the same stay, then a sentinel
    # check-in on the same partition: once it is counted, the replays have been consumed.
    forced_again = check_out(shelter_id, first.stay_id, minute=90, forced=True)
    replays: list[Event] = [first, second, drill, first_out, first_out, drill_out, forced_again]
    for replay in replays:
        await publish(kafka_producer, namespace, EVACUEE_STAYS, replay)
    await publish(kafka_producer, namespace, EVACUEE_STAYS, check_in(shelter_id, minute=95))

    await counts_once(stats_api, shelter_id, lambda c: c["checked_in"] >= 3)
    assert (await stats_api.get(f"/shelters/{shelter_id}")).json() == statistics(
        shelter_id, checked_in=3, checked_out=1, capacity=4, occupancy_rate=0.5
    )


async def test_an_older_shelter_registration_arriving_late_keeps_the_newer_capacity(
    stats_api: httpx.AsyncClient,
    kafka_producer: KafkaBroker,
    namespace: str,
    shelter_id: str,
    check_in: CheckIn,
    shelter_registered: Registered,
) -> None:
    await publish(kafka_producer, namespace, EVACUEE_STAYS, check_in(shelter_id))
    newer = shelter_registered(shelter_id, capacity=10, minute=20)
    older = shelter_registered(shelter_id, capacity=400, minute=10)
    # A sentinel of another shelter after them, forced onto the same partition.
    sentinel = shelter_registered(f"{shelter_id}-s", capacity=7, minute=0)
    for event in (newer, older, sentinel):
        await publish(kafka_producer, namespace, SHELTERS, event, partition=0)

    await counts_once(stats_api, f"{shelter_id}-s", lambda c: c["capacity"] == 7)
    await counts_once(stats_api, shelter_id, lambda c: c["checked_in"] == 1)
    assert (await stats_api.get(f"/shelters/{shelter_id}")).json() == statistics(
        shelter_id, checked_in=1, checked_out=0, capacity=10, occupancy_rate=0.1
    )


async def test_unknown_shelter_has_zero_counts_and_bad_ids_are_refused(
    stats_api: httpx.AsyncClient,
) -> None:
    unknown = await stats_api.get("/shelters/13101-unknown")
    assert unknown.status_code == 200
    assert unknown.json() == statistics(
        "13101-unknown", checked_in=0, checked_out=0, capacity=None, occupancy_rate=None
    )
    assert (await stats_api.get("/shelters/-leading-dash")).status_code == 422
