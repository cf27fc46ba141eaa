"""What a shelter kiosk puts on the bus: one message per ID card read (S1.3, S6.5, S9)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shelter_contracts.events import Event
from shelter_contracts.personal import Address, Sex, Text


class CardKind(StrEnum):
    """The card that was read."""

    MY_NUMBER = "my_number"  # マイナンバーカード, card-face input support application
    DRIVING_LICENCE = "driving_licence"  # 運転免許証


class CardPurpose(StrEnum):
    """What the evacuee chose on the kiosk menu (S6.2)."""

    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"


class CardFace(BaseModel):
    """The facts read from the card; never the Individual Number or the licence number.

    Each field has `EvacueePersonal`'s limits, so every face a kiosk can send is a valid
    evacuee for registration.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    family_name: Text = Field(description="Family name (姓)", examples=["黒桐"])
    given_name: Text = Field(description="Given name (名)", examples=["幹也"])
    name_kana: Text | None = Field(
        default=None, description="Reading of the name in kana (licence only)"
    )
    address: Address = Field(description="Address as printed (住所)")
    date_of_birth: date = Field(description="Date of birth, Gregorian")
    sex: Sex | None = Field(default=None, description="Sex; a driving licence carries none")


class CardRead(Event):
    """A kiosk read an evacuee's ID card (カード読取); registration turns it into a stay.

    `event_id` is the idempotency key: the kiosk queues the read before it says done and may
    deliver it again after an outage; registration applies each id once.
    """

    event_type: Literal["CardRead"] = "CardRead"
    purpose: CardPurpose
    card: CardKind
    face: CardFace
    kiosk_id: str = Field(max_length=100, description="The kiosk's own id (its settings)")
    sequence: int = Field(ge=1, description="Position in the kiosk's queue; increases per read")
    read_at: AwareDatetime = Field(description="When the card was read")
    access_token: str = Field(
        max_length=4096,
        description="The kiosk's access token, attached at delivery (not stored in the queue); "
        "registration checks that it is a kiosk token bound to this shelter",
    )


KioskEvent = Annotated[CardRead, Field(discriminator="event_type")]
