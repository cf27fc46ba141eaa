"""Builds the AsyncAPI 3.0 document of the topic catalogue (committed as asyncapi.json)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from faststream.kafka import KafkaBroker
from faststream.specification import AsyncAPI
from pydantic import BaseModel

from shelter_contracts.events import (
    AuditRecorded,
    DisasterClosed,
    DisasterExported,
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    EvacueeCorrected,
    Event,
    OccupancyChanged,
    PersonalDataDeleted,
    ShelterClosed,
    ShelterDeleted,
    ShelterOpened,
    ShelterRegistered,
    ShelterTrainingModeChanged,
    ShelterUpdated,
)
from shelter_contracts.kiosk import CardRead
from shelter_contracts.topics import (
    AUDIT,
    CARD_READS,
    DISASTER,
    EVACUEE_CORRECTIONS,
    EVACUEE_STAYS,
    OCCUPANCY,
    SHELTERS,
    Topic,
)

DOCUMENT_PATH = Path(__file__).resolve().parents[2] / "asyncapi.json"

_PUBLISHED: tuple[tuple[Topic, type[Event] | type[BaseModel]], ...] = (
    (EVACUEE_STAYS, EvacueeCheckedIn),
    (EVACUEE_STAYS, EvacueeCheckedOut),
    (SHELTERS, ShelterRegistered),
    (SHELTERS, ShelterUpdated),
    (SHELTERS, ShelterOpened),
    (SHELTERS, ShelterClosed),
    (SHELTERS, ShelterTrainingModeChanged),
    (SHELTERS, ShelterDeleted),
    (OCCUPANCY, OccupancyChanged),
    (AUDIT, AuditRecorded),
    (EVACUEE_CORRECTIONS, EvacueeCorrected),
    (CARD_READS, CardRead),
    (DISASTER, DisasterClosed),
    (DISASTER, PersonalDataDeleted),
    (DISASTER, DisasterExported),
)


def build_document() -> dict[str, Any]:
    """The AsyncAPI document, as a JSON-compatible dict, with stable key order."""
    broker = KafkaBroker("kafka:9092", description="Apache Kafka of the shelter check-in system")
    for topic, event in _PUBLISHED:
        broker.publisher(
            topic.base_name,
            title=f"{topic.base_name}:{event.__name__}",
            description=f"{event.__doc__} Topic: {topic.description}",
            schema=event,
        )
    spec = AsyncAPI(
        broker,
        title="Shelter check-in events",
        version="1.0.0",
        description="Events between the services of the evacuation-shelter check-in system.",
        schema_version="3.0.0",
    )
    document: dict[str, Any] = json.loads(spec.to_specification().to_json())
    return document


def render() -> str:
    """The document as committed: sorted keys, two-space indent, trailing newline."""
    return json.dumps(build_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    """Write (default) or check (`--check`) the committed document."""
    text = render()
    if "--check" in sys.argv[1:]:
        if DOCUMENT_PATH.read_text(encoding="utf-8") != text:
            sys.exit(f"{DOCUMENT_PATH} is stale: run `make asyncapi`")
        return
    DOCUMENT_PATH.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
