"""The statistics repository contract, run against the in-memory fake and the real Mongo adapter.

Every test runs twice (`stats_store` is parametrized): once on `FakeStatistics`, once on
`MongoStatistics` over a fresh FerretDB database. Identical expectations on both prove the fake
used by the unit tests (and their property tests) counts like the adapter.
"""

from __future__ import annotations

from collections.abc import Callable

from shelter_contracts.events import (
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    ShelterClosed,
    ShelterDeleted,
    ShelterEventBase,
    ShelterOpened,
    ShelterTrainingModeChanged,
)
from shelter_contracts.personal import Sex
from shelter_stats.domain.counting import AGE_BANDS, Counts
from shelter_stats.domain.history import BUCKET_SECONDS, BUCKETS_KEPT, HistoryPoint
from shelter_stats.domain.model import ShelterStatistics
from shelter_stats.service_layer.handlers import (
    apply_shelter_event,
    apply_shelter_events,
    apply_stay_event,
)
from shelter_stats.service_layer.ports import Statistics

CheckIn = Callable[..., EvacueeCheckedIn]
CheckOut = Callable[..., EvacueeCheckedOut]
ShelterEvent = Callable[..., ShelterEventBase]


class Touched:
    def __init__(self) -> None:
        self.shelters: set[str] = set()

    def touch(self, shelter_id: str) -> None:
        self.shelters.add(shelter_id)


async def stay(store: Statistics, event: EvacueeCheckedIn | EvacueeCheckedOut) -> bool:
    return await apply_stay_event(event, store, Touched())


async def facts(store: Statistics, event: ShelterEventBase) -> bool:
    return await apply_shelter_event(event, store, Touched())


async def recount(store: Statistics, shelter_id: str) -> ShelterStatistics:
    [statistics] = await store.refresh([shelter_id])
    assert statistics == await store.statistics(shelter_id)  # what is returned is stored
    return statistics


def io(statistics: ShelterStatistics) -> tuple[int, int, int]:
    c = statistics.counts
    return c.checked_in, c.checked_out, c.present


async def test_check_in_is_counted_once(
    stats_store: Statistics, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)

    assert await stay(stats_store, event) is True
    assert await stay(stats_store, event) is False
    # Another check-in of the same stay claiming other facts (training mode) is stored but
    # never counted: the first check-in of a stay is the one that counts.
    await stay(stats_store, check_in(shelter_id, stay_id=event.stay_id, training=True))

    assert io(await recount(stats_store, shelter_id)) == (1, 0, 1)


