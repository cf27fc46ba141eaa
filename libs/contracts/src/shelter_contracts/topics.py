"""The one catalogue of Kafka topics.

Every topic is keyed by shelter id, so the events of one shelter keep their order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from shelter_contracts.events import OccupancyEvent, ShelterEvent, StayEvent


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic: its base name, what it carries and the adapter that parses its messages."""

    base_name: str
    description: str
    payload: TypeAdapter[Any]

    def name(self, namespace: str = "") -> str:
        """Full topic name; a namespace (one per test run or environment) prefixes it."""
        return f"{namespace}.{self.base_name}" if namespace else self.base_name


EVACUEE_STAYS = Topic(
    base_name="shelter.evacuee-stays.v1",
    description="Check-ins and check-outs of evacuees (入所・退所), keyed by shelter id.",
    payload=TypeAdapter(StayEvent),
)
SHELTERS = Topic(
    base_name="shelter.shelters.v1",
    description="Shelter facts as registered (避難所), keyed by shelter id.",
    payload=TypeAdapter(ShelterEvent),
)

OCCUPANCY = Topic(
    base_name="shelter.occupancy.v1",
    description="Coalesced counts per shelter (避難者数・世帯数・混雑度), keyed by shelter id.",
    payload=TypeAdapter(OccupancyEvent),
)

CATALOGUE: tuple[Topic, ...] = (EVACUEE_STAYS, SHELTERS, OCCUPANCY)
