"""Wires the roster service: the stays and shelters consumers, MongoDB and the HTTP API."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from shelter_contracts.events import (
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    EvacueeCorrected,
    ShelterEventBase,
)
from shelter_contracts.topics import EVACUEE_CORRECTIONS, EVACUEE_STAYS, SHELTERS
from shelter_roster.adapters.corrections import CorrectionPublisher
from shelter_roster.adapters.mongo import (
    MongoNumbering,
    MongoRosterEntries,
    MongoRosterSettings,
    MongoShelterDirectory,
)
from shelter_roster.adapters.purge import personal_data
from shelter_roster.config import Settings
from shelter_roster.domain.rate_limit import RateLimiter
from shelter_roster.entrypoints import export as disaster
from shelter_roster.entrypoints import public, pull, staff
from shelter_roster.entrypoints import settings as settings_routes
from shelter_roster.service_layer.handlers import apply_shelter_event, apply_stay_events
from shelter_runtime.audit import install_audit
from shelter_runtime.consumer import subscribe, subscribe_batch
from shelter_runtime.disaster import MongoClosureLog
from shelter_runtime.kafka import publish_event
from shelter_runtime.wiring import build_app, connect

#: Stay events handled together at most (see the consumer below).
STAY_BATCH = 10_000


def bootstrap(settings: Settings | None = None, *span_processors: SpanProcessor) -> FastAPI:
    """The roster app; the consumers start in its lifespan."""
    settings = settings or Settings()
    parts = connect(settings, *span_processors)
    # Held by whatever writes personal data: stay batches, corrections, the disaster purge.
    stay_writes = asyncio.Lock()
    entries = MongoRosterEntries(parts.db, personal_writes=stay_writes)
    numbering = MongoNumbering(parts.db)
    shelters = MongoShelterDirectory(parts.db)
    parts.on_startup.append(entries.ensure_indexes)
    parts.on_startup.append(numbering.migrate)  # before the consumers start
    parts.on_startup.append(shelters.migrate)
    closures = MongoClosureLog(parts.db)

    async def on_stay_events(events: Sequence[EvacueeCheckedIn | EvacueeCheckedOut]) -> None:
        # Stays from before a closure arrive late only if in flight at it: never recreate them.
        async with stay_writes:
            closed_at = await closures.closed_at()
            await apply_stay_events(events, entries, numbering, closed_at=closed_at)

    async def on_shelter_event(event: ShelterEventBase) -> None:
        await apply_shelter_event(event, shelters)

    # In batches: a batch costs one write per shelter and a few round trips per shard instead
    # of about ten per event; every event keeps its own consumer span in its trace
    # (subscribe_batch). Large batches: at 1,000 shelters a batch of 2,000 events touches most
    # shelters, so the per-shelter writes (1-3 ms each on FerretDB) are shared by few events.
    subscribe_batch(parts, EVACUEE_STAYS, on_stay_events, max_records=STAY_BATCH)
    subscribe(parts, SHELTERS, on_shelter_event)

    async def send_correction(event: EvacueeCorrected) -> None:
        await publish_event(
            parts.broker, EVACUEE_CORRECTIONS, settings.kafka_topic_namespace, event
        )

    # Corrections of sex and birth date reach the statistics (S11.1, adapters.corrections).
    parts.topics.append(EVACUEE_CORRECTIONS)
    parts.background.append(CorrectionPublisher(entries, send_correction).run)
    # Disaster closed (S10.3): delete every entry and report the count (entrypoints.export).
    disaster.subscribe_disaster(parts, personal_data(parts.db), closures, stay_writes)
    app = build_app(
        parts,
        title="Shelter check-in: roster",
        routers=[
            staff.router,
            public.router,
            settings_routes.router,
            pull.router,
            disaster.router,
        ],
    )
    install_audit(app, parts)  # corrections, exports, settings, PULL reads (S10.8)
    app.state.settings = settings
    app.state.entries = entries
    app.state.shelters = shelters
    app.state.roster_settings = MongoRosterSettings(parts.db)
    app.state.public_limiter = RateLimiter(settings.public_search_per_minute, window=60.0)
    app.state.report_export = disaster.report_export(parts)
    return app
