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


#: Who registered a check-in or check-out (S10.8): a staff account id, `kiosk:<device token
#: id>` for a card kiosk, or `evacuee` for the smartphone form. Never a name or a token.
Actor = Annotated[str, StringConstraints(min_length=1, max_length=80)]
ACTOR_DESCRIPTION = (
    "Who registered it: staff account id, `kiosk:<device token id>` or `evacuee` "
    "(smartphone). Optional, added within schema version 1: older events lack it."
)


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
    actor: Actor | None = Field(
        default=None,
        description=ACTOR_DESCRIPTION,
        examples=["staff-01", "kiosk:k_3f2a", "evacuee"],
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
    actor: Actor | None = Field(
        default=None,
        description=ACTOR_DESCRIPTION,
        examples=["staff-01", "kiosk:k_3f2a", "evacuee"],
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


class AuditOutcome(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"


AuditWord = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]{0,63}$")]


class AuditRecorded(BaseModel):
    """Something done that the audit trail keeps (S10.8): who, what, when, from where.

    Published by every service on the audit topic and stored once (by `event_id`) by the auth
    service, whose log download shows it. It names the target by its id only: never a
    person's name, address, date of birth, phone, a password or a token. Not an `Event`:
    many actions (settings, imports) concern no single shelter, so `shelter_id` is optional;
    the Kafka key is the shelter id when there is one, else the producing service.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: Literal["AuditRecorded"] = "AuditRecorded"
    event_id: UUID = Field(
        default_factory=uuid4, description="Unique id; the audit store keeps an id once"
    )
    schema_version: int = Field(default=SCHEMA_VERSION, ge=1, description="Schema version")
    occurred_at: AwareDatetime = Field(description="When it happened (UTC)")
    producer: str = Field(description="Service that recorded it", examples=["registration"])
    action: AuditWord = Field(
        description="What was done, `<object>.<verb>`", examples=["shelter.opened"]
    )
    outcome: AuditOutcome = AuditOutcome.SUCCESS
    actor: Annotated[str, StringConstraints(max_length=80)] | None = Field(
        default=None, description="Staff account, `kiosk:<token id>`, client id or `evacuee`"
    )
    actor_kind: Annotated[str, StringConstraints(max_length=20)] | None = Field(
        default=None, description="staff, kiosk, integration or evacuee", examples=["staff"]
    )
    ip: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None, description="Client address as the gateway saw it (from where)"
    )
    target_type: AuditWord | None = Field(default=None, examples=["shelter", "roster_entry"])
    target_id: Annotated[str, StringConstraints(max_length=128)] | None = Field(
        default=None, description="Id of what was acted on (never personal data)"
    )
    shelter_id: ShelterId | None = None
    details: dict[AuditWord, Annotated[str, StringConstraints(max_length=200)]] = Field(
        default_factory=dict,
        max_length=20,
        description="Ids, counts and field names only (which fields changed, not their values)",
    )

    @property
    def key(self) -> str:
        """The Kafka message key: the shelter concerned, else the producing service."""
        return self.shelter_id or self.producer


AuditEvent = Annotated[AuditRecorded, Field(discriminator="event_type")]


class EvacueeCorrected(Event):
    """Staff corrected what the statistics count of a stay (S11.1 edit): sex, date of birth.

    Published by the roster after a correction; the highest `revision` of a stay wins, so
    replays and any order of arrival give the same counts. Carries no personal data: the age
    band (at check-in) and the sex only.
    """

    event_type: Literal["EvacueeCorrected"] = "EvacueeCorrected"
    stay_id: UUID = Field(description="The stay of the corrected roster entry")
    revision: int = Field(ge=1, description="The roster entry's revision after the correction")
    age_band: AgeBand = Field(description="Age band at check-in from the corrected birth date")
    sex: Sex
    corrected_at: AwareDatetime


CorrectionEvent = Annotated[EvacueeCorrected, Field(discriminator="event_type")]


#: The Kafka key of every disaster event.
DISASTER_KEY = "disaster"


class DisasterEventBase(BaseModel):
    """The envelope of the disaster's life-cycle events (災害, S10.3).

    Not an `Event`: a disaster concerns every shelter, so there is no shelter id; the Kafka
    key is always `DISASTER_KEY`, which keeps these events in one partition, in order.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: UUID = Field(
        default_factory=uuid4, description="Unique id; consumers ignore an id they have seen"
    )
    schema_version: int = Field(default=SCHEMA_VERSION, ge=1, description="Schema version")
    occurred_at: AwareDatetime = Field(description="When it happened (UTC)")
    producer: str = Field(description="Service that published the event", examples=["registration"])
    closure_id: UUID = Field(description="Id of the disaster closure this event belongs to")

    @property
    def key(self) -> str:
        """The Kafka message key: one key, one partition, one order."""
        return DISASTER_KEY


class DisasterClosed(DisasterEventBase):
    """An administrator declared the disaster over (災害収束, S10.3).

    Every shelter was closed and the disaster's file exported before; each service that holds
    personal data deletes it on this event and answers with `PersonalDataDeleted`. Delivered
    at least once: a replay deletes again, harmlessly.
    """

    event_type: Literal["DisasterClosed"] = "DisasterClosed"
    actor: Annotated[str, StringConstraints(min_length=1, max_length=80)] = Field(
        description="Administrator account that closed the disaster", examples=["admin"]
    )


ServiceWord = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,39}$")]


class PersonalDataDeleted(DisasterEventBase):
    """A service deleted the personal data it held, and counted what is left (S10.3).

    `documents_remaining` is counted after the deletion, not assumed: 0 confirms it.
    """

    event_type: Literal["PersonalDataDeleted"] = "PersonalDataDeleted"
    service: ServiceWord = Field(description="Service that deleted", examples=["roster"])
    collections: tuple[Annotated[str, StringConstraints(max_length=120)], ...] = Field(
        max_length=2000, description="Database collections emptied"
    )
    documents_deleted: int = Field(ge=0, description="Documents deleted by this run")
    documents_remaining: int = Field(ge=0, description="Documents left in them, counted after")


class DisasterExported(BaseModel):
    """An administrator downloaded the disaster's file (災害記録の出力, S10.3) from the roster.

    Registration keeps the latest and closes the disaster only after an export taken once the
    last shelter closed: the file is the only record left after the deletion. Counts only, no
    personal data. Not a `DisasterEventBase`: an export belongs to no closure yet.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_type: Literal["DisasterExported"] = "DisasterExported"
    event_id: UUID = Field(
        default_factory=uuid4, description="Unique id; consumers ignore an id they have seen"
    )
    schema_version: int = Field(default=SCHEMA_VERSION, ge=1, description="Schema version")
    occurred_at: AwareDatetime = Field(description="When the file was produced (UTC)")
    producer: str = Field(description="Service that produced the file", examples=["roster"])
    export_id: UUID = Field(description="Id of this export (its file name and audit record)")
    entries: int = Field(ge=0, description="Roster entries in the file (training excluded)")
    training_entries: int = Field(ge=0, description="Training entries, in a file of their own")
    shelters: int = Field(ge=0, description="Shelters with entries in the file")

    @property
    def key(self) -> str:
        """The Kafka message key: the disaster's, so it stays in order with the closure."""
        return DISASTER_KEY


DisasterEvent = Annotated[
    DisasterClosed | PersonalDataDeleted | DisasterExported, Field(discriminator="event_type")
]
