"""`publish_event`: one event on its topic, keyed as the contract says, typed in a header."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import cast
from uuid import UUID

from faststream.kafka import KafkaBroker

from shelter_contracts.events import EvacueeCorrected, PersonalDataDeleted
from shelter_contracts.personal import Sex
from shelter_contracts.topics import DISASTER, EVACUEE_CORRECTIONS
from shelter_runtime.kafka import publish_event
from shelter_testing.brokers import RecordingBroker

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


async def test_a_disaster_event_goes_under_the_disaster_key() -> None:
    broker = RecordingBroker()
    report = PersonalDataDeleted(
        occurred_at=NOW, producer="roster", closure_id=UUID(int=1), service="roster",
        collections=("c",), documents_deleted=1, documents_remaining=0,
    )  # fmt: skip
    await publish_event(cast(KafkaBroker, broker), DISASTER, "ns", report)
    [(message, options)] = broker.sent
    assert message == report.model_dump(mode="json")
    assert options == {
        "topic": "ns.shelter.disaster.v1",
        "key": b"disaster",
        "headers": {"event-type": "PersonalDataDeleted"},
    }


async def test_a_shelter_event_goes_under_its_shelter_id() -> None:
    broker = RecordingBroker()
    corrected = EvacueeCorrected(
        occurred_at=NOW, shelter_id="13101-0001", producer="roster", stay_id=UUID(int=2),
        revision=2, age_band=70, sex=Sex.FEMALE, corrected_at=NOW,
    )  # fmt: skip
    await publish_event(cast(KafkaBroker, broker), EVACUEE_CORRECTIONS, "", corrected)
    [(_, options)] = broker.sent
    assert (options["topic"], options["key"]) == ("shelter.evacuee-corrections.v1", b"13101-0001")
