"""Events published on Kafka. Past tense names; every event carries the same envelope fields."""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Annotated, Literal
from uuid import UUID, uuid4

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from shelter_contracts.personal import EvacueePersonal, Sex

SCHEMA_VERSION = 1

ShelterId = Annotated[
    str,
    StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"),
    Field(description="Shelter id; also the Kafka message key", examples=["13101-0001"]),
]
StatusItem = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
AgeBand = Annotated[
    int,
    Field(ge=0, le=90, multiple_of=10, description="Age by decade (年代); 90 means 90 and over"),
]


class Channel(IntEnum):
    """How a person was registered (登録区分, S12): 1 card kiosk, 2 staff proxy, 3 smartphone."""

    CARD = 1
    STAFF = 2
    SMARTPHONE = 3


class ShelterType(StrEnum):
    """Kind of shelter (S14): designated shelter, designated emergency place, or other."""

    DESIGNATED = "designated"  # 指定避難所
    EMERGENCY = "emergency"  # 指定緊急避難場所
    OTHER = "other"  # その他


class CrowdingLevel(StrEnum):
    """How full a shelter is (混雑度); thresholds are settings of the statistics service."""

    VACANT = "vacant"  # 空き
    MODERATE = "moderate"  # やや混雑
    CROWDED = "crowded"  # 混雑
    FULL = "full"  # 満員


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


class ShelterFacts(BaseModel):
    """Everything known about a shelter (S14), carried whole by every shelter event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(description="Shelter name (避難所名)", examples=["千代田小学校"])
    address: str = Field(default="", description="Address (所在地)")
    shelter_type: ShelterType = ShelterType.DESIGNATED
    capacity: int = Field(ge=0, description="People it can hold (収容人数)")
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    open_data_id: str | None = Field(
        default=None, description="ID in the municipal standard open data set (共通ID / 施設ID)"
    )
    municipality_code: str | None = Field(
        default=None, description="Local government code (全国地方公共団体コード)"
    )
    is_open: bool = Field(default=False, description="Open and accepting check-ins (開設)")
    opened_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    training: bool = Field(default=False, description="Training mode (訓練モード)")
    deleted: bool = False


class ShelterEventBase(Event):
    """A shelter event: the shelter's full facts after the change, and their version.

    Consumers keep the facts with the highest version, so replays and late arrivals are
    harmless and a consumer never needs the events in between.
    """

    version: int = Field(ge=1, description="Increases with every change of this shelter")
    shelter: ShelterFacts
    actor: str | None = Field(default=None, description="Staff account that made the change")


class ShelterRegistered(ShelterEventBase):
    """A shelter was created (避難所登録, S10.6)."""

    event_type: Literal["ShelterRegistered"] = "ShelterRegistered"


class ShelterUpdated(ShelterEventBase):
    """A shelter's facts were edited or re-imported (S10.6)."""

    event_type: Literal["ShelterUpdated"] = "ShelterUpdated"


class ShelterOpened(ShelterEventBase):
    """A shelter was opened (開設, S13.1, S6.1)."""

    event_type: Literal["ShelterOpened"] = "ShelterOpened"


class ShelterClosed(ShelterEventBase):
    """A shelter was closed (閉鎖, S13.1, S6.6)."""

    event_type: Literal["ShelterClosed"] = "ShelterClosed"


class ShelterTrainingModeChanged(ShelterEventBase):
    """Training mode was switched on or off (訓練モード, S13.1)."""

    event_type: Literal["ShelterTrainingModeChanged"] = "ShelterTrainingModeChanged"


class ShelterDeleted(ShelterEventBase):
    """A shelter was deleted (S10.6); its facts are kept with `deleted` set."""

    event_type: Literal["ShelterDeleted"] = "ShelterDeleted"


class EvacueeCheckedIn(Event):
    """An evacuee checked in at a shelter (入所, S12)."""

    event_type: Literal["EvacueeCheckedIn"] = "EvacueeCheckedIn"
    stay_id: UUID = Field(description="Id of this stay; check-out events refer to it")
    channel: Channel
    personal: EvacueePersonal
    age_band: AgeBand
    sex: Sex = Field(description="Copy of personal.sex for statistics (kept if personal is sealed)")
    household_key: str = Field(
        min_length=16,
        max_length=64,
        description="Opaque digest of the folded address and family name: same value, same "
        "household (世帯, S12); not reversible to the address",
    )
    statuses: tuple[StatusItem, ...] = Field(
        default=(), max_length=20, description="Status items ticked on the form (S10.7)"
    )
    message: Annotated[str, StringConstraints(max_length=1000)] | None = Field(
        default=None, description="Free-text message: allergies, illness, needs (S16.2)"
    )
    checked_in_at: AwareDatetime = Field(description="Check-in time")
    training: bool = Field(default=False, description="Registered in training mode (訓練モード)")
    transferred_from: str | None = Field(
        default=None, description="Shelter the person moved from (転所), if this is a transfer"
    )


class EvacueeCheckedOut(Event):
    """An evacuee left a shelter (退所), on their own or forced by staff (S11.1 「退」)."""

    event_type: Literal["EvacueeCheckedOut"] = "EvacueeCheckedOut"
    stay_id: UUID
    channel: Channel
    checked_out_at: AwareDatetime
    forced: bool = Field(default=False, description="Checked out by staff on the evacuee's behalf")
    transferred_to: str | None = Field(
        default=None, description="Shelter the person moved to (転所), if this is a transfer"
    )


class OccupancyChanged(Event):
    """A shelter's counts changed (S14); coalesced: at most one per shelter per interval."""

    event_type: Literal["OccupancyChanged"] = "OccupancyChanged"
    present: int = Field(ge=0, description="Evacuees in the shelter now (避難者数)")
    households: int = Field(ge=0, description="Households present (世帯数)")
    checked_out: int = Field(ge=0, description="Check-outs so far (退所者数)")
    female: int = Field(ge=0)
    male: int = Field(ge=0)
    age_bands: dict[str, int] = Field(
        description='Present people per decade: keys "0", "10", ... "90" (90 and over)'
    )
    capacity: int | None = Field(ge=0)
    occupancy_rate: float | None = Field(ge=0, description="present / capacity")
    crowding_level: CrowdingLevel | None
    is_open: bool
    counted_at: AwareDatetime


StayEvent = Annotated[EvacueeCheckedIn | EvacueeCheckedOut, Field(discriminator="event_type")]
ShelterEvent = Annotated[
    ShelterRegistered
    | ShelterUpdated
    | ShelterOpened
    | ShelterClosed
    | ShelterTrainingModeChanged
    | ShelterDeleted,
    Field(discriminator="event_type"),
]
OccupancyEvent = Annotated[OccupancyChanged, Field(discriminator="event_type")]
