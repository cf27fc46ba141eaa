"""Shelters and stays as the registration service knows them. Pure Python, no I/O.

Glossary: shelter 避難所; stay 滞在 (one check-in, 入所, until its check-out, 退所);
open 開設; close 閉鎖; training mode 訓練モード; transfer 転所 (moving between shelters).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from uuid import UUID

from shelter_contracts.events import Channel, ShelterFacts, ShelterType
from shelter_contracts.personal import EvacueePersonal
from shelter_text import household_key, person_key

#: Status items offered on the smartphone form until an admin configures them (S10.7).
DEFAULT_STATUS_ITEMS: tuple[str, ...] = (
    "要介護",
    "妊娠中",
    "乳幼児連れ",
    "障がいあり",
    "要医療",
    "ペット同伴",
    "食物アレルギー",
)


class DomainError(Exception):
    """A command that the rules refuse."""


class UnknownShelterError(DomainError):
    pass


class ShelterAlreadyExistsError(DomainError):
    pass


class ShelterClosedError(DomainError):
    pass


class ConcurrentUpdateError(DomainError):
    """Someone else changed the shelter between our read and our write (lost update refused)."""


class UnknownStayError(DomainError):
    pass


class AlreadyCheckedOutError(DomainError):
    pass


class AlreadyCheckedInError(DomainError):
    """The same person is already checked in at this shelter (S12 duplicate detection)."""

    def __init__(self, shelter_id: str, stay_id: UUID | None = None) -> None:
        super().__init__(shelter_id)
        self.stay_id = stay_id


class ConsentRequiredError(DomainError):
    pass


class UnknownStatusError(DomainError):
    """A check-in ticked status items that the settings do not offer (S10.7)."""

    def __init__(self, unknown: tuple[str, ...]) -> None:
        super().__init__(", ".join(unknown))
        self.unknown = unknown


class InvalidMunicipalityCodeError(DomainError):
    pass


@dataclass(frozen=True, slots=True)
class Shelter:
    """A shelter's master facts (S14) and its operational state; `version` counts changes."""

    shelter_id: str
    name: str
    capacity: int
    is_open: bool = False
    address: str = ""
    shelter_type: ShelterType = ShelterType.DESIGNATED
    latitude: float | None = None
    longitude: float | None = None
    open_data_id: str | None = None
    municipality_code: str | None = None
    opened_at: datetime | None = None
    opened_by: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None
    training: bool = False
    deleted: bool = False
    version: int = 1

    @classmethod
    def create(cls, shelter_id: str, master: ShelterMaster) -> Shelter:
        """A new shelter: closed, not in training, version 1."""
        return cls(
            shelter_id=shelter_id,
            name=master.name,
            capacity=master.capacity,
            address=master.address,
            shelter_type=master.shelter_type,
            latitude=master.latitude,
            longitude=master.longitude,
            open_data_id=master.open_data_id,
            municipality_code=master.municipality_code,
        )

    def facts(self) -> ShelterFacts:
        """Everything other services learn about the shelter (carried whole by its events)."""
        return ShelterFacts(
            name=self.name,
            address=self.address,
            shelter_type=self.shelter_type,
            capacity=self.capacity,
            latitude=self.latitude,
            longitude=self.longitude,
            open_data_id=self.open_data_id,
            municipality_code=self.municipality_code,
            is_open=self.is_open,
            opened_at=self.opened_at,
            closed_at=self.closed_at,
            training=self.training,
            deleted=self.deleted,
        )

    def master(self) -> ShelterMaster:
        return ShelterMaster(
            name=self.name,
            address=self.address,
            shelter_type=self.shelter_type,
            capacity=self.capacity,
            latitude=self.latitude,
            longitude=self.longitude,
            open_data_id=self.open_data_id,
            municipality_code=self.municipality_code,
        )

    def _changed(self, **changes: object) -> Shelter:
        if self.deleted:
            raise UnknownShelterError(self.shelter_id)
        return replace(self, version=self.version + 1, **changes)  # type: ignore[arg-type]

    def edit(self, master: ShelterMaster) -> Shelter:
        """The shelter with new master facts (S10.6); open/closed and training are kept."""
        return self._changed(
            name=master.name,
            address=master.address,
            shelter_type=master.shelter_type,
            capacity=master.capacity,
            latitude=master.latitude,
            longitude=master.longitude,
            open_data_id=master.open_data_id,
            municipality_code=master.municipality_code,
        )

    def open(self, at: datetime, actor: str | None) -> Shelter:
        return self._changed(is_open=True, opened_at=at, opened_by=actor)

    def close(self, at: datetime, actor: str | None) -> Shelter:
        return self._changed(is_open=False, closed_at=at, closed_by=actor)

    def with_training(self, training: bool) -> Shelter:
        return self._changed(training=training)

    def delete(self, at: datetime, actor: str | None) -> Shelter:
        """Soft delete: the facts stay (history, events) but the shelter is closed and gone."""
        if self.is_open:
            return self._changed(deleted=True, is_open=False, closed_at=at, closed_by=actor)
        return self._changed(deleted=True)

    def accepts_check_ins(self) -> bool:
        return self.is_open and not self.deleted


