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


#: Pause between two metadata reads while waiting for created topics to be listed.
TOPIC_POLL_SECONDS = 0.2


def topic_names(settings: ServiceSettings, topics: Iterable[Topic]) -> list[str]:
    """The topics and their dead-letter topics, as `ensure_topics` creates them."""
    names = [t.name(settings.kafka_topic_namespace) for t in topics]
    return sorted({n for name in names for n in (name, f"{name}.dlq")})


async def ensure_topics(
    settings: ServiceSettings, topics: Iterable[Topic], timeout_seconds: float = 5.0
) -> bool:
    """Create the topics (and their dead-letter topics) a service uses, if they are missing,
    and wait until the broker lists each with a leader for every partition.

    Consumers subscribe right after this; a topic the controller has just created is not yet
    in the metadata a broker answers with, and a consumer asking then logged "Topic ... not
    found in cluster metadata" and joined its group without it until the next metadata refresh
    (nothing was lost: a new group starts from the earliest record; but a fresh start must be
    quiet and must not depend on that timing). True when every topic is listed; False, with a
    warning, when `timeout_seconds` passed first (the consumers pick the topics up later).
    Production creates topics up front (deploy/k8s) and sets KAFKA_CREATE_TOPICS=false.
    """
    names = topic_names(settings, topics)
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
        async with asyncio.timeout(timeout_seconds):
            while True:  # polling the broker's metadata: nothing in-process to wait on
                if listed_with_leaders(await admin.describe_topics(names), names):
                    break
                await asyncio.sleep(TOPIC_POLL_SECONDS)
    except TimeoutError:
        log.warning("Kafka topics not listed yet; consumers start anyway")
        return False
    finally:
        await admin.close()
    return True


def listed_with_leaders(described: Iterable[dict[str, Any]], names: Iterable[str]) -> bool:
    """Every topic of `names` known without error, with partitions that all have a leader."""
    found = {str(t["topic"]): t for t in described}
    for name in names:
        topic = found.get(name)
        if topic is None or topic.get("error_code") != 0:
            return False
        partitions = topic.get("partitions")
        if not isinstance(partitions, list) or not partitions:
            return False
        if any(not isinstance(p, dict) or int(p.get("leader", -1)) < 0 for p in partitions):
            return False
    return True


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
