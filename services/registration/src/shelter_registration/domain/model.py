"""Shelters and stays as the registration service knows them. Pure Python, no I/O.

Glossary: shelter 避難所; stay 滞在 (one check-in, 入所, until its check-out, 退所).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime
from uuid import UUID

from shelter_contracts.events import Channel
from shelter_contracts.personal import EvacueePersonal
from shelter_text import household_key


class DomainError(Exception):
    """A command that the rules refuse."""


class UnknownShelterError(DomainError):
    pass


class ShelterAlreadyExistsError(DomainError):
    pass


class ShelterClosedError(DomainError):
    pass


class UnknownStayError(DomainError):
    pass


class AlreadyCheckedOutError(DomainError):
    pass


class ConsentRequiredError(DomainError):
    pass


@dataclass(frozen=True, slots=True)
class Shelter:
    shelter_id: str
    name: str
    capacity: int
    is_open: bool = True


@dataclass(frozen=True, slots=True)
class Stay:
    stay_id: UUID
    shelter_id: str
    channel: Channel
    personal: EvacueePersonal
    checked_in_at: datetime
    checked_out_at: datetime | None = None
    training: bool = False

    def check_out(self, at: datetime) -> Stay:
        if self.checked_out_at is not None:
            raise AlreadyCheckedOutError(str(self.stay_id))
        return replace(self, checked_out_at=at)


def age_on(date_of_birth: date, day: date) -> int:
    """Age in full years on a day (birthdays on 29 February count from 1 March)."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - int(before_birthday)


def age_band(date_of_birth: date, day: date) -> int:
    """The decade an age falls in (年代): 0, 10, ... 80, and 90 for ninety and over."""
    return min(max(age_on(date_of_birth, day), 0) // 10 * 10, 90)


def household_digest(personal: EvacueePersonal) -> str:
    """An opaque key shared by one household (same folded address and family name, S12).

    Other services count and group households by it without learning the address.
    """
    key = household_key(personal.family_name, personal.address)
    return hashlib.sha256(key.encode()).hexdigest()[:32]
