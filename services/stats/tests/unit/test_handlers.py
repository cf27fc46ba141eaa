"""The statistics handlers: what they hand to the port, and the counts under any delivery order.

The fake is tied to the Mongo adapter by tests/integration/test_repository_contract.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple, Protocol
from uuid import UUID

from hypothesis import given, settings
from hypothesis import strategies as st

from shelter_contracts.events import (
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    EvacueeCorrected,
    ShelterClosed,
    ShelterDeleted,
    ShelterEventBase,
    ShelterOpened,
    ShelterUpdated,
)
from shelter_contracts.personal import Sex
from shelter_stats.domain.counting import AGE_BANDS
from shelter_stats.domain.model import ShelterProfile, ShelterStatistics
from shelter_stats.service_layer.handlers import (
    apply_correction_events,
    apply_shelter_event,
    apply_shelter_events,
    apply_stay_event,
)
from shelter_stats.service_layer.ports import Statistics
from shelter_stats.service_layer.refresher import StatisticsRefresher
from shelter_testing.events import T0

CheckIn = Callable[..., EvacueeCheckedIn]
CheckOut = Callable[..., EvacueeCheckedOut]
ShelterEvent = Callable[..., ShelterEventBase]
SHELTER = "13101-0001"


class Touched:
    def __init__(self) -> None:
        self.shelters: list[str] = []

    def touch(self, shelter_id: str) -> None:
        self.shelters.append(shelter_id)


class Recording(Statistics, Protocol):
    calls: list[tuple[str, tuple[object, ...]]]


async def test_check_in_hands_the_counted_facts_to_the_port_and_touches_the_shelter(
    check_in: CheckIn, recording_stats: Callable[[], Recording]
) -> None:
    event = check_in(SHELTER, minute=7, training=True, age_band=30, sex=Sex.MALE)
    port, touched = recording_stats(), Touched()

    assert await apply_stay_event(event, port, touched) is True

    assert port.calls == [
        (
            "check_in",
            (event.stay_id, SHELTER, event.checked_in_at, True, 30, "male", event.household_key),
        )
    ]
    assert touched.shelters == [SHELTER]


async def test_a_replay_changes_nothing_but_still_touches_the_shelter(
    check_in: CheckIn, check_out: CheckOut, recording_stats: Callable[[], Recording]
) -> None:
    arrival = check_in(SHELTER)
    departure = check_out(SHELTER, arrival.stay_id, minute=42)
    port, touched = recording_stats(), Touched()

    applied = [await apply_stay_event(e, port, touched) for e in (arrival, departure, departure)]

    assert applied == [True, True, False]
    assert port.calls[-1] == ("check_out", (arrival.stay_id, SHELTER, departure.checked_out_at))
    # A recount lost after the first delivery (a crash) is made up by the replay's touch.
    assert touched.shelters == [SHELTER] * 3


async def test_shelter_event_hands_the_facts_and_version_to_the_port(
    shelter_event: ShelterEvent, recording_stats: Callable[[], Recording]
) -> None:
    event = shelter_event(
        SHELTER, capacity=120, version=4, kind=ShelterOpened, is_open=True, training=True
    )
    port, touched = recording_stats(), Touched()

    assert await apply_shelter_event(event, port, touched) is True

    assert port.calls == [
        (
            "shelter",
            (
                SHELTER,
                ShelterProfile(
                    version=4,
                    name="千代田小学校",
                    capacity=120,
                    address="東京都千代田区一番町1",
                    is_open=True,
                    training=True,
                ),
            ),
        )
    ]
    assert touched.shelters == [SHELTER]


async def test_the_highest_version_wins_not_the_latest_time(
    shelter_event: ShelterEvent, new_fake_stats: Callable[[], Statistics]
) -> None:
    store, touched = new_fake_stats(), Touched()
    newer = shelter_event(SHELTER, capacity=10, version=3, minute=0)
    older = shelter_event(SHELTER, capacity=400, version=2, minute=30)

    assert await apply_shelter_event(newer, store, touched) is True
    assert await apply_shelter_event(older, store, touched) is False

    assert (await store.statistics(SHELTER)).capacity == 10


async def test_a_batch_of_shelter_events_keeps_each_shelters_highest_version(
    shelter_event: ShelterEvent, new_fake_stats: Callable[[], Statistics]
) -> None:
    """S14 facts in a batch (an import and the opening of many shelters arrive together)."""
    store, touched = new_fake_stats(), Touched()
    other = "13101-0002"
    await apply_shelter_event(shelter_event(other, capacity=7, version=5), store, touched)
    batch = [
        shelter_event(SHELTER, capacity=10, version=3, minute=0),
        shelter_event(SHELTER, capacity=400, version=2, minute=30),  # older, later in the batch
        shelter_event(other, capacity=99, version=4),  # older than what is stored
    ]
    applied = await apply_shelter_events(batch, store, touched)
    assert applied == {SHELTER}
    assert (await store.statistics(SHELTER)).capacity == 10
    assert (await store.statistics(other)).capacity == 7
    assert set(touched.shelters) == {SHELTER, other}


# --- any order, duplicates and replays: properties ------------------------------------------


class StayPlan(NamedTuple):
    """One stay: maybe a check-in, zero to two distinct check-outs, and its counted facts."""

    checked_in: bool
    training: bool
    check_outs: int
    household: int
    age_band: int
    sex: Sex


class ShelterPlan(NamedTuple):
    capacity: int
    is_open: bool
    deleted: bool


stay_plans = st.lists(
    st.builds(
        StayPlan,
        st.booleans(),
        st.booleans(),
        st.integers(0, 2),
        st.integers(0, 3),
        st.sampled_from(range(0, 100, 10)),
        st.sampled_from(Sex),
    ),
    min_size=1,
    max_size=6,
)
shelter_plans = st.lists(
    st.builds(ShelterPlan, st.integers(0, 8), st.booleans(), st.booleans()), max_size=3
)
SHELTER_KINDS: Sequence[type[ShelterEventBase]] = (
    ShelterUpdated,
    ShelterOpened,
    ShelterClosed,
    ShelterDeleted,
)

Delivery = EvacueeCheckedIn | EvacueeCheckedOut | ShelterEventBase | EvacueeCorrected


async def deliver(event: Delivery, refresher: StatisticsRefresher, store: Statistics) -> bool:
    if isinstance(event, ShelterEventBase):
        applied = await apply_shelter_event(event, store, refresher)
    elif isinstance(event, EvacueeCorrected):
        await apply_correction_events([event], store, refresher)
        applied = False
    else:
        applied = await apply_stay_event(event, store, refresher)
    await refresher.refresh_dirty()
    return applied


def assert_invariants(statistics: ShelterStatistics) -> None:
    counts = statistics.counts
    assert counts.present == counts.checked_in - counts.checked_out
    assert min(counts.present, counts.checked_in, counts.checked_out, counts.households) >= 0
    assert sum(counts.age_bands.values()) == counts.present
    assert counts.female + counts.male + counts.other == counts.present
    assert counts.households <= counts.present
    assert min(counts.age_bands.values()) >= 0


@settings(max_examples=300, deadline=None)
@given(stays=stay_plans, shelters=shelter_plans, data=st.data())
async def test_any_order_with_replays_counts_like_each_event_once_in_order(
    stays: list[StayPlan],
    shelters: list[ShelterPlan],
    data: st.DataObject,
    check_in: CheckIn,
    check_out: CheckOut,
    shelter_event: ShelterEvent,
    new_fake_stats: Callable[[], Statistics],
) -> None:
    distinct: list[Delivery] = []
    effective: list[StayPlan] = []  # each stay as counted after its corrections
    for n, plan in enumerate(stays):
        stay_id = UUID(int=n + 1)
        if plan.checked_in:
            distinct.append(
                check_in(
                    SHELTER,
                    stay_id=stay_id,
                    minute=n,
                    training=plan.training,
                    household=f"household-{plan.household}",
                    age_band=plan.age_band,
                    sex=plan.sex,
                )
            )
        distinct += [
            check_out(SHELTER, stay_id, minute=60 + 10 * k + n, forced=k > 0)
            for k in range(plan.check_outs)
        ]
        # Staff corrections of sex and birth date (S11.1): the highest revision counts.
        fixes = data.draw(
            st.lists(
                st.tuples(st.sampled_from(range(0, 100, 10)), st.sampled_from(Sex)), max_size=2
            )
        )
        for revision, (age_band, sex) in enumerate(fixes, start=1):
            distinct.append(
                EvacueeCorrected(
                    occurred_at=T0,
                    shelter_id=SHELTER,
                    producer="roster",
                    stay_id=stay_id,
                    revision=revision,
                    age_band=age_band,
                    sex=sex,
                    corrected_at=T0,
                )
            )
        if fixes:
            plan = plan._replace(age_band=fixes[-1][0], sex=fixes[-1][1])
        effective.append(plan)
    for version, facts in enumerate(shelters, start=1):
        distinct.append(
            shelter_event(
                SHELTER,
                version=version,
                kind=data.draw(st.sampled_from(SHELTER_KINDS)),
                capacity=facts.capacity,
                is_open=facts.is_open,
                deleted=facts.deleted,
            )
        )
    replays = data.draw(st.lists(st.sampled_from(distinct), max_size=12)) if distinct else []
    deliveries = data.draw(st.permutations([*distinct, *replays]), label="deliveries")

    in_order = new_fake_stats()
    in_order_refresher = StatisticsRefresher(in_order)
    for event in distinct:
        await deliver(event, in_order_refresher, in_order)
    shuffled = new_fake_stats()
    refresher = StatisticsRefresher(shuffled)
    applied_stay_facts = 0
    for event in deliveries:
        applied = await deliver(event, refresher, shuffled)
        applied_stay_facts += applied and isinstance(event, EvacueeCheckedIn | EvacueeCheckedOut)
        assert_invariants(await shuffled.statistics(SHELTER))

    final = await shuffled.statistics(SHELTER)
    assert final == await in_order.statistics(SHELTER)
    # The same from the plan alone: real stays checked in, those of them gone, who is left.
    real = [p for p in stays if p.checked_in and not p.training]
    here = [p for p in effective if p.checked_in and not p.training and p.check_outs == 0]
    counts = final.counts
    assert (counts.checked_in, counts.checked_out) == (len(real), len(real) - len(here))
    assert counts.households == len({p.household for p in here})
    assert counts.age_bands == {b: sum(str(p.age_band) == b for p in here) for b in AGE_BANDS}
    assert counts.female == sum(p.sex is Sex.FEMALE for p in here)
    assert final.capacity == (shelters[-1].capacity if shelters else None)
    assert final.deleted == (shelters[-1].deleted if shelters else False)
    # Each stay fact (a check-in, a stay's first check-out) was applied exactly once.
    assert applied_stay_facts == sum(p.checked_in for p in stays) + sum(
        p.check_outs > 0 for p in stays
    )


async def test_a_check_out_of_an_unknown_stay_is_kept_for_its_check_in(
    check_in: CheckIn, check_out: CheckOut, new_fake_stats: Callable[[], Statistics]
) -> None:
    store = new_fake_stats()
    refresher = StatisticsRefresher(store)
    arrival = check_in(SHELTER)

    await deliver(check_out(SHELTER, arrival.stay_id), refresher, store)
    assert (await store.statistics(SHELTER)).counts.checked_out == 0
    await deliver(arrival, refresher, store)

    counts = (await store.statistics(SHELTER)).counts
    assert (counts.checked_in, counts.checked_out, counts.present) == (1, 1, 0)
