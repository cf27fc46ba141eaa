"""Wires the roster service: the stays and shelters consumers, MongoDB and the HTTP API."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from shelter_contracts.events import EvacueeCheckedIn, EvacueeCheckedOut, ShelterEventBase
from shelter_contracts.topics import EVACUEE_STAYS, SHELTERS
from shelter_roster.adapters.mongo import (
    MongoNumbering,
    MongoRosterEntries,
    MongoRosterSettings,
    MongoShelterDirectory,
)
from shelter_roster.config import Settings
from shelter_roster.domain.rate_limit import RateLimiter
from shelter_roster.entrypoints import public, staff
from shelter_roster.entrypoints import settings as settings_routes
from shelter_roster.service_layer.handlers import apply_shelter_event, apply_stay_event
from shelter_runtime.consumer import subscribe
from shelter_runtime.wiring import build_app, connect


def bootstrap(settings: Settings | None = None, *span_processors: SpanProcessor) -> FastAPI:
    """The roster app; the consumers start in its lifespan."""
    settings = settings or Settings()
    parts = connect(settings, *span_processors)
    entries = MongoRosterEntries(parts.db)
    numbering = MongoNumbering(parts.db)
    shelters = MongoShelterDirectory(parts.db)
    parts.on_startup.append(entries.ensure_indexes)

    async def on_stay_event(event: EvacueeCheckedIn | EvacueeCheckedOut) -> None:
        await apply_stay_event(event, entries, numbering)

    async def on_shelter_event(event: ShelterEventBase) -> None:
        await apply_shelter_event(event, shelters)

    # One message at a time: batches gained little (28 -> 34 events/s, FerretDB serialises
    # writes) and FastStream traces a batch as one span, which would cut the check-in's trace.
    subscribe(parts, EVACUEE_STAYS, on_stay_event)
    subscribe(parts, SHELTERS, on_shelter_event)
    app = build_app(
        parts,
        title="Shelter check-in: roster",
        routers=[staff.router, public.router, settings_routes.router],
    )
    app.state.settings = settings
    app.state.entries = entries
    app.state.shelters = shelters
    app.state.roster_settings = MongoRosterSettings(parts.db)
    app.state.public_limiter = RateLimiter(settings.public_search_per_minute, window=60.0)
    return app
