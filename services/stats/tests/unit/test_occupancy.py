"""OccupancyChanged: coalesced per shelter, at most one per interval, the latest never lost.

Time is a number handed in (an injectable clock), so nothing here sleeps.
"""

from __future__ import annotations

import itertools
from typing import NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader, NumberDataPoint

from shelter_contracts.events import CrowdingLevel, OccupancyChanged
from shelter_stats.bootstrap import COALESCED_METRIC, occupancy_coalescer
from shelter_stats.config import Settings
from shelter_stats.domain.counting import StayTally, count_stays
from shelter_stats.domain.model import CrowdingThresholds, ShelterProfile, ShelterStatistics
from shelter_stats.service_layer.coalescing import Coalescer
from shelter_stats.service_layer.occupancy import OccupancyNotifier

INTERVAL = 1.0


class Offer(NamedTuple):
    after: float  # seconds since the previous step
    key: str
    flush: bool  # whether the sender looks for due values at this step


steps = st.lists(
    st.builds(
        Offer,
        st.sampled_from([0.0, 0.001, 0.3, 0.999, 1.0, 2.5]),
        st.sampled_from(["a", "b", "c"]),
        st.booleans(),
    ),
    max_size=40,
)


@settings(max_examples=300)
@given(steps)
def test_at_most_one_per_key_per_interval_and_the_latest_is_always_sent(
    offers: list[Offer],
) -> None:
    coalescer: Coalescer[str, int] = Coalescer(INTERVAL)
    sent: list[tuple[float, str, int]] = []
    now = 0.0
    for value, offer in enumerate(offers):
        now += offer.after
        coalescer.offer(offer.key, value)
        if offer.flush:
            sent += [(now, key, v) for key, v in coalescer.take_due(now)]
    # After the burst: whatever waits becomes due once its interval has passed.
    while (due := coalescer.next_due()) is not None:
        now = max(now, due)
        sent += [(now, key, v) for key, v in coalescer.take_due(now)]

    for key in {o.key for o in offers}:
        mine = [(t, v) for t, k, v in sent if k == key]
        offered = [v for v, o in enumerate(offers) if o.key == key]
        assert mine[-1][1] == offered[-1]  # the latest state is never lost
        times = [t for t, _ in mine]
        assert all(b >= a + INTERVAL for a, b in itertools.pairwise(times))
        values = [v for _, v in mine]
        assert values == sorted(values)  # never an older state after a newer one
        assert set(values) <= set(offered)
    assert coalescer.coalesced == len(offers) - len(sent)


def test_a_burst_is_sent_first_then_once_more_with_its_last_state() -> None:
    coalescer: Coalescer[str, int] = Coalescer(INTERVAL)
    coalescer.offer("a", 1)
    assert coalescer.take_due(0.0) == [("a", 1)]
    for value in (2, 3, 4):
        coalescer.offer("a", value)
        assert coalescer.take_due(0.5) == []
    assert coalescer.next_due() == 1.0
    assert coalescer.take_due(1.0) == [("a", 4)]
    assert coalescer.coalesced == 2
    assert coalescer.next_due() is None


def test_a_value_put_back_after_a_failed_send_does_not_replace_a_newer_one() -> None:
    coalescer: Coalescer[str, int] = Coalescer(INTERVAL)
    coalescer.offer("a", 1)
    [(_, taken)] = coalescer.take_due(0.0)
    coalescer.offer("a", 2)
    coalescer.put_back("a", taken)
    assert coalescer.take_due(1.0) == [("a", 2)]


def test_the_coalesced_states_are_counted_on_an_opentelemetry_counter() -> None:
    reader = InMemoryMetricReader()
    coalescer = occupancy_coalescer(Settings(), MeterProvider(metric_readers=[reader]))
    for value in range(5):
        coalescer.offer("13101-0001", shelter(value))

    data = reader.get_metrics_data()
    assert data is not None
    points = [
        point.value
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        if metric.name == COALESCED_METRIC
        for point in metric.data.data_points
        if isinstance(point, NumberDataPoint)
    ]
    assert points == [4]


# --- the notifier: what it sends, with a clock of its own ---------------------------------------


def shelter(present: int, *, deleted: bool = False, capacity: int = 10) -> ShelterStatistics:
    tallies = [StayTally(1, 0, False, f"household-{n % 2}", 30, "male") for n in range(present)]
    profile = ShelterProfile(
        version=1, name="千代田小学校", capacity=capacity, is_open=True, deleted=deleted
    )
    return ShelterStatistics("13101-0001", count_stays(tallies), profile)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Sender:
    def __init__(self) -> None:
        self.events: list[OccupancyChanged] = []
        self.failing = False

    async def __call__(self, event: OccupancyChanged) -> None:
        if self.failing:
            raise ConnectionError("Kafka is down")
        self.events.append(event)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sender() -> Sender:
    return Sender()


@pytest.fixture
def notifier(clock: Clock, sender: Sender) -> OccupancyNotifier:
    return OccupancyNotifier(sender, Coalescer(INTERVAL), CrowdingThresholds(), clock=clock)


async def test_the_event_carries_the_shelters_state(
    notifier: OccupancyNotifier, sender: Sender
) -> None:
    notifier.offer(shelter(9))

    assert await notifier.send_due() == 1

    [event] = sender.events
    assert (event.shelter_id, event.producer, event.present, event.households) == (
        "13101-0001",
        "stats",
        9,
        2,
    )
    assert (event.male, event.female, event.age_bands["30"]) == (9, 0, 9)
    assert (event.capacity, event.occupancy_rate, event.is_open) == (10, 0.9, True)
    assert event.crowding_level is CrowdingLevel.CROWDED
    assert event.counted_at == event.occurred_at


async def test_a_burst_becomes_two_events_and_the_last_one_is_the_latest(
    notifier: OccupancyNotifier, sender: Sender, clock: Clock
) -> None:
    for present in range(1, 6):
        notifier.offer(shelter(present))
        await notifier.send_due()
        clock.now += 0.125
    assert [e.present for e in sender.events] == [1]
    assert notifier.seconds_until_due() == 0.375

    clock.now += 0.375
    assert await notifier.send_due() == 1
    assert [e.present for e in sender.events] == [1, 5]
    assert notifier.seconds_until_due() is None


async def test_a_failed_send_is_retried_after_the_interval(
    notifier: OccupancyNotifier, sender: Sender, clock: Clock
) -> None:
    sender.failing = True
    notifier.offer(shelter(3))
    assert await notifier.send_due() == 0
    assert notifier.seconds_until_due() == INTERVAL

    sender.failing = False
    clock.now += INTERVAL
    assert await notifier.send_due() == 1
    assert [e.present for e in sender.events] == [3]


async def test_deleted_shelters_are_not_sent(notifier: OccupancyNotifier, sender: Sender) -> None:
    notifier.offer(shelter(3, deleted=True))
    assert await notifier.send_due() == 0
    assert sender.events == []
