"""The skeleton every service's bootstrap fills in: connections, lifespan, probes, telemetry."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI
from faststream.kafka import KafkaBroker
from opentelemetry.sdk.trace import SpanProcessor
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from shelter_contracts.topics import Topic
from shelter_runtime.http import ReadinessCheck, create_app
from shelter_runtime.kafka import create_broker, ensure_topics, wait_for_kafka
from shelter_runtime.mongo import Document, create_mongo_client, ping, service_database
from shelter_runtime.security import Verifier, install_verifier
from shelter_runtime.service import start_broker
from shelter_runtime.settings import ServiceSettings
from shelter_runtime.telemetry import Telemetry, configure_telemetry, instrument_app


@dataclass
class ServiceParts:
    """The connections of one service process, made before its handlers are wired."""

    settings: ServiceSettings
    telemetry: Telemetry
    client: AsyncMongoClient[Document]
    db: AsyncDatabase[Document]
    broker: KafkaBroker
    topics: list[Topic] = field(default_factory=list)
    on_startup: list[Callable[[], Awaitable[object]]] = field(default_factory=list)
    background: list[Callable[[], Coroutine[Any, Any, None]]] = field(default_factory=list)
    #: Closed after the background tasks stop, before the broker and the database client.
    on_shutdown: list[Callable[[], Awaitable[object]]] = field(default_factory=list)
    #: Links shown by /readyz that do not make the service unready (see `probes_router`).
    reported_checks: dict[str, ReadinessCheck] = field(default_factory=dict)


def connect(settings: ServiceSettings, *span_processors: SpanProcessor) -> ServiceParts:
    """Telemetry, the database client and the broker; nothing connects until start-up."""
    telemetry = configure_telemetry(settings, *span_processors)
    client = create_mongo_client(settings)
    return ServiceParts(
        settings=settings,
        telemetry=telemetry,
        client=client,
        db=service_database(client, settings),
        broker=create_broker(settings, telemetry),
    )


def build_app(parts: ServiceParts, *, title: str, routers: Sequence[APIRouter]) -> FastAPI:
    """The service's FastAPI app; its lifespan starts the broker and the background tasks."""

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        for hook in parts.on_startup:
            await hook()
        await wait_for_kafka(parts.settings)
        if parts.settings.kafka_create_topics and parts.topics:
            await ensure_topics(parts.settings, parts.topics)
        await start_broker(parts.broker)
        tasks = [asyncio.create_task(job()) for job in parts.background]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            for hook in parts.on_shutdown:
                await hook()
            await parts.broker.stop()
            await parts.client.close()
            parts.telemetry.shutdown()

    async def kafka_ready() -> bool:
        return await parts.broker.ping(timeout=2)

    async def database_ready() -> bool:
        return await ping(parts.client)

    app = create_app(
        title=title,
        version="0.1.0",
        routers=routers,
        checks={"kafka": kafka_ready, "database": database_ready},
        reported_checks=parts.reported_checks,
        lifespan=lifespan,
        max_body_bytes=parts.settings.max_request_body_bytes,
    )
    # Tokens are verified locally with the auth service's published keys (issue 4).
    install_verifier(
        app, Verifier.remote(parts.settings.auth_url, audience=parts.settings.service_name)
    )
    instrument_app(app, parts.telemetry)
    app.state.broker = parts.broker  # its subscribers: what the service reads (Kafka ACLs)
    return app
