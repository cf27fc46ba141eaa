"""Statistics read API (S13-S14): the shelter list, one shelter, the totals, live updates."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.sse import EventSourceResponse, ServerSentEvent

from shelter_contracts.events import ShelterId
from shelter_runtime.problems import ProblemError
from shelter_stats.domain.model import CrowdingThresholds, ShelterStatistics, municipality_totals
from shelter_stats.entrypoints.schemas import (
    MunicipalityTotalsPublic,
    ShelterStatisticsPage,
    ShelterStatisticsPublic,
)
from shelter_stats.service_layer.feed import Change, LiveFeed, Subscription
from shelter_stats.service_layer.ports import Statistics

#: The SSE event of a shelter that was deleted (its data is `{"shelter_id": ...}`).
DELETED_EVENT = "shelter-deleted"
#: How long a browser waits before reconnecting a dropped stream (SSE `retry:`, milliseconds).
RECONNECT_MILLISECONDS = 3000


@dataclass(frozen=True, slots=True)
class StatsApi:
    """What the routes use; bootstrap puts one on `app.state.stats_api`."""

    stats: Statistics
    feed: LiveFeed
    thresholds: CrowdingThresholds
    keepalive_seconds: float


def get_api(request: Request) -> StatsApi:
    api: StatsApi = request.app.state.stats_api
    return api


Api = Annotated[StatsApi, Depends(get_api)]
ShelterIdPath = Annotated[ShelterId, Path()]
router = APIRouter(tags=["statistics"])


def shelter_deleted(shelter_id: str) -> ProblemError:
    return ProblemError(
        404,
        "shelter-deleted",
        "This shelter was deleted",
        "この避難所は削除されています",
        detail=f"shelter {shelter_id}",
    )


async def current(shelter_id: ShelterIdPath, api: Api) -> ShelterStatistics:
    """The shelter's statistics; a deleted shelter is a 404 problem."""
    statistics = await api.stats.statistics(shelter_id)
    if statistics.deleted:
        raise shelter_deleted(shelter_id)
    return statistics


Current = Annotated[ShelterStatistics, Depends(current)]


@router.get("/shelters")
async def list_shelters(
    api: Api,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ShelterStatisticsPage:
    """Every shelter that is not deleted, with its statistics, by shelter id (避難所一覧)."""
    items, total = await api.stats.page(limit, offset)
    return ShelterStatisticsPage(
        items=[ShelterStatisticsPublic.of(s, api.thresholds) for s in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/shelters/{shelter_id}", responses={404: {"description": "The shelter was deleted"}})
async def shelter_statistics(statistics: Current, api: Api) -> ShelterStatisticsPublic:
    """Current statistics of one shelter; zero counts for a shelter not heard of yet."""
    return ShelterStatisticsPublic.of(statistics, api.thresholds)


@router.get("/totals")
async def totals(api: Api) -> MunicipalityTotalsPublic:
    """Totals of the municipality over the shelters that are not deleted (市町村合計)."""
    return MunicipalityTotalsPublic.of(municipality_totals(await api.stats.all_statistics()))


def _event(change: Change, thresholds: CrowdingThresholds) -> ServerSentEvent:
    sequence, statistics = change
    if statistics.deleted:
        return ServerSentEvent(
            event=DELETED_EVENT, data={"shelter_id": statistics.shelter_id}, id=str(sequence)
        )
    return ServerSentEvent(
        data=ShelterStatisticsPublic.of(statistics, thresholds), id=str(sequence)
    )


async def _changes(subscription: Subscription, api: StatsApi) -> AsyncIterator[ServerSentEvent]:
    while True:
        change = await subscription.next(api.keepalive_seconds)
        if change is None:
            yield ServerSentEvent(comment="keep-alive")
        else:
            yield _event(change, api.thresholds)


@router.get("/events", response_class=EventSourceResponse)
async def all_events(api: Api) -> AsyncIterator[ServerSentEvent]:
    """Live statistics of every shelter: one event per change, the shelter's statistics."""
    with api.feed.subscribe() as subscription:
        yield ServerSentEvent(comment="connected", retry=RECONNECT_MILLISECONDS)
        async for event in _changes(subscription, api):
            yield event


@router.get(
    "/shelters/{shelter_id}/events",
    response_class=EventSourceResponse,
    responses={404: {"description": "The shelter was deleted"}},
)
async def shelter_events(
    shelter_id: ShelterIdPath, _: Current, api: Api
) -> AsyncIterator[ServerSentEvent]:
    """Live statistics of one shelter: its current statistics first, then one event per change."""
    with api.feed.subscribe(shelter_id) as subscription:
        # Read after subscribing: a change in between is sent again rather than missed.
        snapshot = await api.stats.statistics(shelter_id)
        first = _event((api.feed.sequence, snapshot), api.thresholds)
        yield first.model_copy(update={"retry": RECONNECT_MILLISECONDS})
        async for event in _changes(subscription, api):
            yield event
