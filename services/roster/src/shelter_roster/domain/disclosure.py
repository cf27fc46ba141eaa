"""What the public search discloses (S10 admin 7, S16.1): name, sex, age, address, each on/off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from shelter_roster.domain.model import RosterEntry, age_band, age_on


class AgeFormat(StrEnum):
    """How an age is disclosed: in years (満年齢) or as a decade (年代)."""

    YEARS = "years"
    BAND = "band"


@dataclass(frozen=True, slots=True)
class DisclosureSettings:
    """Fields of the roster the public search may show (公開項目); by default the name only."""

    name: bool = True
    sex: bool = False
    age: bool = False
    address: bool = False
    age_format: AgeFormat = AgeFormat.YEARS


def public_view(
    entry: RosterEntry, shelter_name: str | None, settings: DisclosureSettings, today: date
) -> dict[str, Any]:
    """One public search hit: the shelter, then only the fields the settings allow.

    Built field by field from an allow-list, so a field added to the entry later is never
    disclosed by accident.
    """
    personal = entry.personal
    hit: dict[str, Any] = {"shelter_id": entry.shelter_id, "shelter_name": shelter_name}
    if settings.name:
        hit["family_name"] = personal.family_name
        hit["given_name"] = personal.given_name
        hit["family_name_kana"] = personal.family_name_kana
        hit["given_name_kana"] = personal.given_name_kana
    if settings.sex:
        hit["sex"] = personal.sex.value
    if settings.age:
        age = age_on(personal.date_of_birth, today)
        if settings.age_format is AgeFormat.BAND:
            hit["age_band"] = age_band(age)
        else:
            hit["age"] = age
    if settings.address:
        hit["address"] = personal.address
    return hit
