"""Request and response bodies of the registration API (XCreate / XPublic)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from shelter_contracts.events import Channel, ShelterId, StatusItem
from shelter_contracts.personal import EvacueePersonal


class ShelterCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shelter_id: ShelterId
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    capacity: int = Field(ge=0, le=100_000, description="Number of people it can hold")


class ShelterPublic(BaseModel):
    shelter_id: str
    name: str
    capacity: int
    is_open: bool


class CheckInCreate(BaseModel):
    """A check-in from the smartphone form (S16.2): personal facts, statuses, message, consent."""

    model_config = ConfigDict(extra="forbid")

    personal: EvacueePersonal
    statuses: tuple[StatusItem, ...] = Field(default=(), max_length=20)
    message: Annotated[str, StringConstraints(max_length=1000)] | None = None
    consent: bool = Field(description="Consent to the handling of personal data (required)")


class CheckInPublic(BaseModel):
    stay_id: UUID
    shelter_id: str
    channel: Channel
    checked_in_at: AwareDatetime


class CheckOutCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stay_id: UUID


class CheckOutPublic(BaseModel):
    stay_id: UUID
    shelter_id: str
    checked_out_at: datetime
