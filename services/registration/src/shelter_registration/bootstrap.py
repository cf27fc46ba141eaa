"""Wires the registration service: MongoDB, Kafka, the outbox relay and the HTTP API."""

from __future__ import annotations

from fastapi import FastAPI
from opentelemetry.sdk.trace import SpanProcessor

from shelter_contracts.topics import EVACUEE_STAYS, SHELTERS
from shelter_registration.adapters.clock import SystemClock
from shelter_registration.adapters.mongo import MongoShelters, MongoStays
from shelter_registration.config import Settings
from shelter_registration.entrypoints.http import shelters
from shelter_registration.service_layer import handlers
from shelter_runtime.outbox import OutboxRelay
from shelter_runtime.wiring import build_app, connect


def bootstrap(settings: Settings | None = None, *span_processors: SpanProcessor) -> FastAPI:
    """The registration app, ready to serve; connections open in its lifespan."""
    settings = settings or Settings()
    parts = connect(settings, *span_processors)
    namespace = settings.kafka_topic_namespace
    shelter_repo = MongoShelters(parts.db, namespace)
    stay_repo = MongoStays(parts.db, namespace)
    relay = OutboxRelay(
        parts.broker,
        {handlers.SHELTERS: shelter_repo.collection, handlers.STAYS: stay_repo.collection},
        interval_seconds=settings.outbox_relay_interval_seconds,
    )
    parts.topics += [EVACUEE_STAYS, SHELTERS]
    parts.on_startup.append(stay_repo.ensure_indexes)
    parts.background.append(relay.run)

    app = build_app(parts, title="Shelter check-in: registration", routers=[shelters])
    app.state.deps = handlers.Dependencies(
        shelters=shelter_repo, stays=stay_repo, dispatcher=relay, clock=SystemClock()
    )
    return app
