"""Commands the registration service accepts (imperative names)."""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shelter_contracts.events import Channel, ShelterType
from shelter_contracts.personal import EvacueePersonal
from shelter_registration.domain.links import DisasterLink


class Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RegisterShelter(Command):
    shelter_id: str
    name: str
    capacity: int
    address: str = ""
    shelter_type: ShelterType = ShelterType.DESIGNATED
    latitude: float | None = None
    longitude: float | None = None
    open_data_id: str | None = None
    municipality_code: str | None = None
    actor: str | None = None


class EditShelter(Command):
    """Change the master facts that were given (model_fields_set); the rest stay.

    `expected_version` refuses an edit made on stale facts (a lost update).
    """

    shelter_id: str
    name: str | None = None
    capacity: int | None = None
    address: str | None = None
    shelter_type: ShelterType | None = None
    latitude: float | None = None
    longitude: float | None = None
    open_data_id: str | None = None
    municipality_code: str | None = None
    expected_version: int | None = None
    actor: str | None = None

    EDITABLE: ClassVar[tuple[str, ...]] = (
        "name",
        "capacity",
        "address",
        "shelter_type",
        "latitude",
        "longitude",
        "open_data_id",
        "municipality_code",
    )


class OpenShelter(Command):
    shelter_id: str
    actor: str | None = None


class CloseShelter(Command):
    shelter_id: str
    actor: str | None = None


class SetTrainingMode(Command):
    shelter_id: str
    training: bool
    actor: str | None = None


class DeleteShelter(Command):
    shelter_id: str
    actor: str | None = None


class ImportShelters(Command):
    """Import the municipal open-data CSV (raw bytes: UTF-8 with or without BOM, or cp932)."""

    data: bytes
    actor: str | None = None


class CheckIn(Command):
    shelter_id: str
    channel: Channel
    personal: EvacueePersonal
    statuses: tuple[str, ...] = ()
    message: str | None = None
    remarks: str | None = None
    consent: bool = False
    #: Staff account id, `kiosk:<token id>`, or "evacuee" (the smartphone form).
    actor: str | None = None


class CheckOut(Command):
    shelter_id: str
    stay_id: UUID
    channel: Channel
    forced: bool = False
    actor: str | None = None


class SetStatusItems(Command):
    items: tuple[str, ...]


class SetLinks(Command):
    """Replace the staff home page's links to other disaster pages (S15)."""

    links: tuple[DisasterLink, ...]
