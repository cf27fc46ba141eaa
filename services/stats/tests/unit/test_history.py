"""Occupancy history (収容状況の推移): bucketed, bounded, public and counts only."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from shelter_contracts.events import (
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    ShelterDeleted,
    ShelterEventBase,
)
from shelter_runtime.http import create_app
from shelter_stats.domain.history import BUCKET_SECONDS, BUCKETS_KEPT, bucket_of
from shelter_stats.domain.model import CrowdingThresholds
from shelter_stats.entrypoints import history
from shelter_stats.entrypoints.http import StatsApi, router
from shelter_stats.service_layer.feed import LiveFeed
from shelter_stats.service_layer.handlers import apply_shelter_event, apply_stay_event
from shelter_stats.service_layer.history import HistoryRecorder
from shelter_stats.service_layer.refresher import StatisticsRefresher

from ..conftest import FakeStatistics

CheckIn = Callable[..., EvacueeCheckedIn]
CheckOut = Callable[..., EvacueeCheckedOut]
ShelterEvent = Callable[..., ShelterEventBase]
START = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store() -> FakeStatistics:
    return FakeStatistics()


@pytest.fixture
def recorder(store: FakeStatistics, clock: Clock) -> HistoryRecorder:
    return HistoryRecorder(store, now=clock)


@pytest.fixture
async def client(store: FakeStatistics) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(title="stats", version="0", routers=[router, history.router], checks={})
    app.state.stats_api = StatsApi(store, LiveFeed(), CrowdingThresholds(), 0.2)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://s") as c:
        yield c


async def test_the_latest_counts_of_each_bucket_are_served_oldest_first(
    store: FakeStatistics,
    recorder: HistoryRecorder,
    clock: Clock,
    client: httpx.AsyncClient,
    check_in: CheckIn,
    check_out: CheckOut,
    shelter_id: str,
) -> None:
    refresher = StatisticsRefresher(store, [recorder.offer])
    first, second = check_in(shelter_id, minute=0), check_in(shelter_id, minute=1)
    for event in (first, second):
        await apply_stay_event(event, store, refresher)
        await refresher.refresh_dirty()
    await recorder.flush()
    clock.now = START + timedelta(minutes=7)
    await apply_stay_event(check_out(shelter_id, first.stay_id, minute=7), store, refresher)
    await refresher.refresh_dirty()
    assert await recorder.flush() == 1
    assert await recorder.flush() == 0  # nothing changed since

    response = await client.get(f"/shelters/{shelter_id}/history")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["bucket_seconds"], body["buckets_kept"]) == (BUCKET_SECONDS, BUCKETS_KEPT)
    assert body["points"] == [
        {"at": "2026-11-25T09:00:00Z", "present": 2, "households": 1, "checked_out": 0},
        {"at": "2026-11-25T09:05:00Z", "present": 1, "households": 1, "checked_out": 1},
    ]
    text = response.text
    assert first.personal.family_name not in text and str(first.stay_id) not in text


async def test_history_keeps_a_bounded_window(
    store: FakeStatistics, recorder: HistoryRecorder, clock: Clock, shelter_id: str
) -> None:
    for step in range(BUCKETS_KEPT + 5):
        clock.now = START + timedelta(seconds=step * BUCKET_SECONDS)
        recorder.offer((await store.refresh([shelter_id]))[0])
        await recorder.flush()
    points = await store.history(shelter_id)
    assert len(points) == BUCKETS_KEPT
    assert points[-1].bucket == bucket_of(clock.now)
    assert len(store.history_points[shelter_id]) == BUCKETS_KEPT  # dropped, not only hidden


async def test_a_deleted_shelter_has_no_history(
    store: FakeStatistics, client: httpx.AsyncClient, shelter_event: ShelterEvent, shelter_id: str
) -> None:
    refresher = StatisticsRefresher(store)
    await apply_shelter_event(
        shelter_event(shelter_id, capacity=10, kind=ShelterDeleted, deleted=True), store, refresher
    )
    await refresher.refresh_dirty()
    response = await client.get(f"/shelters/{shelter_id}/history")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
