"""A fresh start creates registration's topics and waits until the broker lists them
(shelter_runtime.kafka.ensure_topics, run by every service's start-up)."""

from __future__ import annotations

import logging

from aiokafka.admin import AIOKafkaAdminClient
from asgi_lifespan import LifespanManager

from shelter_contracts.topics import CARD_READS, SHELTERS
from shelter_registration.bootstrap import bootstrap
from shelter_registration.config import Settings
from shelter_runtime.kafka import ensure_topics, topic_names
from shelter_testing.stack import Stack


async def _listed(stack: Stack, names: list[str]) -> dict[str, int]:
    """Per topic the broker knows (no error), how many partitions have a leader."""
    admin = AIOKafkaAdminClient(bootstrap_servers=stack.kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(names)
    finally:
        await admin.close()
    return {
        t["topic"]: sum(p["leader"] >= 0 for p in t["partitions"])
        for t in described
        if t["error_code"] == 0
    }


async def test_topics_are_listed_with_leaders_as_soon_as_they_are_ready(
    settings: Settings, stack: Stack
) -> None:
    topics = [CARD_READS, SHELTERS]
    assert await ensure_topics(settings, topics) is True
    names = topic_names(settings, topics)
    assert len(names) == 4  # and their dead-letter topics
    # Right away, with no pause: what a consumer subscribing now would be told.
    listed = await _listed(stack, names)
    assert listed == dict.fromkeys(names, settings.kafka_topic_partitions)
    assert await ensure_topics(settings, topics) is True  # existing ones: nothing to create


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


async def test_a_fresh_start_subscribes_without_topic_not_found(
    settings: Settings, stack: Stack
) -> None:
    app = bootstrap(settings)  # configures logging: the handler goes on after it
    records = _Records()
    kafka_log = logging.getLogger("aiokafka")
    kafka_log.addHandler(records)
    try:
        async with LifespanManager(app, startup_timeout=60):
            names = topic_names(settings, [CARD_READS])
            assert set(await _listed(stack, names)) == set(names)
    finally:
        kafka_log.removeHandler(records)
    assert [m for m in records.messages if "not found in cluster metadata" in m] == []
