"""OccupancyChanged onto its Kafka topic, keyed by shelter id like every topic."""

from __future__ import annotations

from faststream.kafka import KafkaBroker

from shelter_contracts.events import OccupancyChanged


class KafkaOccupancySender:
    def __init__(self, broker: KafkaBroker, topic_name: str) -> None:
        self._broker = broker
        self.topic_name = topic_name

    async def __call__(self, event: OccupancyChanged) -> None:
        await self._broker.publish(
            event.model_dump(mode="json"),
            topic=self.topic_name,
            key=event.shelter_id.encode(),
            headers={"event-type": event.event_type},
        )
