"""The Kafka broker of a service: idempotent producer, acks=all, trace context in headers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import Iterable
from typing import Any, Protocol

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from shelter_contracts.topics import Topic
from shelter_runtime.settings import ServiceSettings
from shelter_runtime.telemetry import Telemetry

log = logging.getLogger(__name__)


def _security(settings: ServiceSettings) -> BaseSecurity | None:
    if settings.kafka_security_protocol == "PLAINTEXT":
        return None
    context = ssl.create_default_context(cafile=settings.kafka_ssl_cafile)
    username = settings.kafka_sasl_username or ""
    password = settings.kafka_password
    match settings.kafka_sasl_mechanism:
        case "SCRAM-SHA-512":
            return SASLScram512(username, password, ssl_context=context)
        case "SCRAM-SHA-256":
            return SASLScram256(username, password, ssl_context=context)
        case "PLAIN":
            return SASLPlaintext(username, password, ssl_context=context)


def create_broker(settings: ServiceSettings, telemetry: Telemetry) -> KafkaBroker:
    """A broker whose publishes are idempotent and acknowledged by all in-sync replicas."""
    return KafkaBroker(
        settings.kafka_bootstrap_servers,
        client_id=settings.service_name,
        enable_idempotence=True,
        acks="all",
        security=_security(settings),
        logger=logging.getLogger("shelter.kafka"),
        middlewares=(
            KafkaTelemetryMiddleware(
                tracer_provider=telemetry.tracer_provider,
                meter_provider=telemetry.meter_provider,
            ),
        ),
    )


async def wait_for_kafka(settings: ServiceSettings, timeout_seconds: float = 60.0) -> None:
    """Wait until a bootstrap server accepts connections (a local stack starts all at once)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_seconds
    servers = [s.strip() for s in settings.kafka_bootstrap_servers.split(",") if s.strip()]
    while True:
        for server in servers:
            host, _, port = server.rpartition(":")
            try:
                _, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), 2)
            except (OSError, TimeoutError):
                continue
            writer.close()
            await writer.wait_closed()
            return
        if loop.time() > deadline:
            raise TimeoutError(f"no Kafka bootstrap server answered: {servers}")
        await asyncio.sleep(0.5)


async def ensure_topics(settings: ServiceSettings, topics: Iterable[Topic]) -> None:
    """Create the topics (and their dead-letter topics) a service uses, if they are missing.

    Consumers subscribe before any producer writes, so a topic created later by auto-creation
    would only be seen at the next metadata refresh. Production creates topics up front
    (deploy/k8s) and sets KAFKA_CREATE_TOPICS=false.
    """
    names = []
    for topic in topics:
        name = topic.name(settings.kafka_topic_namespace)
        names += [name, f"{name}.dlq"]
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"{settings.service_name}-admin",
        **_admin_security(settings),
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(n, settings.kafka_topic_partitions, settings.kafka_topic_replication)
            for n in names
            if n not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):  # another service was first
                await admin.create_topics(missing)
            log.info("created Kafka topics", extra={"count": len(missing)})
    finally:
        await admin.close()


def _admin_security(settings: ServiceSettings) -> dict[str, object]:
    if settings.kafka_security_protocol == "PLAINTEXT":
        return {}
    return {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": settings.kafka_sasl_mechanism,
        "sasl_plain_username": settings.kafka_sasl_username,
        "sasl_plain_password": settings.kafka_password,
        "ssl_context": ssl.create_default_context(cafile=settings.kafka_ssl_cafile),
    }


class _Published(Protocol):
    """An event of the contracts: what `publish_event` needs of it."""

    @property
    def event_type(self) -> str: ...

    def model_dump(self, *, mode: str) -> dict[str, Any]: ...


def _key_of(event: _Published) -> str:
    """The event's Kafka key: its `key` (disaster, audit events), else its shelter id."""
    key = getattr(event, "key", None)
    if not isinstance(key, str):
        key = getattr(event, "shelter_id", None)
    if not isinstance(key, str):
        raise TypeError(f"{event.event_type} has neither a key nor a shelter id")
    return key


async def publish_event(
    broker: KafkaBroker, topic: Topic, namespace: str, event: _Published
) -> None:
    """Publish one event now, outside any outbox: for facts a consumer re-derives on retry.

    The handler that publishes runs again if the publish fails (the consumer redelivers, or
    the request fails), so nothing accepted is lost.
    """
    await broker.publish(
        event.model_dump(mode="json"),
        topic=topic.name(namespace),
        key=_key_of(event).encode(),
        headers={"event-type": event.event_type},
    )
