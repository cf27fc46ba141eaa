"""The statistics handlers: what they hand to the port, and their effect on the in-memory store.

The fake is tied to the Mongo adapter by tests/integration/test_repository_contract.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple, Protocol
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from shelter_contracts.events import EvacueeCheckedIn, EvacueeCheckedOut, ShelterRegistered
from shelter_stats.domain.model import ShelterCounts
from shelter_stats.service_layer.handlers import apply_shelter_event, apply_stay_event
from shelter_stats.service_layer.ports import Statistics

CheckIn = Callable[..., EvacueeCheckedIn]
CheckOut = Callable[..., EvacueeCheckedOut]
Registered = Callable[..., ShelterRegistered]
SHELTER = "13101-0001"


class StatsStore(Statistics, Protocol):
    async def counts(self, shelter_id: str) -> ShelterCounts: ...


class RecordingStatistics:
    """Captures what the handlers hand to the port."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[object, ...]]] = []

    async def record_check_in(
        self, stay_id: UUID, shelter_id: str, age_band: int, training: bool, at: datetime
    ) -> bool:
        self.calls.append(("check_in", (stay_id, shelter_id, age_band, training, at)))
        return True

    async def record_check_out(self, stay_id: UUID, shelter_id: str, at: datetime) -> bool:
        self.calls.append(("check_out", (stay_id, shelter_id, at)))
        return True

    async def record_shelter(self, shelter_id: str, capacity: int, as_of: datetime) -> bool:
        self.calls.append(("shelter", (shelter_id, capacity, as_of)))
        return True


async def test_check_in_hands_stay_age_band_training_and_time_to_the_port(
    check_in: CheckIn,
) -> None:
    event = check_in(SHELTER, minute=7, training=True)
    port = RecordingStatistics()

    assert await apply_stay_event(event, port) is True

    assert port.calls == [
        ("check_in", (event.stay_id, SHELTER, event.age_band, True, event.checked_in_at))
    ]


async def test_check_out_hands_stay_and_time_to_the_port(check_out: CheckOut) -> None:
    event = check_out(SHELTER, uuid.uuid4(), minute=42)
    port = RecordingStatistics()

    await apply_stay_event(event, port)

    assert port.calls == [("check_out", (event.stay_id, SHELTER, event.checked_out_at))]


async def test_shelter_event_hands_capacity_as_of_its_time_to_the_port(
    shelter_registered: Registered,
) -> None:
    event = shelter_registered(SHELTER, capacity=120, minute=3)
    port = RecordingStatistics()

    await apply_shelter_event(event, port)

    assert port.calls == [("shelter", (SHELTER, 120, event.occurred_at))]


async def test_replayed_check_in_and_check_out_count_once(
    fake_stats: StatsStore, check_in: CheckIn, check_out: CheckOut
) -> None:
    arrival = check_in(SHELTER)
    departure = check_out(SHELTER, arrival.stay_id)

    applied = [
        await apply_stay_event(e, fake_stats) for e in (arrival, arrival, departure, departure)
    ]

    assert applied == [True, False, True, False]
    assert await fake_stats.counts(SHELTER) == ShelterCounts(SHELTER, None, 1, 1)


async def test_older_shelter_event_does_not_overwrite_capacity(
    fake_stats: StatsStore, shelter_registered: Registered, check_in: CheckIn
) -> None:
    newer = shelter_registered(SHELTER, capacity=10, minute=20)
    older = shelter_registered(SHELTER, capacity=400, minute=10)
    await apply_stay_event(check_in(SHELTER), fake_stats)

    assert await apply_shelter_event(newer, fake_stats) is True
    assert await apply_shelter_event(older, fake_stats) is False

    result = await fake_stats.counts(SHELTER)
    assert (result.capacity, result.occupancy_rate) == (10, 0.1)


# --- replays and reordering: a property --------------------------------------------------------


class StayPlan(NamedTuple):
    """What happens to one stay: maybe a check-in, and zero to two distinct check-outs."""

    checked_in: bool
    training: bool
    check_outs: int


stay_plans = st.lists(
    st.builds(StayPlan, st.booleans(), st.booleans(), st.integers(min_value=0, max_value=2)),
    min_size=1,
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(plans=stay_plans, data=st.data())
async def test_replays_in_any_order_count_like_each_event_once_in_order(
    plans: list[StayPlan],
    data: st.DataObject,
    check_in: CheckIn,
    check_out: CheckOut,
    new_fake_stats: Callable[[], StatsStore],
) -> None:
    distinct: list[EvacueeCheckedIn | EvacueeCheckedOut] = []
    for n, plan in enumerate(plans):
        stay_id = UUID(int=n + 1)
        if plan.checked_in:
            distinct.append(check_in(SHELTER, stay_id=stay_id, minute=n, training=plan.training))
        distinct += [
            check_out(SHELTER, stay_id, minute=60 + 10 * k + n, forced=k > 0)
            for k in range(plan.check_outs)
        ]
    replays = data.draw(st.lists(st.sampled_from(distinct), max_size=12)) if distinct else []
    deliveries = data.draw(st.permutations([*distinct, *replays]), label="deliveries")

    in_order = new_fake_stats()
    for event in distinct:
        await apply_stay_event(event, in_order)
    shuffled = new_fake_stats()
    applied = 0
    for event in deliveries:
        applied += await apply_stay_event(event, shuffled)
        now = await shuffled.counts(SHELTER)
        assert now.present == now.checked_in - now.checked_out
        assert now.checked_in >= 0
        assert now.checked_out >= 0
        assert now.present >= 0

    final = await shuffled.counts(SHELTER)
    assert final == await in_order.counts(SHELTER)
    # The same, from the plan alone: real stays checked in, and those of them checked out.
    real = [p for p in plans if p.checked_in and not p.training]
    assert (final.checked_in, final.checked_out) == (len(real), sum(p.check_outs > 0 for p in real))
    # Each fact (a stay's check-in, a stay's check-out) was applied exactly once.
    assert applied == sum(p.checked_in for p in plans) + sum(p.check_outs > 0 for p in plans)