async def test_check_out_before_check_in_then_check_in_counts_both(
    stats_store: Statistics, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    arrival = check_in(shelter_id, minute=0)

    assert await stay(stats_store, check_out(shelter_id, arrival.stay_id, minute=30)) is True
    # A check-out without its check-in is not counted: present never goes negative.
    assert io(await recount(stats_store, shelter_id)) == (0, 0, 0)
    assert await stay(stats_store, arrival) is True
    assert io(await recount(stats_store, shelter_id)) == (1, 1, 0)


async def test_check_out_is_counted_once(
    stats_store: Statistics, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    stays = [check_in(shelter_id, minute=m) for m in range(3)]
    for event in stays:
        await stay(stats_store, event)
    departure = check_out(shelter_id, stays[0].stay_id, minute=30)

    assert await stay(stats_store, departure) is True
    assert await stay(stats_store, departure) is False
    forced = check_out(shelter_id, stays[0].stay_id, minute=60, forced=True)
    assert await stay(stats_store, forced) is False

    assert io(await recount(stats_store, shelter_id)) == (3, 1, 2)


async def test_training_stays_are_not_counted(
    stats_store: Statistics, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    drill = check_in(shelter_id, training=True)
    for event in (drill, check_in(shelter_id, minute=1), check_out(shelter_id, drill.stay_id)):
        assert await stay(stats_store, event) is True

    assert io(await recount(stats_store, shelter_id)) == (1, 0, 1)


async def test_households_age_bands_and_sexes_of_the_people_present(
    stats_store: Statistics, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    gone = check_in(shelter_id, household="suzuki", age_band=20, sex=Sex.MALE)
    for event in (
        check_in(shelter_id, household="yamada", age_band=70, sex=Sex.FEMALE),
        check_in(shelter_id, household="yamada", age_band=70, sex=Sex.FEMALE),
        check_in(shelter_id, household="yamada", age_band=0, sex=Sex.MALE),
        check_in(shelter_id, household="tanaka", age_band=90, sex=Sex.OTHER),
        check_in(shelter_id, household="drill", age_band=30, training=True),
        gone,
        check_out(shelter_id, gone.stay_id),
    ):
        await stay(stats_store, event)

    counts = (await recount(stats_store, shelter_id)).counts

    assert counts == Counts(
        checked_in=5,
        checked_out=1,
        households=2,
        female=2,
        male=1,
        other=1,
        age_bands={**dict.fromkeys(AGE_BANDS, 0), "0": 1, "70": 2, "90": 1},
    )


async def test_counts_belong_to_one_shelter_and_a_batch_recounts_each(
    stats_store: Statistics, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    other = f"{shelter_id}-x"
    elsewhere = check_in(other)
    for event in (elsewhere, check_out(other, elsewhere.stay_id), check_in(shelter_id)):
        await stay(stats_store, event)

    batch = await stats_store.refresh([shelter_id, other, "13101-none"])

    assert [(s.shelter_id, io(s)) for s in batch] == [
        (shelter_id, (1, 0, 1)),
        (other, (1, 1, 0)),
        ("13101-none", (0, 0, 0)),
    ]
    assert io(await stats_store.statistics("13101-never-seen")) == (0, 0, 0)


async def test_the_highest_version_of_the_facts_wins_whatever_the_arrival_order(
    stats_store: Statistics, shelter_event: ShelterEvent, shelter_id: str
) -> None:
    v1 = shelter_event(shelter_id, capacity=100, version=1)
    v3 = shelter_event(shelter_id, capacity=150, version=3, kind=ShelterOpened, is_open=True)
    v2 = shelter_event(shelter_id, capacity=10, version=2, minute=60)  # later, but older version

    assert await facts(stats_store, v1) is True
    assert (await recount(stats_store, shelter_id)).capacity == 100
    assert await facts(stats_store, v3) is True
    for stale in (v2, v3, v1):
        assert await facts(stats_store, stale) is False

    statistics = await recount(stats_store, shelter_id)
    assert (statistics.capacity, statistics.is_open, statistics.profile is not None) == (
        150,
        True,
        True,
    )


async def test_a_batch_of_facts_keeps_the_highest_version_per_shelter(
    stats_store: Statistics, shelter_event: ShelterEvent, shelter_id: str
) -> None:
    other = f"{shelter_id}-b"
    await facts(stats_store, shelter_event(other, capacity=70, version=5))
    batch = [
        shelter_event(shelter_id, capacity=150, version=3, kind=ShelterOpened, is_open=True),
        shelter_event(shelter_id, capacity=10, version=2, minute=60),
        shelter_event(other, capacity=9, version=4),  # older than the stored version 5
        shelter_event(f"{shelter_id}-c", capacity=30, version=1),  # not stored yet
    ]
    applied = await apply_shelter_events(batch, stats_store, Touched())
    assert applied == {shelter_id, f"{shelter_id}-c"}
    assert await apply_shelter_events(batch, stats_store, Touched()) == set()  # a replay
    capacities = [(await recount(stats_store, s)).capacity for s in (shelter_id, other)]
    assert capacities == [150, 70]
    assert (await recount(stats_store, shelter_id)).is_open is True


async def test_open_closed_training_and_deleted_come_from_the_facts(
    stats_store: Statistics, shelter_event: ShelterEvent, shelter_id: str
) -> None:
    await facts(stats_store, shelter_event(shelter_id, capacity=5, version=1))
    opened = shelter_event(shelter_id, capacity=5, version=2, kind=ShelterOpened, is_open=True)
    drill = shelter_event(
        shelter_id,
        capacity=5,
        version=3,
        kind=ShelterTrainingModeChanged,
        is_open=True,
        training=True,
    )
    closed = shelter_event(shelter_id, capacity=5, version=4, kind=ShelterClosed, training=True)
    seen = []
    for event in (opened, drill, closed):
        await facts(stats_store, event)
        s = await recount(stats_store, shelter_id)
        seen.append((s.is_open, s.training, s.deleted))
    await facts(
        stats_store,
        shelter_event(shelter_id, capacity=5, version=5, kind=ShelterDeleted, deleted=True),
    )
    s = await recount(stats_store, shelter_id)

    assert seen == [(True, False, False), (True, True, False), (False, True, False)]
    assert s.deleted is True


async def test_capacity_zero_is_kept_without_a_rate(
    stats_store: Statistics, shelter_event: ShelterEvent, check_in: CheckIn, shelter_id: str
) -> None:
    await facts(stats_store, shelter_event(shelter_id, capacity=30, version=1))
    await facts(stats_store, shelter_event(shelter_id, capacity=0, version=2))
    await stay(stats_store, check_in(shelter_id))

    statistics = await recount(stats_store, shelter_id)
    assert (statistics.capacity, statistics.occupancy_rate) == (0, None)


async def test_the_list_pages_by_id_and_leaves_deleted_shelters_out(
    stats_store: Statistics, shelter_event: ShelterEvent, check_in: CheckIn, shelter_id: str
) -> None:
    ids = [f"{shelter_id}-{n}" for n in range(5)]
    for n, sid in enumerate(reversed(ids)):
        await facts(stats_store, shelter_event(sid, capacity=10 + n))
    await facts(stats_store, shelter_event(ids[1], capacity=1, version=2, deleted=True))
    await stay(stats_store, check_in(ids[4]))
    await stay(stats_store, check_in(f"{shelter_id}-stays-only"))
    await stats_store.refresh([*ids, f"{shelter_id}-stays-only"])

    first, total = await stats_store.page(limit=3, offset=0)
    rest, _ = await stats_store.page(limit=3, offset=3)

    listed = [s.shelter_id for s in [*first, *rest]]
    assert listed == [ids[0], ids[2], ids[3], ids[4], f"{shelter_id}-stays-only"]
    assert total == 5
    assert io(rest[0]) == (1, 0, 1)
    everyone = await stats_store.all_statistics()
    assert sorted(s.shelter_id for s in everyone) == listed
    assert set(await stats_store.shelter_ids()) == {*ids, f"{shelter_id}-stays-only"}


async def test_a_recount_is_idempotent(
    stats_store: Statistics, check_in: CheckIn, shelter_event: ShelterEvent, shelter_id: str
) -> None:
    await facts(stats_store, shelter_event(shelter_id, capacity=4))
    await stay(stats_store, check_in(shelter_id))

    first = await recount(stats_store, shelter_id)
    assert await recount(stats_store, shelter_id) == first
    assert first.occupancy_rate == 0.25


async def test_history_keeps_the_latest_point_per_bucket_within_the_window(
    stats_store: Statistics, shelter_id: str
) -> None:
    start = 1_795_600_000 - 1_795_600_000 % BUCKET_SECONDS
    await stats_store.record_history({shelter_id: HistoryPoint(start, 1, 1, 0)}, trim={shelter_id})
    await stats_store.record_history({shelter_id: HistoryPoint(start, 3, 2, 0)})
    later = start + 2 * BUCKET_SECONDS
    await stats_store.record_history({shelter_id: HistoryPoint(later, 2, 2, 1)}, trim={shelter_id})
    assert await stats_store.history(shelter_id) == [
        HistoryPoint(start, 3, 2, 0),
        HistoryPoint(later, 2, 2, 1),
    ]
    beyond = start + BUCKETS_KEPT * BUCKET_SECONDS  # `start` falls out of the window
    await stats_store.record_history({shelter_id: HistoryPoint(beyond, 0, 0, 3)}, trim={shelter_id})
    assert await stats_store.history(shelter_id) == [
        HistoryPoint(later, 2, 2, 1),
        HistoryPoint(beyond, 0, 0, 3),
    ]
    assert await stats_store.history("nowhere") == []
