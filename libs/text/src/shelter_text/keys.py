"""Comparison keys built from folded text."""

from __future__ import annotations

from datetime import date

from shelter_text.address import normalise_address
from shelter_text.names import fold_name


def household_key(family_name: str, address: str) -> str:
    """Same normalised address and same family name = one household (世帯, S12, S14)."""
    return f"{normalise_address(address)}|{fold_name(family_name)}"


def person_key(family_name: str, given_name: str, date_of_birth: date) -> str:
    """Same folded name and date of birth = the same person (duplicate check-in)."""
    return f"{fold_name(family_name)}|{fold_name(given_name)}|{date_of_birth.isoformat()}"
