"""Wires the roster service: the stays consumer, MongoDB and the read API."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from shelter_contracts.events import EvacueeCheckedIn, EvacueeCheckedOut
from shelter_contracts.topics import EVACUEE_STAYS
from shelter_roster.adapters.mongo import MongoRosterEntries
from shelter_roster.config import Settings
from shelter_roster.entrypoints.http import router
from shelter_roster.service_layer.handlers import apply_stay_event
from shelter_runtime.consumer import subscribe
from shelter_runtime.wiring import build_app, connect


def bootstrap(settings: Settings | None = None, *span_processors: SpanProcessor) -> FastAPI:
    """The roster app; the consumer starts in its lifespan."""
    settings = settings or Settings()
    parts = connect(settings, *span_processors)
    entries = MongoRosterEntries(parts.db)
    parts.on_startup.append(entries.ensure_indexes)

    async def on_stay_event(event: EvacueeCheckedIn | EvacueeCheckedOut) -> None:
        await apply_stay_event(event, entries)

    subscribe(parts, EVACUEE_STAYS, on_stay_event)
    app = build_app(parts, title="Shelter check-in: roster", routers=[router])
    app.state.entries = entries
    return app
