"""The counting rules of a shelter (S14), applied to per-stay facts, never to counters.

A stay is one person's time in one shelter (入所から退所まで). Counting stays instead of
incrementing counters keeps every invariant true under replays and any arrival order:
present = checked in - checked out, the age bands and the sexes each add up to present,
households never exceed present, and nothing is negative.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from uuid import UUID

from shelter_contracts.personal import Sex

#: Age bands by decade (年代): "0" is 0-9, ..., "90" is 90 and over.
AGE_BANDS: tuple[str, ...] = tuple(str(decade) for decade in range(0, 100, 10))


@dataclass(frozen=True, slots=True)
class StayTally:
    """Stays that share the same counted facts: how many arrived and how many of them left.

    One stay is a tally with `arrived` 0 or 1 and `left` 0 or 1; storage may hand over stays
    already grouped. A check-out whose check-in has not arrived yet has `arrived` 0 and
    unknown facts: it is not counted until its check-in arrives.
    """

    arrived: int
    left: int
    training: bool | None = None
    household_key: str | None = None
    age_band: int | None = None
    sex: str | None = None


@dataclass(frozen=True, slots=True)
class StayCheckIn:
    """What is counted of a check-in: no personal data."""

    stay_id: UUID
    shelter_id: str
    training: bool
    age_band: int
    sex: str
    household_key: str


@dataclass(frozen=True, slots=True)
class StayCheckOut:
    stay_id: UUID
    shelter_id: str


@dataclass(frozen=True, slots=True)
class StayCorrection:
    """Staff corrected the counted facts of a stay; the highest revision of a stay counts."""

    stay_id: UUID
    shelter_id: str
    revision: int
    age_band: int
    sex: str


def _zero_bands() -> dict[str, int]:
    return dict.fromkeys(AGE_BANDS, 0)


@dataclass(frozen=True, slots=True)
class Counts:
    """The counts of one shelter: present people and their breakdowns (S14)."""

    checked_in: int = 0
    checked_out: int = 0
    households: int = 0
    female: int = 0
    male: int = 0
    other: int = 0
    age_bands: Mapping[str, int] = field(default_factory=_zero_bands)

    @property
    def present(self) -> int:
        """Evacuees in the shelter now (避難者数)."""
        return self.checked_in - self.checked_out


def age_band_key(age_band: int | None) -> str:
    """The band of an age by decade; out-of-range values fall into the nearest band."""
    decade = max(0, min(90, (age_band or 0) // 10 * 10))
    return str(decade)


def _sex(value: str | None) -> Sex:
    try:
        return Sex(value or Sex.OTHER)
    except ValueError:
        return Sex.OTHER


def count_stays(tallies: Iterable[StayTally]) -> Counts:
    """Count real (not training, 訓練) stays that have checked in."""
    checked_in = checked_out = 0
    sexes = dict.fromkeys(Sex, 0)
    bands = _zero_bands()
    present_per_household: dict[str, int] = {}
    for tally in tallies:
        if tally.arrived <= 0 or tally.training is not False:
            continue
        left = min(max(tally.left, 0), tally.arrived)
        present = tally.arrived - left
        checked_in += tally.arrived
        checked_out += left
        if present == 0:
            continue
        sexes[_sex(tally.sex)] += present
        bands[age_band_key(tally.age_band)] += present
        household = tally.household_key or ""
        present_per_household[household] = present_per_household.get(household, 0) + present
    return Counts(
        checked_in=checked_in,
        checked_out=checked_out,
        households=len(present_per_household),
        female=sexes[Sex.FEMALE],
        male=sexes[Sex.MALE],
        other=sexes[Sex.OTHER],
        age_bands=bands,
    )
