"""The read API over the in-memory store: answers, refusals (RFC 9457) and the event streams."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from fastapi import FastAPI

from shelter_contracts.events import (
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    ShelterDeleted,
    ShelterEventBase,
    ShelterOpened,
)
from shelter_contracts.personal import Sex
from shelter_runtime.http import create_app
from shelter_stats.domain.model import CrowdingThresholds
from shelter_stats.entrypoints.http import StatsApi, router
from shelter_stats.service_layer.feed import LiveFeed
from shelter_stats.service_layer.handlers import apply_shelter_event, apply_stay_event
from shelter_stats.service_layer.ports import Statistics
from shelter_stats.service_layer.refresher import StatisticsRefresher

from ..conftest import SseStream

CheckIn = Callable[..., EvacueeCheckedIn]
CheckOut = Callable[..., EvacueeCheckedOut]
ShelterEvent = Callable[..., ShelterEventBase]
EMPTY_BANDS = dict.fromkeys([str(d) for d in range(0, 100, 10)], 0)


class Service:
    """The routes over a fake store, with the recount loop driven by the test."""

    def __init__(self, store: Statistics) -> None:
        self.store = store
        self.feed = LiveFeed()
        self.refresher = StatisticsRefresher(store, [self.feed.publish])
        self.app: FastAPI = create_app(title="stats", version="0", routers=[router], checks={})
        self.app.state.stats_api = StatsApi(store, self.feed, CrowdingThresholds(), 0.2)

    async def apply(self, *events: EvacueeCheckedIn | EvacueeCheckedOut | ShelterEventBase) -> None:
        for event in events:
            if isinstance(event, ShelterEventBase):
                await apply_shelter_event(event, self.store, self.refresher)
            else:
                await apply_stay_event(event, self.store, self.refresher)
        await self.refresher.refresh_dirty()


@pytest.fixture
def service(new_fake_stats: Callable[[], Statistics]) -> Service:
    return Service(new_fake_stats())


@pytest.fixture
async def client(service: Service) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=service.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as c:
        yield c


async def test_one_shelter_shows_every_s14_figure(
    service: Service,
    client: httpx.AsyncClient,
    check_in: CheckIn,
    check_out: CheckOut,
    shelter_event: ShelterEvent,
) -> None:
    gone = check_in("s-1", household="yamada", age_band=40, sex=Sex.MALE)
    await service.apply(
        shelter_event("s-1", capacity=4, version=2, kind=ShelterOpened, is_open=True),
        check_in("s-1", household="yamada", age_band=70, sex=Sex.FEMALE),
        check_in("s-1", household="yamada", age_band=10, sex=Sex.MALE),
        check_in("s-1", household="suzuki", age_band=90, sex=Sex.OTHER),
        check_in("s-1", household="drill", training=True),
        gone,
        check_out("s-1", gone.stay_id),
    )

    response = await client.get("/shelters/s-1")

    assert response.status_code == 200
    assert response.json() == {
        "shelter_id": "s-1",
        "name": "千代田小学校",
        "address": "東京都千代田区一番町1",
        "shelter_type": "designated",
        "is_open": True,
        "training": False,
        "present": 3,
        "checked_in": 4,
        "checked_out": 1,
        "households": 2,
        "age_bands": {**EMPTY_BANDS, "10": 1, "70": 1, "90": 1},
        "female": 1,
        "male": 1,
        "other": 1,
        "capacity": 4,
        "occupancy_rate": 0.75,
        "crowding_level": "moderate",
    }


async def test_an_unknown_shelter_has_zero_counts(client: httpx.AsyncClient) -> None:
    body = (await client.get("/shelters/13101-unknown")).json()
    assert (body["present"], body["capacity"], body["crowding_level"], body["name"]) == (
        0,
        None,
        None,
        None,
    )


async def test_the_list_is_paginated_and_leaves_deleted_shelters_out(
    service: Service, client: httpx.AsyncClient, shelter_event: ShelterEvent, check_in: CheckIn
) -> None:
    await service.apply(
        *(shelter_event(f"s-{n}", capacity=10) for n in range(5)),
        shelter_event("s-2", capacity=10, version=2, kind=ShelterDeleted, deleted=True),
        check_in("s-3"),
    )

    first = (await client.get("/shelters", params={"limit": 3})).json()
    second = (await client.get("/shelters", params={"limit": 3, "offset": 3})).json()

    assert [s["shelter_id"] for s in first["items"]] == ["s-0", "s-1", "s-3"]
    assert [s["shelter_id"] for s in second["items"]] == ["s-4"]
    assert (first["total"], first["limit"], first["offset"]) == (4, 3, 0)
    assert first["items"][2]["present"] == 1


async def test_totals_count_open_shelters_and_everyone_present(
    service: Service, client: httpx.AsyncClient, shelter_event: ShelterEvent, check_in: CheckIn
) -> None:
    await service.apply(
        shelter_event("s-1", capacity=100, kind=ShelterOpened, is_open=True),
        shelter_event("s-2", capacity=50),
        shelter_event("s-3", capacity=30, is_open=True, training=True),
        shelter_event("s-4", capacity=70, is_open=True, deleted=True),
        check_in("s-1", household="a", sex=Sex.MALE, age_band=20),
        check_in("s-1", household="a", sex=Sex.FEMALE, age_band=20),
        check_in("s-2", household="b"),
        check_in("s-3", household="c", training=True),
        check_in("s-4", household="d"),
    )

    totals = (await client.get("/totals")).json()

    assert totals == {
        "shelters": 3,
        "shelters_open": 1,
        "capacity_open": 100,
        "present": 3,
        "checked_in": 3,
        "checked_out": 0,
        "households": 2,
        "age_bands": {**EMPTY_BANDS, "20": 2, "70": 1},
        "female": 2,
        "male": 1,
        "other": 0,
    }


async def test_a_deleted_shelter_is_a_problem_not_a_page(
    service: Service, client: httpx.AsyncClient, shelter_event: ShelterEvent
) -> None:
    await service.apply(shelter_event("s-1", capacity=9, kind=ShelterDeleted, deleted=True))

    response = await client.get("/shelters/s-1")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"].endswith("/shelter-deleted")
    assert body["title_ja"] == "この避難所は削除されています"


@pytest.mark.parametrize(
    "path",
    [
        "/shelters/-leading-dash",
        "/shelters/" + "x" * 65,
        "/shelters?limit=0",
        "/shelters?limit=501",
        "/shelters?offset=-1",
        "/shelters?limit=abc",
        "/shelters/-bad/events",
    ],
)
async def test_bad_input_is_a_422_problem(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title_ja"] == "入力内容に誤りがあります"


# --- Server-Sent Events ------------------------------------------------------------------------


async def test_a_shelter_stream_starts_with_the_current_state_then_sends_each_change(
    service: Service, check_in: CheckIn, shelter_event: ShelterEvent
) -> None:
    await service.apply(shelter_event("s-1", capacity=2), check_in("s-1"))

    async with SseStream(service.app, "/shelters/s-1/events") as stream:
        assert stream.status == 200
        assert stream.headers["content-type"].startswith("text/event-stream")
        assert stream.headers["x-accel-buffering"] == "no"
        first = await stream.event()
        assert (stream.data(first)["present"], first["retry"]) == (1, "3000")

        await service.apply(check_in("s-2"), check_in("s-1"))
        change = await stream.event()
        assert int(change["id"]) > int(first["id"])
        assert stream.data(change)["present"] == 2
        assert stream.data(change)["crowding_level"] == "full"


async def test_an_idle_stream_sends_keep_alive_comments_and_ends_when_the_client_leaves(
    service: Service,
) -> None:
    stream = SseStream(service.app, "/events")
    async with stream:
        assert (await stream.frame()).get("comment") == "connected"
        assert (await stream.frame()) == {"comment": "keep-alive"}
        assert service.feed.subscribers == 1
    # Leaving the block hung up: the response ended and the subscription is gone.
    assert stream.task is not None and stream.task.done()
    assert service.feed.subscribers == 0


async def test_the_all_shelters_stream_sends_changes_of_every_shelter_and_deletions(
    service: Service, check_in: CheckIn, shelter_event: ShelterEvent
) -> None:
    async with SseStream(service.app, "/events") as stream:
        await stream.frame()  # connected
        frames = []
        for event in (
            check_in("s-1"),
            check_in("s-2"),
            shelter_event("s-1", capacity=5, kind=ShelterDeleted, deleted=True),
        ):
            await service.apply(event)
            frames.append(await stream.event())

    assert [json.loads(f["data"])["shelter_id"] for f in frames] == ["s-1", "s-2", "s-1"]
    assert [f.get("event") for f in frames] == [None, None, "shelter-deleted"]
    assert json.loads(frames[2]["data"]) == {"shelter_id": "s-1"}
    ids = [int(f["id"]) for f in frames]
    assert ids == sorted(ids)


async def test_the_stream_of_a_deleted_shelter_is_refused_before_it_starts(
    service: Service, shelter_event: ShelterEvent
) -> None:
    await service.apply(shelter_event("s-1", capacity=5, kind=ShelterDeleted, deleted=True))

    stream = SseStream(service.app, "/shelters/s-1/events")
    async with stream:
        assert stream.status == 404
        assert json.loads(await stream.body())["title_ja"] == "この避難所は削除されています"
