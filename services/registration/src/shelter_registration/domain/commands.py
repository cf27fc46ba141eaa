"""Commands the registration service accepts (imperative names)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shelter_contracts.events import Channel
from shelter_contracts.personal import EvacueePersonal


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RegisterShelter(Command):
    shelter_id: str
    name: str
    capacity: int


class CheckIn(Command):
    shelter_id: str
    channel: Channel
    personal: EvacueePersonal
    statuses: tuple[str, ...] = ()
    message: str | None = None
    consent: bool = False


class CheckOut(Command):
    shelter_id: str
    stay_id: UUID
    channel: Channel
    forced: bool = False
