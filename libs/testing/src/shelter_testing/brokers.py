"""A stand-in for the Kafka broker where Kafka itself is not what a test is about."""

from __future__ import annotations

from typing import Any


class RecordingBroker:
    """Takes every publish and keeps it: the message and the publish options."""

    def __init__(self) -> None:
        self.sent: list[tuple[Any, dict[str, Any]]] = []

    async def publish(self, message: Any, **options: Any) -> None:
        self.sent.append((message, options))

    @property
    def published(self) -> list[str]:
        """The event ids published, in order."""
        return [message["event_id"] for message, _ in self.sent]