@dataclass(frozen=True, slots=True)
class ShelterMaster:
    """The facts an admin edits or an open-data file provides (S14), without operational state."""

    name: str
    capacity: int
    address: str = ""
    shelter_type: ShelterType = ShelterType.DESIGNATED
    latitude: float | None = None
    longitude: float | None = None
    open_data_id: str | None = None
    municipality_code: str | None = None


@dataclass(frozen=True, slots=True)
class Stay:
    stay_id: UUID
    shelter_id: str
    channel: Channel
    personal: EvacueePersonal
    checked_in_at: datetime
    checked_out_at: datetime | None = None
    training: bool = False
    transferred_from: str | None = None
    transferred_to: str | None = None
    remarks: str | None = None
    person_key: str = field(default="")

    def __post_init__(self) -> None:
        if not self.person_key:
            object.__setattr__(self, "person_key", person_digest(self.personal))

    def check_out(self, at: datetime, transferred_to: str | None = None) -> Stay:
        if self.checked_out_at is not None:
            raise AlreadyCheckedOutError(str(self.stay_id))
        return replace(self, checked_out_at=at, transferred_to=transferred_to)


def present_key(stay: Stay) -> str:
    """Unique among stored stays while the stay is present: one per person, shelter and mode.

    A check-out replaces it with a key of the stay's own, so the store can enforce "not
    checked in twice at the same shelter" with a plain unique index (FerretDB has no partial
    indexes).
    """
    if stay.checked_out_at is not None:
        return f"out:{stay.stay_id}"
    mode = ":training" if stay.training else ""
    return f"{stay.person_key}@{stay.shelter_id}{mode}"


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


def person_digest(personal: EvacueePersonal) -> str:
    """An opaque key of one person: folded family and given name + date of birth (S12).

    Stored on each stay (indexed) to find the same person's present stay without reading the
    personal facts, which may be sealed.
    """
    key = person_key(personal.family_name, personal.given_name, personal.date_of_birth)
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def unknown_statuses(ticked: tuple[str, ...], offered: tuple[str, ...]) -> tuple[str, ...]:
    """The ticked status items that the settings do not offer, in the order given."""
    allowed = set(offered)
    return tuple(dict.fromkeys(s for s in ticked if s not in allowed))


def _check_digit(five: str) -> str:
    total = sum(int(d) * w for d, w in zip(five, (6, 5, 4, 3, 2), strict=True))
    return str((11 - total % 11) % 10)


def municipality_code(raw: str) -> str:
    """A valid 6-digit local government code (全国地方公共団体コード, JIS X 0402 + check digit).

    Spreadsheets drop the leading zero of Hokkaido-Tochigi codes (092011 becomes 92011), and
    some sources give the 5-digit code without its check digit (13101): both are repaired.
    """
    digits = raw.strip().translate(_FULLWIDTH_DIGITS)
    if not digits.isascii() or not digits.isdigit():
        raise InvalidMunicipalityCodeError(raw)
    if len(digits) == 5:
        padded = "0" + digits
        if _check_digit(padded[:5]) == padded[5]:
            return padded
        return digits + _check_digit(digits)
    if len(digits) == 6 and _check_digit(digits[:5]) == digits[5]:
        return digits
    raise InvalidMunicipalityCodeError(raw)


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
