"""Request and response bodies of the registration API (XCreate / XUpdate / XPublic)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    StringConstraints,
    field_validator,
    model_validator,
)

from shelter_contracts.events import Channel, ShelterId, ShelterType, StatusItem
from shelter_contracts.personal import EvacueePersonal

#: Paths below /shelters that a shelter id must not shadow.
RESERVED_IDS = frozenset({"import", "qr.html"})

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Address = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Capacity = Annotated[int, Field(ge=0, le=100_000, description="Number of people it can hold")]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]
OpenDataId = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=64),
    Field(description="ID in the open data set (ID / 共通ID)"),
]
MunicipalityCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^[0-9０-９]{5,6}$"),
    Field(
        description="全国地方公共団体コード; 5 digits are repaired (92011 -> 092011)",
        examples=["131016"],
    ),
]
Remarks = Annotated[str, StringConstraints(max_length=1000)]


class ShelterCreate(BaseModel):
    """A new shelter (S10.6, S14); it starts closed."""

    model_config = ConfigDict(extra="forbid")

    shelter_id: ShelterId
    name: Name
    capacity: Capacity
    address: Address = ""
    shelter_type: ShelterType = ShelterType.DESIGNATED
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    open_data_id: OpenDataId | None = None
    municipality_code: MunicipalityCode | None = None

    @field_validator("shelter_id")
    @classmethod
    def _not_reserved(cls, value: str) -> str:
        if value in RESERVED_IDS:
            raise ValueError("this id is reserved")
        return value


class ShelterUpdate(BaseModel):
    """The master facts to change (S10.6); fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    capacity: Capacity | None = None
    address: Address | None = None
    shelter_type: ShelterType | None = None
    latitude: Latitude | None = None
    longitude: Longitude | None = None
    open_data_id: OpenDataId | None = None
    municipality_code: MunicipalityCode | None = None
    version: int | None = Field(
        default=None, ge=1, description="The version the edit is based on; 409 if it changed"
    )

    @model_validator(mode="after")
    def _required_stay_set(self) -> ShelterUpdate:
        for name in ("name", "capacity", "address", "shelter_type"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class ShelterPublic(BaseModel):
    """What anyone may read of a shelter (the smartphone form): no staff account ids."""

    shelter_id: str
    name: str
    capacity: int
    address: str
    shelter_type: ShelterType
    latitude: float | None
    longitude: float | None
    open_data_id: str | None
    municipality_code: str | None
    is_open: bool
    opened_at: datetime | None
    closed_at: datetime | None
    training: bool
    version: int
    check_in_url: str = Field(description="The smartphone registration page (its QR code)")


class ShelterStaffView(ShelterPublic):
    """A shelter as staff see it: also who opened and closed it (staff account ids)."""

    opened_by: str | None = Field(description="Staff account that opened it (開設者)")
    closed_by: str | None = Field(description="Staff account that closed it")


class ShelterPage(BaseModel):
    items: list[ShelterStaffView]
    total: int
    offset: int
    limit: int


class TrainingModeUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    training: bool = Field(description="Training mode (訓練モード) on or off")


class ImportedRowPublic(BaseModel):
    row: int = Field(description="Row in the file; the header is row 1")
    status: str = Field(description="accepted | updated | unchanged | refused")
    shelter_id: str | None = None
    reason: str | None = None
    reason_ja: str | None = None


class ImportReportPublic(BaseModel):
    dataset: str = Field(description="designated-emergency-sites | designated-shelters")
    encoding: str = Field(description="utf-8-sig | utf-8 | cp932 (Shift_JIS)")
    unknown_headers: list[str]
    accepted: int
    updated: int
    unchanged: int
    refused: int
    rows: list[ImportedRowPublic]


class CheckInCreate(BaseModel):
    """A check-in from the smartphone form (S16.2): personal facts, statuses, message, consent."""

    model_config = ConfigDict(extra="forbid")

    personal: EvacueePersonal
    statuses: tuple[StatusItem, ...] = Field(default=(), max_length=20)
    message: Annotated[str, StringConstraints(max_length=1000)] | None = None
    consent: bool = Field(description="Consent to the handling of personal data (required)")


class StaffCheckInCreate(BaseModel):
    """A check-in entered by staff from a paper form (S1.6, channel 2); no consent field."""

    model_config = ConfigDict(extra="forbid")

    personal: EvacueePersonal
    statuses: tuple[StatusItem, ...] = Field(default=(), max_length=20)
    message: Annotated[str, StringConstraints(max_length=1000)] | None = None
    remarks: Remarks | None = Field(default=None, description="Staff remarks (備考, S12)")


class CheckInPublic(BaseModel):
    stay_id: UUID
    shelter_id: str
    channel: Channel
    checked_in_at: AwareDatetime
    training: bool
    transferred_from: str | None = Field(
        default=None, description="The shelter the person moved from (転所), if any"
    )


class CheckOutCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stay_id: UUID


class CheckOutPublic(BaseModel):
    stay_id: UUID
    shelter_id: str
    channel: Channel
    checked_out_at: datetime
    forced: bool


class StatusItemsPublic(BaseModel):
    """The status items the public form offers (S10.7)."""

    model_config = ConfigDict(extra="forbid")

    items: list[StatusItem] = Field(max_length=50, examples=[["要介護", "妊娠中"]])


LinkLabel = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]


class DisasterLinkBody(BaseModel):
    """A link to another disaster page (S15), e.g. the prefecture's page or JMA キキクル."""

    model_config = ConfigDict(extra="forbid")

    url: HttpUrl = Field(
        description="http:// or https:// only", examples=["https://www.jma.go.jp/bosai/risk/"]
    )
    label_ja: LinkLabel = Field(examples=["キキクル（危険度分布）"])
    label_en: LinkLabel = Field(examples=["JMA risk map (KiKiKuru)"])


class DisasterLinksPublic(BaseModel):
    """The staff home page's links to other disaster pages (S10.9, S15), in order."""

    model_config = ConfigDict(extra="forbid")

    links: list[DisasterLinkBody] = Field(max_length=20)
