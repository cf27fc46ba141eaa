"""The statistics service in-process: real events on Kafka in, counts out of its HTTP API.

Each test has its own topic namespace, consumer group and database. Messages of one partition
are consumed in order, so once a later event of that partition is visible, every event
published before it there has been consumed (keys put a shelter's events on one partition).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker
from starlette.types import ASGIApp

from shelter_contracts.events import (
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    EvacueeCorrected,
    Event,
    OccupancyChanged,
    ShelterDeleted,
    ShelterEventBase,
    ShelterOpened,
)
from shelter_contracts.personal import Sex
from shelter_contracts.topics import EVACUEE_CORRECTIONS, EVACUEE_STAYS, OCCUPANCY, SHELTERS, Topic
from shelter_testing import Stack, eventually

from ..conftest import SseStream

CheckIn = Callable[..., EvacueeCheckedIn]
CheckOut = Callable[..., EvacueeCheckedOut]
ShelterEvent = Callable[..., ShelterEventBase]

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


def counted(body: dict[str, Any]) -> tuple[int, int, int, int | None, float | None]:
    """checked in, checked out, present, capacity, occupancy rate."""
    return (
        body["checked_in"],
        body["checked_out"],
        body["present"],
        body["capacity"],
        body["occupancy_rate"],
    )


async def test_counts_follow_stays_ignore_training_and_replays(
    stats_api: httpx.AsyncClient,
    kafka_producer: KafkaBroker,
    namespace: str,
    shelter_id: str,
    check_in: CheckIn,
    check_out: CheckOut,
    shelter_event: ShelterEvent,
) -> None:
    await publish(kafka_producer, namespace, SHELTERS, shelter_event(shelter_id, capacity=4))
    drill = check_in(shelter_id, minute=0, training=True)
    first = check_in(shelter_id, minute=1, household="yamada", age_band=40, sex=Sex.MALE)
    second = check_in(shelter_id, minute=2, household="yamada", age_band=10, sex=Sex.FEMALE)
    # The training check-in goes first: once `second` is counted, it has been consumed too.
    for arrival in (drill, first, second):
        await publish(kafka_producer, namespace, EVACUEE_STAYS, arrival)

    body = await counts_once(stats_api, shelter_id, lambda c: c["checked_in"] == 2)
    assert counted(body) == (2, 0, 2, 4, 0.5)
    assert (body["households"], body["male"], body["female"], body["crowding_level"]) == (
        1,
        1,
        1,
        "moderate",
    )
    assert (body["age_bands"]["10"], body["age_bands"]["40"]) == (1, 1)

    drill_out = check_out(shelter_id, drill.stay_id, minute=30)
    first_out = check_out(shelter_id, first.stay_id, minute=31)
    for departure in (drill_out, first_out):
        await publish(kafka_producer, namespace, EVACUEE_STAYS, departure)
    body = await counts_once(stats_api, shelter_id, lambda c: c["checked_out"] >= 1)
    assert counted(body) == (2, 1, 1, 4, 0.25)

    # Replays of everything, a second (staff) check-out of the same stay, then a sentinel
    # check-in on the same partition: once it is counted, the replays have been consumed.
    forced_again = check_out(shelter_id, first.stay_id, minute=90, forced=True)
    replays: list[Event] = [first, second, drill, first_out, first_out, drill_out, forced_again]
    for replay in replays:
        await publish(kafka_producer, namespace, EVACUEE_STAYS, replay)
    await publish(kafka_producer, namespace, EVACUEE_STAYS, check_in(shelter_id, minute=95))

    body = await counts_once(stats_api, shelter_id, lambda c: c["checked_in"] >= 3)
    assert counted(body) == (3, 1, 2, 4, 0.5)
    assert sum(body["age_bands"].values()) == body["present"]


async def test_the_highest_version_of_a_shelter_wins_whatever_the_arrival_order(
    stats_api: httpx.AsyncClient,
    kafka_producer: KafkaBroker,
    namespace: str,
    shelter_id: str,
    check_in: CheckIn,
    shelter_event: ShelterEvent,
) -> None:
    await publish(kafka_producer, namespace, EVACUEE_STAYS, check_in(shelter_id))
    newer = shelter_event(shelter_id, capacity=10, version=3, kind=ShelterOpened, is_open=True)
    older = shelter_event(shelter_id, capacity=400, version=2, minute=60)
    # A sentinel of another shelter after them, forced onto the same partition.
    sentinel = shelter_event(f"{shelter_id}-s", capacity=7)
    for event in (newer, older, sentinel):
        await publish(kafka_producer, namespace, SHELTERS, event, partition=0)

    await counts_once(stats_api, f"{shelter_id}-s", lambda c: c["capacity"] == 7)
    body = await counts_once(stats_api, shelter_id, lambda c: c["checked_in"] == 1)
    assert counted(body) == (1, 0, 1, 10, 0.1)
    assert (body["is_open"], body["crowding_level"]) == (True, "vacant")


async def test_the_list_and_the_totals_follow_the_shelters_and_drop_deleted_ones(
    stats_api: httpx.AsyncClient,
    kafka_producer: KafkaBroker,
    namespace: str,
    shelter_id: str,
    check_in: CheckIn,
    shelter_event: ShelterEvent,
) -> None:
    open_one, closed_one, deleted_one = (f"{shelter_id}-{n}" for n in ("a", "b", "c"))
    for event in (
        shelter_event(open_one, capacity=100, kind=ShelterOpened, is_open=True),
        shelter_event(closed_one, capacity=50),
        shelter_event(deleted_one, capacity=70, kind=ShelterOpened, is_open=True),
        shelter_event(deleted_one, capacity=70, version=2, kind=ShelterDeleted, deleted=True),
    ):
        await publish(kafka_producer, namespace, SHELTERS, event, partition=0)
    for arrival in (
        check_in(open_one, household="a"),
        check_in(open_one, household="a"),
        check_in(closed_one, household="b"),
        check_in(deleted_one, household="c"),
    ):
        await publish(kafka_producer, namespace, EVACUEE_STAYS, arrival, partition=0)

    async def totals() -> Any:
        return (await stats_api.get("/totals")).json()

    body = await eventually(totals, lambda t: t["present"] == 3, within=CONSUMED_WITHIN)
    assert (body["shelters"], body["shelters_open"], body["capacity_open"]) == (2, 1, 100)
    assert (body["households"], body["female"]) == (2, 3)
    page = (await stats_api.get("/shelters", params={"limit": 10})).json()
    assert [s["shelter_id"] for s in page["items"]] == [open_one, closed_one]
    assert (await stats_api.get(f"/shelters/{deleted_one}")).status_code == 404


async def test_occupancy_is_published_coalesced_and_ends_with_the_latest_state(
    stats_api: httpx.AsyncClient,
    stack: Stack,
    kafka_producer: KafkaBroker,
    namespace: str,
    shelter_id: str,
    check_in: CheckIn,
    shelter_event: ShelterEvent,
) -> None:
    await publish(
        kafka_producer,
        namespace,
        SHELTERS,
        shelter_event(shelter_id, capacity=20, kind=ShelterOpened, is_open=True),
    )
    burst = 20
    for n in range(burst):
        await publish(kafka_producer, namespace, EVACUEE_STAYS, check_in(shelter_id, minute=n))

    consumer = AIOKafkaConsumer(
        OCCUPANCY.name(namespace),
        bootstrap_servers=stack.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    received: list[OccupancyChanged] = []
    try:

        async def poll() -> list[OccupancyChanged]:
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                received.extend(OccupancyChanged.model_validate_json(r.value) for r in records)
            return received

        await eventually(poll, lambda r: bool(r) and r[-1].present == burst, within=CONSUMED_WITHIN)
    finally:
        await consumer.stop()

    mine = [e for e in received if e.shelter_id == shelter_id]
    assert mine[-1].present == burst
    assert (mine[-1].crowding_level, mine[-1].is_open, mine[-1].producer) == ("full", True, "stats")
    assert len(mine) < burst  # coalesced: not one per check-in
    presents = [e.present for e in mine]
    assert presents == sorted(presents)
    gaps = [(b.counted_at - a.counted_at).total_seconds() for a, b in itertools.pairwise(mine)]
    assert all(gap >= 0.45 for gap in gaps), gaps  # the interval is 0.5 s in these tests


async def test_a_browser_stream_receives_the_counts_as_they_change(
    stats_app: ASGIApp,
    kafka_producer: KafkaBroker,
    namespace: str,
    shelter_id: str,
    check_in: CheckIn,
) -> None:
    async with SseStream(stats_app, f"/shelters/{shelter_id}/events") as stream:
        first = await stream.event()
        assert stream.data(first)["present"] == 0
        await publish(kafka_producer, namespace, EVACUEE_STAYS, check_in(shelter_id))
        change = await stream.event(within=CONSUMED_WITHIN)
        assert stream.data(change)["present"] == 1
        assert int(change["id"]) > int(first["id"])


async def test_unknown_shelter_has_zero_counts_and_bad_ids_are_refused(
    stats_api: httpx.AsyncClient,
) -> None:
    unknown = await stats_api.get("/shelters/13101-unknown")
    assert unknown.status_code == 200
    assert counted(unknown.json()) == (0, 0, 0, None, None)
    refused = await stats_api.get("/shelters/-leading-dash")
    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"


async def test_a_correction_from_the_roster_moves_the_stay_to_its_new_sex_and_age_band(
    stats_api: httpx.AsyncClient,
    kafka_producer: KafkaBroker,
    namespace: str,
    shelter_id: str,
    check_in: CheckIn,
) -> None:
    """S11.1: staff correct sex and birth date; the highest revision counts, in any order."""
    arrival = check_in(shelter_id, minute=1, age_band=40, sex=Sex.MALE)

    def corrected(revision: int, age_band: int, sex: Sex) -> EvacueeCorrected:
        return EvacueeCorrected(
            occurred_at=arrival.occurred_at,
            shelter_id=shelter_id,
            producer="roster",
            stay_id=arrival.stay_id,
            revision=revision,
            age_band=age_band,
            sex=sex,
            corrected_at=arrival.occurred_at,
        )

    second, first = corrected(2, 70, Sex.FEMALE), corrected(1, 30, Sex.OTHER)
    # The corrections arrive first, the later revision before the earlier one, and twice.
    for event in (second, first, second):
        await publish(kafka_producer, namespace, EVACUEE_CORRECTIONS, event)
    await publish(kafka_producer, namespace, EVACUEE_STAYS, arrival)

    body = await counts_once(stats_api, shelter_id, lambda c: c["checked_in"] == 1)
    body = await counts_once(stats_api, shelter_id, lambda c: c["female"] == 1)
    assert (body["present"], body["male"], body["female"], body["other"]) == (1, 0, 1, 0)
    assert body["age_bands"]["70"] == 1
    assert sum(body["age_bands"].values()) == 1
