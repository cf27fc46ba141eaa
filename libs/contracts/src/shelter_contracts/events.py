"""Events published on Kafka. Past tense names; every event carries the same envelope fields."""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, Literal
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from shelter_contracts.personal import EvacueePersonal

SCHEMA_VERSION = 1

ShelterId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"),
    Field(description="Shelter id; also the Kafka message key", examples=["13101-0001"]),
]
StatusItem = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class Channel(IntEnum):
    """How a person was registered (登録区分, S12): 1 card kiosk, 2 staff proxy, 3 smartphone."""

    CARD = 1
    STAFF = 2
    SMARTPHONE = 3


class Event(BaseModel):
    """Envelope shared by every event: id for idempotency, version, time, key and producer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID = Field(
        default_factory=uuid4, description="Unique id; consumers ignore an id they have seen"
    )
    schema_version: int = Field(default=SCHEMA_VERSION, ge=1, description="Schema version")
    occurred_at: AwareDatetime = Field(description="When it happened (UTC)")
    shelter_id: ShelterId
    producer: str = Field(description="Service that published the event", examples=["registration"])


class ShelterRegistered(Event):
    """A shelter was created or its facts changed (避難所登録, S10.6, S14)."""

    event_type: Literal["ShelterRegistered"] = "ShelterRegistered"
    name: str = Field(description="Shelter name", examples=["千代田小学校"])
    capacity: int = Field(ge=0, description="Number of people the shelter can hold (収容人数)")


class EvacueeCheckedIn(Event):
    """An evacuee checked in at a shelter (入所, S12)."""

    event_type: Literal["EvacueeCheckedIn"] = "EvacueeCheckedIn"
    stay_id: UUID = Field(description="Id of this stay; check-out events refer to it")
    channel: Channel
    personal: EvacueePersonal
    age_band: int = Field(
        ge=0, le=90, multiple_of=10, description="Age by decade at check-in; 90 means 90 and over"
    )
    statuses: tuple[StatusItem, ...] = Field(
        default=(), max_length=20, description="Status items ticked on the form (S10.7)"
    )
    message: Annotated[str, StringConstraints(max_length=1000)] | None = Field(
        default=None, description="Free-text message: allergies, illness, needs (S16.2)"
    )
    checked_in_at: AwareDatetime = Field(description="Check-in time")
    training: bool = Field(default=False, description="Registered in training mode (訓練モード)")


class EvacueeCheckedOut(Event):
    """An evacuee left a shelter (退所), on their own or forced by staff (S11.1 「退」)."""

    event_type: Literal["EvacueeCheckedOut"] = "EvacueeCheckedOut"
    stay_id: UUID
    channel: Channel
    checked_out_at: AwareDatetime
    forced: bool = Field(default=False, description="Checked out by staff on the evacuee's behalf")


StayEvent = Annotated[EvacueeCheckedIn | EvacueeCheckedOut, Field(discriminator="event_type")]
ShelterEvent = Annotated[ShelterRegistered, Field(discriminator="event_type")]
