"""Wires the integration service: consumers, read model, NGSI-LD publisher, PULL and PUSH."""

from __future__ import annotations

import time

import httpx
from fastapi import FastAPI
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.trace import SpanProcessor

from shelter_contracts.events import OccupancyChanged, ShelterEventBase
from shelter_contracts.topics import OCCUPANCY, SHELTERS
from shelter_integration.adapters.mongo import MongoShelters
from shelter_integration.adapters.ngsi_ld import NgsiLdBroker
from shelter_integration.adapters.webhook_store import MongoWebhookStore
from shelter_integration.config import Settings
from shelter_integration.domain.webhooks import RetryPolicy
from shelter_integration.entrypoints.http import IntegrationApi, context_router, router
from shelter_integration.entrypoints.webhooks import WebhookApi
from shelter_integration.entrypoints.webhooks import router as webhooks_router
from shelter_integration.service_layer.handlers import apply_occupancy, apply_shelter_event
from shelter_integration.service_layer.publisher import Publisher, PublisherMetrics
from shelter_integration.service_layer.url_guard import UrlGuard
from shelter_integration.service_layer.webhooks import WebhookDispatcher
from shelter_runtime.audit import install_audit
from shelter_runtime.consumer import subscribe
from shelter_runtime.settings import Environment
from shelter_runtime.wiring import build_app, connect

METER_NAME = "shelter_integration"


def publisher_metrics(meter_provider: MeterProvider) -> PublisherMetrics:
    """OpenTelemetry instruments for the send rate, the failures and the lag."""
    meter = meter_provider.get_meter(METER_NAME)
    sent = meter.create_counter(
        "integration.ngsi_ld.entities_sent", unit="{entity}", description="Entities upserted"
    )
    failed = meter.create_counter(
        "integration.ngsi_ld.failures",
        unit="{shelter}",
        description="Shelters not sent: kind=unavailable (broker down), entity (207), rejected",
    )
    lag = meter.create_histogram(
        "integration.ngsi_ld.lag",
        unit="s",
        description="From the counting of a shelter's occupancy to its upsert on the broker",
    )
    return PublisherMetrics(
        sent=sent.add,
        failed=lambda n, kind: failed.add(n, {"kind": kind}),
        lag=lag.record,
    )


def bootstrap(settings: Settings | None = None, *span_processors: SpanProcessor) -> FastAPI:
    """The integration app; consumers and the publisher start in its lifespan."""
    settings = settings or Settings()
    parts = connect(settings, *span_processors)
    shelters = MongoShelters(parts.db)

    broker = publisher = None
    if settings.orion_ld_url:
        broker = NgsiLdBroker(
            settings.orion_ld_url,
            tenant=settings.ngsild_tenant,
            context_mode=settings.ngsi_ld_context_mode,
            context_url=settings.ngsi_ld_context_url,
            timeout_seconds=settings.broker_timeout_seconds,
        )
        publisher = Publisher(
            shelters,
            broker,
            local_government_code=settings.local_government_code,
            interval_seconds=settings.publish_interval_seconds,
            batch_shelters=settings.publish_batch_shelters,
            retry_initial_seconds=settings.broker_retry_initial_seconds,
            retry_max_seconds=settings.broker_retry_max_seconds,
            clock=time.monotonic,
            metrics=publisher_metrics(parts.telemetry.meter_provider),
        )
        parts.background.append(publisher.run)

    webhooks = MongoWebhookStore(parts.db)
    guard = UrlGuard(settings.webhook_allowed_networks)
    # No kept-alive connections: deliveries go to checked addresses (url_guard.pin) and a pooled
    # TLS connection is keyed by that address, so two webhook hosts on one address would share
    # a connection whose certificate was verified for the other name.
    webhook_http = httpx.AsyncClient(
        timeout=settings.webhook_timeout_seconds,
        follow_redirects=False,
        limits=httpx.Limits(max_keepalive_connections=0),
    )
    dispatcher = WebhookDispatcher(
        webhooks,
        shelters,
        webhook_http,
        policy=RetryPolicy(
            settings.webhook_retry_base_seconds,
            settings.webhook_retry_max_seconds,
            settings.webhook_max_attempts,
        ),
        guard=guard,
    )
    parts.background.append(dispatcher.run)

    async def changed(shelter_id: str) -> None:
        if publisher is not None:
            publisher.touch(shelter_id)
        await dispatcher.shelter_changed(shelter_id)

    async def on_shelter_event(event: ShelterEventBase) -> None:
        await apply_shelter_event(event, shelters, changed)

    async def on_occupancy(event: OccupancyChanged) -> None:
        await apply_occupancy(event, shelters, changed)

    subscribe(parts, SHELTERS, on_shelter_event)
    subscribe(parts, OCCUPANCY, on_occupancy)

    parts.on_shutdown.append(webhook_http.aclose)
    if broker is not None:
        parts.on_shutdown.append(broker.close)
        # S17: readiness reports the broker link, but a broker outage (which the publisher
        # rides out by retrying and resyncing) must not take the PULL API out of service.
        parts.reported_checks["ngsi_ld_broker"] = broker.ping
    app = build_app(
        parts,
        title="Shelter check-in: integration",
        routers=[context_router, router, webhooks_router],
    )
    install_audit(app, parts)  # webhook register, remove, redeliver (S10.8)
    app.state.integration_api = IntegrationApi(shelters, settings.local_government_code)
    app.state.webhook_api = WebhookApi(
        webhooks,
        dispatcher,
        https_only=settings.environment is Environment.PRODUCTION,
        guard=guard,
    )
    app.state.publisher = publisher
    return app
