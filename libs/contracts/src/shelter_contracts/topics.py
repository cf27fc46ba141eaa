"""The one catalogue of Kafka topics.

Every topic is keyed by shelter id, so the events of one shelter keep their order (the audit
topic by the producing service when a record concerns no shelter).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter

from shelter_contracts.events import (
    AuditEvent,
    CorrectionEvent,
    DisasterEvent,
    OccupancyEvent,
    ShelterEvent,
    StayEvent,
)
from shelter_contracts.kiosk import KioskEvent


@dataclass(frozen=True, slots=True)
class Topic:
    """A topic: its base name, what it carries and the adapter that parses its messages."""

    base_name: str
    description: str
    payload: TypeAdapter[Any]
    #: Who writes and who reads it (services, and `kiosk` for the shelter kiosks): the
    #: production Kafka users get exactly these rights (deploy/k8s, deploy/compose; a test
    #: compares them, and each service's subscriptions, with this table).
    producers: tuple[str, ...] = ()
    consumers: tuple[str, ...] = ()

    def name(self, namespace: str = "") -> str:
        """Full topic name; a namespace (one per test run or environment) prefixes it."""
        return f"{namespace}.{self.base_name}" if namespace else self.base_name


EVACUEE_STAYS = Topic(
    base_name="shelter.evacuee-stays.v1",
    description="Check-ins and check-outs of evacuees (入所・退所), keyed by shelter id.",
    payload=TypeAdapter(StayEvent),
    producers=("registration",),
    consumers=("roster", "stats"),
)
SHELTERS = Topic(
    base_name="shelter.shelters.v1",
    description="Shelter facts as registered (避難所), keyed by shelter id.",
    payload=TypeAdapter(ShelterEvent),
    producers=("registration",),
    consumers=("roster", "stats", "integration"),
)

OCCUPANCY = Topic(
    base_name="shelter.occupancy.v1",
    description="Coalesced counts per shelter (避難者数・世帯数・混雑度), keyed by shelter id.",
    payload=TypeAdapter(OccupancyEvent),
    producers=("stats",),
    consumers=("integration",),
)

CARD_READS = Topic(
    base_name="shelter.card-reads.v1",
    description="ID cards read at shelter kiosks (カード読取, S1.3, S6.5), keyed by shelter id.",
    payload=TypeAdapter(KioskEvent),
    producers=("kiosk",),
    consumers=("registration",),
)

AUDIT = Topic(
    base_name="shelter.audit.v1",
    description="Audit records of every service for the auth service's audit trail (監査ログ, "
    "S10.8), keyed by shelter id, or by the producing service when no shelter is concerned.",
    payload=TypeAdapter(AuditEvent),
    producers=("registration", "roster", "integration"),
    consumers=("auth",),
)

EVACUEE_CORRECTIONS = Topic(
    base_name="shelter.evacuee-corrections.v1",
    description="Staff corrections of what statistics count of a stay (sex, age band; 訂正, "
    "S11.1), keyed by shelter id.",
    payload=TypeAdapter(CorrectionEvent),
    producers=("roster",),
    consumers=("stats",),
)

DISASTER = Topic(
    base_name="shelter.disaster.v1",
    description="The disaster's file exported, its closure (災害収束, S10.3) and each "
    "service's confirmed deletion of personal data, all under one key (`disaster`), in order.",
    payload=TypeAdapter(DisasterEvent),
    producers=("registration", "roster"),
    consumers=("registration", "roster"),
)

CATALOGUE: tuple[Topic, ...] = (
    EVACUEE_STAYS,
    SHELTERS,
    OCCUPANCY,
    CARD_READS,
    AUDIT,
    EVACUEE_CORRECTIONS,
    DISASTER,
)
