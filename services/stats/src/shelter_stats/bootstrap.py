"""Wires the statistics service: consumers, MongoDB, the recount loop, SSE, occupancy events."""

from __future__ import annotations

import time
from collections.abc import Sequence

from fastapi import FastAPI
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import SpanProcessor

from shelter_contracts.events import (
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    EvacueeCorrected,
    ShelterEventBase,
)
from shelter_contracts.topics import EVACUEE_CORRECTIONS, EVACUEE_STAYS, OCCUPANCY, SHELTERS
from shelter_runtime.consumer import subscribe_batch
from shelter_runtime.wiring import build_app, connect
from shelter_stats.adapters.kafka import KafkaOccupancySender
from shelter_stats.adapters.mongo import MongoStatistics
from shelter_stats.config import Settings
from shelter_stats.domain.model import ShelterStatistics
from shelter_stats.entrypoints import history as history_routes
from shelter_stats.entrypoints.http import StatsApi, router
from shelter_stats.service_layer.coalescing import Coalescer
from shelter_stats.service_layer.feed import LiveFeed
from shelter_stats.service_layer.handlers import (
    apply_correction_events,
    apply_shelter_events,
    apply_stay_events,
)
from shelter_stats.service_layer.history import HistoryRecorder
from shelter_stats.service_layer.occupancy import OccupancyNotifier
from shelter_stats.service_layer.refresher import StatisticsRefresher

METER_NAME = "shelter_stats"
COALESCED_METRIC = "stats.occupancy.coalesced"


def occupancy_coalescer(
    settings: Settings, meter_provider: MeterProvider
) -> Coalescer[str, ShelterStatistics]:
    """The coalescer of occupancy events, counting the states it coalesced."""
    counter = meter_provider.get_meter(METER_NAME).create_counter(
        COALESCED_METRIC,
        unit="{event}",
        description="Shelter states replaced by a newer one before they were published",
    )
    return Coalescer(settings.occupancy_interval_seconds, on_coalesced=counter.add)


def bootstrap(settings: Settings | None = None, *span_processors: SpanProcessor) -> FastAPI:
    """The statistics app; consumers and background loops start in its lifespan."""
    settings = settings or Settings()
    parts = connect(settings, *span_processors)
    stats = MongoStatistics(parts.db)
    parts.on_startup += [stats.migrate, stats.ensure_indexes]

    feed = LiveFeed()
    occupancy = OccupancyNotifier(
        KafkaOccupancySender(parts.broker, OCCUPANCY.name(settings.kafka_topic_namespace)),
        occupancy_coalescer(settings, parts.telemetry.meter_provider),
        settings.crowding_thresholds,
        clock=time.monotonic,
    )
    history = HistoryRecorder(stats, flush_seconds=settings.history_flush_seconds)
    refresher = StatisticsRefresher(
        stats,
        [feed.publish, occupancy.offer, history.offer],
        batch_size=settings.refresh_batch_size,
    )

    async def on_stay_events(events: Sequence[EvacueeCheckedIn | EvacueeCheckedOut]) -> None:
        await apply_stay_events(events, stats, refresher)

    async def on_corrections(events: Sequence[EvacueeCorrected]) -> None:
        await apply_correction_events(events, stats, refresher)

    async def on_shelter_events(events: Sequence[ShelterEventBase]) -> None:
        await apply_shelter_events(events, stats, refresher)

    # In batches: one write per shelter for a batch (see adapters.mongo), one trace per event.
    subscribe_batch(parts, EVACUEE_STAYS, on_stay_events)
    subscribe_batch(parts, EVACUEE_CORRECTIONS, on_corrections)
    subscribe_batch(parts, SHELTERS, on_shelter_events)
    parts.topics.append(OCCUPANCY)
    parts.background += [refresher.run, occupancy.run, history.run]

    app = build_app(
        parts, title="Shelter check-in: statistics", routers=[router, history_routes.router]
    )
    app.state.stats_api = StatsApi(
        stats=stats,
        feed=feed,
        thresholds=settings.crowding_thresholds,
        keepalive_seconds=settings.sse_keepalive_seconds,
    )
    app.state.refresher = refresher
    return app
