"""Wires the registration service: MongoDB, Kafka, the outbox relay and the HTTP API."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from shelter_contracts.topics import EVACUEE_STAYS, SHELTERS
from shelter_registration.adapters.card_read_claims import MongoCardReadClaims
from shelter_registration.adapters.clock import SystemClock
from shelter_registration.adapters.mongo import (
    MongoLinks,
    MongoShelters,
    MongoStatusItems,
    MongoStays,
    StringIdDispatcher,
)
from shelter_registration.adapters.purge import (
    MongoDisasterLog,
    MongoOutboxBacklog,
    personal_data,
)
from shelter_registration.config import Settings
from shelter_registration.entrypoints.card_reads import card_read_verifier, subscribe_card_reads
from shelter_registration.entrypoints.disaster import router as disaster_router
from shelter_registration.entrypoints.disaster import subscribe_disaster
from shelter_registration.entrypoints.http import imports, settings_router, shelters
from shelter_registration.entrypoints.qr_codes import qr_codes
from shelter_registration.service_layer import handlers
from shelter_runtime.audit import install_audit
from shelter_runtime.disaster import MongoClosureLog
from shelter_runtime.outbox import OutboxRelay
from shelter_runtime.wiring import build_app, connect


def bootstrap(settings: Settings | None = None, *span_processors: SpanProcessor) -> FastAPI:
    """The registration app, ready to serve; connections open in its lifespan.

    The runtime's body limit is app-wide, so the app gets the CSV import's larger limit and
    every JSON route enforces `max_request_body_bytes` itself (entrypoints.deps.SmallBodyRoute).
    """
    settings = settings or Settings()
    app_limit = max(settings.max_import_body_bytes, settings.max_request_body_bytes)
    parts = connect(
        settings.model_copy(update={"max_request_body_bytes": app_limit}), *span_processors
    )
    namespace = settings.kafka_topic_namespace
    shelter_repo = MongoShelters(parts.db, namespace)
    stay_repo = MongoStays(parts.db, namespace)
    relay = OutboxRelay(
        parts.broker,
        {handlers.SHELTERS: shelter_repo.collection, handlers.STAYS: stay_repo.collection},
        interval_seconds=settings.outbox_relay_interval_seconds,
    )
    parts.topics += [EVACUEE_STAYS, SHELTERS]
    parts.on_startup += [shelter_repo.ensure_layout, stay_repo.ensure_indexes]
    parts.background.append(relay.run)

    # qr_codes and imports first: /shelters/qr.html is not a shelter id.
    app = build_app(
        parts,
        title="Shelter check-in: registration",
        routers=[qr_codes, imports, shelters, settings_router, disaster_router],
    )
    app.state.settings = settings
    # Kiosk card reads (issue 6): checked and applied once each, with channel 1.
    subscribe_card_reads(
        parts,
        lambda: app.state.deps,
        MongoCardReadClaims(parts.db),
        card_read_verifier(settings.auth_url, settings.service_name),
    )
    app.state.deps = handlers.Dependencies(
        shelters=shelter_repo,
        stays=stay_repo,
        status_items=MongoStatusItems(parts.db),
        dispatcher=StringIdDispatcher(relay),
        clock=SystemClock(),
        links=MongoLinks(parts.db),
    )
    install_audit(app, parts)  # who changed, imported or configured what (S10.8)
    # Disaster closed (S10.3): publish the closure, delete personal data, keep the reports.
    app.state.disaster_log = disaster_log = MongoDisasterLog(
        parts.db, parts.broker, namespace, settings.outbox_relay_interval_seconds
    )
    parts.background.append(disaster_log.relay.run)
    app.state.outbox_backlog = MongoOutboxBacklog(parts.db)
    subscribe_disaster(
        parts, lambda: app.state.disaster_log, personal_data(parts.db), MongoClosureLog(parts.db)
    )
    return app
