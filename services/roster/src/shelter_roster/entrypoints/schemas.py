"""Request and response bodies of the roster API (schema variants XPublic / XUpdate)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from shelter_contracts.events import Channel, StatusItem
from shelter_contracts.personal import EvacueePersonal, Sex
from shelter_roster.domain.disclosure import AgeFormat, DisclosureSettings
from shelter_roster.domain.model import Edit, RosterEntry


class RosterEntryPublic(BaseModel):
    """One row of the roster (S12) for staff."""

    stay_id: UUID
    shelter_id: str
    serial: int | None = Field(description="Serial number in the shelter (通番)")
    channel: Channel = Field(description="登録区分: 1 card, 2 staff proxy, 3 smartphone")
    household_number: int | None = Field(description="Household number in the shelter (世帯番号)")
    personal: EvacueePersonal
    age_band: int | None
    statuses: list[str]
    message: str | None
    remarks: str | None = Field(description="Remarks by staff (備考)")
    checked_in_at: datetime
    checked_out_at: datetime | None
    forced_check_out: bool
    transferred_from: str | None
    transferred_to: str | None
    training: bool
    revision: int = Field(description="Number of corrections so far")

    @classmethod
    def of(cls, entry: RosterEntry) -> RosterEntryPublic:
        return cls(
            stay_id=entry.stay_id,
            shelter_id=entry.shelter_id,
            serial=entry.serial,
            channel=entry.channel,
            household_number=entry.household_number,
            personal=entry.personal,
            age_band=entry.age_band,
            statuses=list(entry.statuses),
            message=entry.message,
            remarks=entry.remarks,
            checked_in_at=entry.checked_in_at,
            checked_out_at=entry.checked_out_at,
            forced_check_out=entry.forced_check_out,
            transferred_from=entry.transferred_from,
            transferred_to=entry.transferred_to,
            training=entry.training,
            revision=entry.revision,
        )


class RosterPage(BaseModel):
    items: list[RosterEntryPublic]
    total: int = Field(description="Entries matching the filters, all pages")
    limit: int
    offset: int


Remarks = Annotated[str, StringConstraints(max_length=1000)]
Message = Annotated[str, StringConstraints(max_length=1000)]


class PersonalUpdate(BaseModel):
    """Personal fields to correct; a field left out stays as it is, null clears an optional one."""

    model_config = ConfigDict(extra="forbid")

    family_name: str | None = None
    given_name: str | None = None
    family_name_kana: str | None = None
    given_name_kana: str | None = None
    address: str | None = None
    date_of_birth: date | None = None
    sex: Sex | None = None
    phone: str | None = None
    email: str | None = None


class RosterEntryUpdate(BaseModel):
    """A staff correction (S11.1 edit link): only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    personal: PersonalUpdate | None = None
    statuses: list[StatusItem] | None = Field(default=None, max_length=20)
    message: Message | None = None
    remarks: Remarks | None = None
    revision: int | None = Field(
        default=None,
        ge=0,
        description="The entry's revision as the editor loaded it: 409 if it changed meanwhile",
    )

    def personal_changes(self) -> dict[str, Any]:
        if self.personal is None:
            return {}
        return self.personal.model_dump(mode="json", include=self.personal.model_fields_set)

    def other_changes(self) -> dict[str, Any]:
        return self.model_dump(
            mode="json", include=self.model_fields_set & {"statuses", "message", "remarks"}
        )


class FieldChangePublic(BaseModel):
    field: str
    old: Any
    new: Any


class EditPublic(BaseModel):
    """One correction in an entry's history (staff only: it holds old and new values)."""

    at: datetime
    actor: str | None
    fields: list[str]
    changes: list[FieldChangePublic]

    @classmethod
    def of(cls, edit: Edit) -> EditPublic:
        return cls(
            at=edit.at,
            actor=edit.actor,
            fields=list(edit.fields),
            changes=[FieldChangePublic(field=c.field, old=c.old, new=c.new) for c in edit.changes],
        )


class EntryHistory(BaseModel):
    stay_id: UUID
    items: list[EditPublic]


class DisclosureSettingsPublic(BaseModel):
    """Which roster fields the public search shows (S10 admin 7): each on or off."""

    model_config = ConfigDict(extra="forbid")

    name: StrictBool = Field(default=True, description="Name (氏名)")
    sex: StrictBool = Field(default=False, description="Sex (性別)")
    age: StrictBool = Field(default=False, description="Age (年齢)")
    address: StrictBool = Field(default=False, description="Address (住所)")
    age_format: AgeFormat = Field(
        default=AgeFormat.YEARS, description="Age in years (満年齢) or by decade (年代)"
    )

    @classmethod
    def of(cls, settings: DisclosureSettings) -> DisclosureSettingsPublic:
        return cls(
            name=settings.name,
            sex=settings.sex,
            age=settings.age,
            address=settings.address,
            age_format=settings.age_format,
        )

    def to_domain(self) -> DisclosureSettings:
        return DisclosureSettings(
            name=self.name,
            sex=self.sex,
            age=self.age,
            address=self.address,
            age_format=self.age_format,
        )


class PublicSearchHit(BaseModel):
    """A person found by the public search: the shelter, then only the disclosed fields."""

    shelter_id: str
    shelter_name: str | None
    family_name: str | None = None
    given_name: str | None = None
    family_name_kana: str | None = None
    given_name_kana: str | None = None
    sex: Sex | None = None
    age: int | None = None
    age_band: int | None = None
    address: str | None = None


class PublicSearchResult(BaseModel):
    items: list[PublicSearchHit]


class PullEntry(BaseModel):
    """One roster entry for an integration client (S17.2): only the fields it asked for.

    Fields not asked for are left out of the JSON, not sent as null.
    """

    stay_id: UUID | None = None
    shelter_id: str | None = None
    household_number: int | None = Field(default=None, description="世帯番号")
    checked_in_at: datetime | None = None
    checked_out_at: datetime | None = None
    present: bool | None = Field(default=None, description="Not checked out (避難中)")
    forced_check_out: bool | None = None
    serial: int | None = Field(default=None, description="通番")
    channel: Channel | None = None
    age_band: int | None = Field(default=None, description="年代: 0, 10, ... 90")
    statuses: list[str] | None = None
    transferred_from: str | None = None
    transferred_to: str | None = None
    revision: int | None = None
    family_name: str | None = Field(default=None, description="Personal: roster:personal")
    given_name: str | None = Field(default=None, description="Personal: roster:personal")
    family_name_kana: str | None = Field(default=None, description="Personal: roster:personal")
    given_name_kana: str | None = Field(default=None, description="Personal: roster:personal")
    sex: Sex | None = Field(default=None, description="Personal: roster:personal")
    date_of_birth: date | None = Field(default=None, description="Personal: roster:personal")
    address: str | None = Field(default=None, description="Personal: roster:personal")
    phone: str | None = Field(default=None, description="Personal: roster:personal")
    email: str | None = Field(default=None, description="Personal: roster:personal")
    message: str | None = Field(default=None, description="Personal: roster:personal")
    remarks: str | None = Field(default=None, description="Personal: roster:personal")


class PullPage(BaseModel):
    """A page of the roster for an integration client, oldest check-in first."""

    items: list[PullEntry]
    fields: list[str] = Field(description="The fields each item holds")
    total: int = Field(description="Entries matching the filters, all pages")
    limit: int
    offset: int
    next_offset: int | None = Field(description="The offset of the next page; null on the last")
