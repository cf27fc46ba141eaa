"""The evacuee roster (避難者名簿, S11-S12): one entry per stay, built from events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from shelter_contracts.events import Channel
from shelter_contracts.personal import EvacueePersonal


@dataclass(frozen=True, slots=True)
class CheckInFacts:
    """What a check-in brings to a roster entry."""

    stay_id: UUID
    shelter_id: str
    channel: Channel
    personal: EvacueePersonal
    statuses: tuple[str, ...]
    message: str | None
    checked_in_at: datetime
    training: bool


@dataclass(frozen=True, slots=True)
class CheckOutFacts:
    stay_id: UUID
    shelter_id: str
    checked_out_at: datetime
    forced: bool
