"""Wires the statistics service: consumers of stays and shelters, MongoDB, the read API."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from shelter_contracts.events import EvacueeCheckedIn, EvacueeCheckedOut, ShelterEventBase
from shelter_contracts.topics import EVACUEE_STAYS, SHELTERS
from shelter_runtime.consumer import subscribe
from shelter_runtime.wiring import build_app, connect
from shelter_stats.adapters.mongo import MongoStatistics
from shelter_stats.config import Settings
from shelter_stats.entrypoints.http import router
from shelter_stats.service_layer.handlers import apply_shelter_event, apply_stay_event


def bootstrap(settings: Settings | None = None, *span_processors: SpanProcessor) -> FastAPI:
    """The statistics app; the consumers start in its lifespan."""
    settings = settings or Settings()
    parts = connect(settings, *span_processors)
    stats = MongoStatistics(parts.db)
    parts.on_startup.append(stats.ensure_indexes)

    async def on_stay_event(event: EvacueeCheckedIn | EvacueeCheckedOut) -> None:
        await apply_stay_event(event, stats)

    async def on_shelter_event(event: ShelterEventBase) -> None:
        await apply_shelter_event(event, stats)

    subscribe(parts, EVACUEE_STAYS, on_stay_event)
    subscribe(parts, SHELTERS, on_shelter_event)
    app = build_app(parts, title="Shelter check-in: statistics", routers=[router])
    app.state.stats = stats
    return app
