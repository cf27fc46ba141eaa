"""Events cross Kafka as JSON: they round-trip, cannot change, and carry a checked envelope."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from shelter_contracts.events import (
    SCHEMA_VERSION,
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    Event,
    ShelterRegistered,
)
from shelter_contracts.topics import EVACUEE_STAYS, SHELTERS, Topic


def _envelope(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "occurred_at": "2026-11-25T09:30:00+09:00",
        "shelter_id": "13101-0001",
        "producer": "registration",
        "version": 1,
        "shelter": {"name": "千代田小学校", "capacity": 200},
    }
    fields.update(overrides)
    return fields


def test_every_event_round_trips_through_its_topic_adapter(
    published: tuple[Topic, Event],
) -> None:
    topic, event = published
    raw = event.model_dump_json().encode()

    parsed = topic.payload.validate_json(raw)

    assert type(parsed) is type(event)
    assert parsed == event
    assert topic.payload.dump_json(parsed) == raw


def test_every_event_names_its_type_in_the_json(published: tuple[Topic, Event]) -> None:
    _, event = published
    assert json.loads(event.model_dump_json())["event_type"] == type(event).__name__


def test_a_topic_refuses_the_events_of_another_topic(
    checked_in: EvacueeCheckedIn, shelter_registered: ShelterRegistered
) -> None:
    with pytest.raises(ValidationError):
        SHELTERS.payload.validate_json(checked_in.model_dump_json())
    with pytest.raises(ValidationError):
        EVACUEE_STAYS.payload.validate_json(shelter_registered.model_dump_json())


def test_the_stay_topic_tells_check_outs_from_check_ins(checked_out: EvacueeCheckedOut) -> None:
    parsed = EVACUEE_STAYS.payload.validate_json(checked_out.model_dump_json())
    assert isinstance(parsed, EvacueeCheckedOut)
    assert parsed.forced is True


def test_every_field_of_every_event_is_frozen(published: tuple[Topic, Event]) -> None:
    _, event = published
    before = event.model_dump()
    for field in type(event).model_fields:
        with pytest.raises(ValidationError, match="frozen"):
            setattr(event, field, before[field])
    assert event.model_dump() == before


def test_the_personal_data_inside_a_check_in_is_frozen_too(checked_in: EvacueeCheckedIn) -> None:
    field = "family_name"
    with pytest.raises(ValidationError, match="frozen"):
        setattr(checked_in.personal, field, "佐藤")
    assert checked_in.personal.family_name == "山田"


def test_the_envelope_fields_are_present_on_every_event(published: tuple[Topic, Event]) -> None:
    _, event = published
    document = json.loads(event.model_dump_json())
    for field in ("event_id", "schema_version", "occurred_at", "shelter_id", "producer"):
        assert field in document, field
    assert UUID(document["event_id"]) == event.event_id
    assert document["schema_version"] == SCHEMA_VERSION == 1


def test_event_ids_are_unique_by_default() -> None:
    events = [ShelterRegistered.model_validate(_envelope()) for _ in range(50)]
    ids = {event.event_id for event in events}
    assert len(ids) == 50
    assert all(event_id.version == 4 for event_id in ids)


def test_an_event_id_given_explicitly_is_kept() -> None:
    event_id = "6f1c1a3e-58f4-4f2f-9a55-0c1e6c7c3b11"
    event = ShelterRegistered.model_validate(_envelope(event_id=event_id))
    assert event.event_id == UUID(event_id)


@pytest.mark.parametrize("version", [0, -1])
def test_schema_version_must_be_positive(version: int) -> None:
    with pytest.raises(ValidationError, match="schema_version"):
        ShelterRegistered.model_validate(_envelope(schema_version=version))


def test_occurred_at_must_be_timezone_aware() -> None:
    with pytest.raises(ValidationError, match="occurred_at") as caught:
        ShelterRegistered.model_validate(_envelope(occurred_at="2026-11-25T09:30:00"))
    assert caught.value.errors()[0]["type"] == "timezone_aware"
    with pytest.raises(ValidationError, match="occurred_at"):
        ShelterRegistered.model_validate(_envelope(occurred_at=datetime(2026, 11, 25, 9, 30)))  # noqa: DTZ001


def test_an_aware_occurred_at_keeps_its_instant() -> None:
    jst = timezone(timedelta(hours=9))
    event = ShelterRegistered.model_validate(
        _envelope(occurred_at=datetime(2026, 11, 25, 18, 30, tzinfo=jst))
    )
    parsed = SHELTERS.payload.validate_json(event.model_dump_json())
    assert parsed.occurred_at == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("shelter_id", ["13101-0001", "a", "A_b.c-9", "x" * 64, "0" + "-" * 63])
def test_shelter_ids_that_fit_the_pattern_are_accepted(shelter_id: str) -> None:
    assert ShelterRegistered.model_validate(_envelope(shelter_id=shelter_id)).shelter_id == (
        shelter_id
    )


@pytest.mark.parametrize(
    "shelter_id",
    ["", "-0001", ".hidden", "_x", "x" * 65, "a b", "a/b", "千代田", "13101-0001\n", "a:b"],
)
def test_shelter_ids_outside_the_pattern_are_refused(shelter_id: str) -> None:
    with pytest.raises(ValidationError, match="shelter_id"):
        ShelterRegistered.model_validate(_envelope(shelter_id=shelter_id))


def test_events_refuse_unknown_fields() -> None:
    with pytest.raises(ValidationError, match="family_name") as caught:
        ShelterRegistered.model_validate(_envelope(family_name="山田"))
    assert [error["type"] for error in caught.value.errors()] == ["extra_forbidden"]


def test_the_envelope_is_shared_by_every_event() -> None:
    for event_type in (ShelterRegistered, EvacueeCheckedIn, EvacueeCheckedOut):
        assert issubclass(event_type, Event)
        assert set(Event.model_fields) <= set(event_type.model_fields)


@pytest.mark.parametrize("age_band", [-10, 5, 95, 100])
def test_age_band_is_a_decade_between_0_and_90(checked_in: EvacueeCheckedIn, age_band: int) -> None:
    document = checked_in.model_dump(mode="json") | {"age_band": age_band}
    with pytest.raises(ValidationError, match="age_band"):
        EvacueeCheckedIn.model_validate(document)
