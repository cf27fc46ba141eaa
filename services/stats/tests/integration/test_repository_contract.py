"""The statistics repository contract, run against the in-memory fake and the real Mongo adapter.

Every test runs twice (`stats_store` is parametrized): once on `FakeStatistics`, once on
`MongoStatistics` over a fresh FerretDB database. Identical expectations on both prove the fake
used by the unit tests (and its property test) counts like the adapter.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from shelter_contracts.events import EvacueeCheckedIn, EvacueeCheckedOut, ShelterRegistered
from shelter_stats.domain.model import ShelterCounts
from shelter_stats.service_layer.handlers import apply_shelter_event, apply_stay_event
from shelter_stats.service_layer.ports import Statistics

CheckIn = Callable[..., EvacueeCheckedIn]
CheckOut = Callable[..., EvacueeCheckedOut]
Registered = Callable[..., ShelterRegistered]


class StatsStore(Statistics, Protocol):
    """The port plus the read of the HTTP API: what both implementations offer."""

    async def counts(self, shelter_id: str) -> ShelterCounts: ...


def counts(
    shelter_id: str, checked_in: int, checked_out: int, capacity: int | None = None
) -> ShelterCounts:
    return ShelterCounts(
        shelter_id=shelter_id, capacity=capacity, checked_in=checked_in, checked_out=checked_out
    )


async def test_check_in_is_counted_once(
    stats_store: StatsStore, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)

    assert await apply_stay_event(event, stats_store) is True
    assert await apply_stay_event(event, stats_store) is False
    # Another check-in of the same stay (even one claiming training mode) changes nothing.
    assert (
        await apply_stay_event(
            check_in(shelter_id, stay_id=event.stay_id, training=True), stats_store
        )
        is False
    )

    assert await stats_store.counts(shelter_id) == counts(shelter_id, 1, 0)


async def test_check_out_before_check_in_then_check_in_counts_both(
    stats_store: StatsStore, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    arrival = check_in(shelter_id, minute=0)
    departure = check_out(shelter_id, arrival.stay_id, minute=30)

    assert await apply_stay_event(departure, stats_store) is True
    # A check-out without its check-in is not counted: present never goes negative.
    assert await stats_store.counts(shelter_id) == counts(shelter_id, 0, 0)

    assert await apply_stay_event(arrival, stats_store) is True
    assert await stats_store.counts(shelter_id) == counts(shelter_id, 1, 1)


async def test_check_out_is_counted_once(
    stats_store: StatsStore, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    stays = [check_in(shelter_id, minute=m) for m in range(3)]
    for event in stays:
        await apply_stay_event(event, stats_store)
    departure = check_out(shelter_id, stays[0].stay_id, minute=30)

    assert await apply_stay_event(departure, stats_store) is True
    assert await apply_stay_event(departure, stats_store) is False
    forced = check_out(shelter_id, stays[0].stay_id, minute=60, forced=True)
    assert await apply_stay_event(forced, stats_store) is False

    result = await stats_store.counts(shelter_id)
    assert result == counts(shelter_id, 3, 1)
    assert result.present == 2


async def test_training_stays_are_not_counted(
    stats_store: StatsStore, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    drill = check_in(shelter_id, training=True)
    real = check_in(shelter_id, minute=1)
    for event in (drill, real, check_out(shelter_id, drill.stay_id)):
        assert await apply_stay_event(event, stats_store) is True

    assert await stats_store.counts(shelter_id) == counts(shelter_id, 1, 0)


async def test_counts_belong_to_one_shelter(
    stats_store: StatsStore, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    elsewhere = check_in(f"{shelter_id}-x")
    for event in (elsewhere, check_out(f"{shelter_id}-x", elsewhere.stay_id)):
        await apply_stay_event(event, stats_store)
    await apply_stay_event(check_in(shelter_id), stats_store)

    assert await stats_store.counts(shelter_id) == counts(shelter_id, 1, 0)
    assert await stats_store.counts(f"{shelter_id}-x") == counts(f"{shelter_id}-x", 1, 1)
    assert await stats_store.counts("13101-none") == counts("13101-none", 0, 0)


async def test_newest_capacity_wins_whatever_the_arrival_order(
    stats_store: StatsStore, shelter_registered: Registered, shelter_id: str
) -> None:
    first = shelter_registered(shelter_id, capacity=100, minute=0)
    newer = shelter_registered(shelter_id, capacity=150, minute=10)
    older = shelter_registered(shelter_id, capacity=10, minute=5)

    assert await apply_shelter_event(first, stats_store) is True
    assert (await stats_store.counts(shelter_id)).capacity == 100
    assert await apply_shelter_event(newer, stats_store) is True
    assert await apply_shelter_event(older, stats_store) is False
    assert await apply_shelter_event(newer, stats_store) is False
    assert await apply_shelter_event(first, stats_store) is False

    assert await stats_store.counts(shelter_id) == counts(shelter_id, 0, 0, capacity=150)


async def test_capacity_zero_is_kept(
    stats_store: StatsStore, shelter_registered: Registered, shelter_id: str
) -> None:
    await apply_shelter_event(shelter_registered(shelter_id, capacity=30, minute=0), stats_store)
    await apply_shelter_event(shelter_registered(shelter_id, capacity=0, minute=1), stats_store)

    result = await stats_store.counts(shelter_id)
    assert result.capacity == 0
    assert result.occupancy_rate is None


async def test_capacity_and_counts_give_the_occupancy_rate(
    stats_store: StatsStore,
    shelter_registered: Registered,
    check_in: CheckIn,
    check_out: CheckOut,
    shelter_id: str,
) -> None:
    await apply_shelter_event(shelter_registered(shelter_id, capacity=8), stats_store)
    stays = [check_in(shelter_id, minute=m) for m in range(3)]
    for event in stays:
        await apply_stay_event(event, stats_store)
    await apply_stay_event(check_out(shelter_id, stays[1].stay_id), stats_store)

    result = await stats_store.counts(shelter_id)
    assert result == counts(shelter_id, 3, 1, capacity=8)
    assert result.occupancy_rate == 0.25


async def test_shelter_times_are_compared_at_millisecond_precision(
    stats_store: StatsStore, shelter_registered: Registered, shelter_id: str
) -> None:
    # MongoDB keeps milliseconds: two versions within one millisecond are the same version.
    base = shelter_registered(shelter_id, capacity=50)
    same_millisecond = base.model_copy(
        update={
            "event_id": uuid.uuid4(),
            "shelter": base.shelter.model_copy(update={"capacity": 60}),
            "occurred_at": base.occurred_at + timedelta(microseconds=900),
        }
    )
    next_millisecond = base.model_copy(
        update={
            "event_id": uuid.uuid4(),
            "shelter": base.shelter.model_copy(update={"capacity": 70}),
            "occurred_at": base.occurred_at + timedelta(milliseconds=1),
        }
    )

    assert await apply_shelter_event(base, stats_store) is True
    assert await apply_shelter_event(same_millisecond, stats_store) is False
    assert (await stats_store.counts(shelter_id)).capacity == 50
    assert await apply_shelter_event(next_millisecond, stats_store) is True
    assert (await stats_store.counts(shelter_id)).capacity == 70
