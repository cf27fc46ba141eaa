"""The recount loop and the live feed: who hears about which change, and when."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import pytest

from shelter_contracts.events import EvacueeCheckedIn
from shelter_stats.domain.counting import Counts
from shelter_stats.domain.model import ShelterStatistics
from shelter_stats.service_layer.feed import LiveFeed
from shelter_stats.service_layer.handlers import apply_stay_event
from shelter_stats.service_layer.ports import Statistics
from shelter_stats.service_layer.refresher import StatisticsRefresher

CheckIn = Callable[..., EvacueeCheckedIn]


class Heard:
    def __init__(self) -> None:
        self.changes: list[ShelterStatistics] = []
        self.any = asyncio.Event()

    def __call__(self, statistics: ShelterStatistics) -> None:
        self.changes.append(statistics)
        self.any.set()


async def test_only_changed_shelters_are_told_once_per_recount(
    new_fake_stats: Callable[[], Statistics], check_in: CheckIn
) -> None:
    store, heard = new_fake_stats(), Heard()
    refresher = StatisticsRefresher(store, [heard], batch_size=1)
    for shelter_id in ("a-1", "a-1", "b-2"):
        await apply_stay_event(check_in(shelter_id), store, refresher)

    changed = await refresher.refresh_dirty()

    assert [s.shelter_id for s in changed] == ["a-1", "b-2"]
    assert [s.counts.present for s in changed] == [2, 1]
    assert heard.changes == changed
    refresher.touch("a-1")  # touched again with nothing new: nobody is told
    assert await refresher.refresh_dirty() == []
    assert refresher.pending == 0


async def test_a_failed_recount_keeps_the_shelters_to_recount(
    new_fake_stats: Callable[[], Statistics],
) -> None:
    store = new_fake_stats()

    class Failing:
        def __getattr__(self, name: str) -> object:
            return getattr(store, name)

        async def refresh(self, shelter_ids: Sequence[str]) -> list[ShelterStatistics]:
            raise ConnectionError("database down")

    refresher = StatisticsRefresher(Failing())  # type: ignore[arg-type]
    refresher.touch("a-1")
    with pytest.raises(ConnectionError):
        await refresher.refresh_dirty()
    assert refresher.pending == 1


async def test_the_loop_recounts_every_known_shelter_at_start(
    new_fake_stats: Callable[[], Statistics], check_in: CheckIn
) -> None:
    store, heard = new_fake_stats(), Heard()
    await store.record_check_in(
        check_in("a-1").stay_id,
        "a-1",
        at=check_in("a-1").checked_in_at,
        training=False,
        age_band=30,
        sex="male",
        household_key="0123456789abcdef",
    )
    refresher = StatisticsRefresher(store, [heard])
    task = asyncio.create_task(refresher.run())
    try:
        async with asyncio.timeout(5):
            await heard.any.wait()
    finally:
        task.cancel()
    assert [(s.shelter_id, s.counts.present) for s in heard.changes] == [("a-1", 1)]


def statistics(shelter_id: str, present: int = 0) -> ShelterStatistics:
    return ShelterStatistics(shelter_id, Counts(checked_in=present))


async def test_a_subscriber_gets_changes_in_order_with_increasing_ids() -> None:
    feed = LiveFeed()
    with feed.subscribe() as subscription:
        feed.publish(statistics("a", 1))
        feed.publish(statistics("b", 1))
        first, second = await subscription.next(1), await subscription.next(1)
    assert first is not None and second is not None
    assert [first[1].shelter_id, second[1].shelter_id] == ["a", "b"]
    assert first[0] < second[0]
    assert feed.subscribers == 0


async def test_a_slow_subscriber_keeps_only_the_latest_state_of_each_shelter() -> None:
    feed = LiveFeed()
    with feed.subscribe() as subscription:
        for present in range(100):
            feed.publish(statistics("a", present))
        feed.publish(statistics("b", 7))
        latest = await subscription.next(1)
        then = await subscription.next(1)
        assert await subscription.next(0.01) is None  # nothing else: a keep-alive is due
    assert latest is not None and then is not None
    assert (latest[1].shelter_id, latest[1].counts.present) == ("a", 99)
    assert then[1].shelter_id == "b"


async def test_a_shelter_subscriber_hears_only_its_shelter() -> None:
    feed = LiveFeed()
    with feed.subscribe("b") as subscription:
        feed.publish(statistics("a", 1))
        feed.publish(statistics("b", 2))
        change = await subscription.next(1)
        assert await subscription.next(0.01) is None
    assert change is not None
    assert change[1].shelter_id == "b"
