"""The evacuee roster (避難者名簿, S11-S12): one entry per stay, built from events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from shelter_contracts.events import Channel
from shelter_contracts.personal import EvacueePersonal
from shelter_text import fold_name


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
    age_band: int = 0
    household_key: str = ""
    transferred_from: str | None = None


@dataclass(frozen=True, slots=True)
class CheckOutFacts:
    stay_id: UUID
    shelter_id: str
    checked_out_at: datetime
    forced: bool
    transferred_to: str | None = None


@dataclass(frozen=True, slots=True)
class EntryNumbers:
    """Numbers the roster assigns (S12): serial number (通番) and household number (世帯番号)."""

    serial: int
    household_number: int


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One row of the roster (S12) as staff see it."""

    stay_id: UUID
    shelter_id: str
    serial: int | None
    channel: Channel
    household_number: int | None
    personal: EvacueePersonal
    age_band: int | None
    statuses: tuple[str, ...]
    message: str | None
    remarks: str | None
    checked_in_at: datetime
    checked_out_at: datetime | None
    forced_check_out: bool
    transferred_from: str | None
    transferred_to: str | None
    training: bool
    revision: int = 0

    @property
    def present(self) -> bool:
        return self.checked_out_at is None


class Presence(StrEnum):
    """Which entries a roster query shows (S11.1 filter by status)."""

    PRESENT = "present"  # 避難中
    CHECKED_OUT = "checked_out"  # 退所済み
    ALL = "all"


@dataclass(frozen=True, slots=True)
class EntryQuery:
    """A staff roster query (S11.1): shelter, folded name fragment, presence, status item.

    `training` selects the training-mode entries instead of the real ones: the two never mix.
    """

    shelter_id: str | None = None
    name: str | None = None
    presence: Presence = Presence.ALL
    status_item: str | None = None
    training: bool = False


@dataclass(frozen=True, slots=True)
class PublicQuery:
    """A public search (S16.1): folded family and/or given name, matched whole."""

    family_name: str | None
    given_name: str | None


@dataclass(frozen=True, slots=True)
class FoldedNames:
    """Names folded for search (kanji or kana, width, old/new forms; see shelter_text)."""

    family: str
    given: str
    family_kana: str
    given_kana: str

    @property
    def name(self) -> str:
        return self.family + self.given

    @property
    def kana(self) -> str:
        return self.family_kana + self.given_kana

    def as_document(self) -> dict[str, str]:
        return {
            "family": self.family,
            "given": self.given,
            "family_kana": self.family_kana,
            "given_kana": self.given_kana,
            "name": self.name,
            "kana": self.kana,
        }


def folded_names(personal: EvacueePersonal) -> FoldedNames:
    return FoldedNames(
        family=fold_name(personal.family_name),
        given=fold_name(personal.given_name),
        family_kana=fold_name(personal.family_name_kana or ""),
        given_kana=fold_name(personal.given_name_kana or ""),
    )


def age_on(date_of_birth: date, today: date) -> int:
    """Age in whole years on `today` (満年齢)."""
    had_birthday = (today.month, today.day) >= (date_of_birth.month, date_of_birth.day)
    return today.year - date_of_birth.year - (0 if had_birthday else 1)


def age_band(age: int) -> int:
    """Decade of an age (年代): 0, 10, ... 90 (90 and over)."""
    return min(max(age, 0) // 10 * 10, 90)


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field changed by a staff correction: its path, the value before and after."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class Edit:
    """One staff correction (S11.1 edit link) as kept in the append-only history."""

    at: datetime
    actor: str | None
    changes: tuple[FieldChange, ...] = field(default=())

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(c.field for c in self.changes)


@dataclass(frozen=True, slots=True)
class ToNumber:
    """Stays and households of one shelter and mode to number (S12 通番, 世帯番号)."""

    shelter_id: str
    training: bool
    stay_ids: tuple[UUID, ...] = ()
    household_keys: tuple[str, ...] = ()
