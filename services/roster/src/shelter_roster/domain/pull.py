"""Roster data for integration clients (PULL, S17.1-S17.2): which fields, for whom.

A client of another system (a municipality's disaster system, S17.1) reads the roster through
`GET /pull/entries` with the scope `roster:read`. It names the fields it wants; without a
choice it gets the minimum (`DEFAULT_FIELDS`): who is where since when, without a name.
Personal fields (names, birth date, address, contacts, free text) need the further scope
`roster:personal`: the auth service keeps no per-client field list, so the scope is the
allow-list. Administrators and headquarters, who see the whole roster anyway, may ask for
every field. Pure functions only: the route does the I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from shelter_roster.domain.model import RosterEntry

# The one ETag helper of all services, kept under these names for the roster's callers.
from shelter_runtime.http import etag_of as etag_of
from shelter_runtime.http import matches_etag as matches_etag

#: The scope that lets an integration client read the roster at all (auth's SCOPES).
READ_SCOPE = "roster:read"
#: The scope that lets it read the personal fields as well.
PERSONAL_SCOPE = "roster:personal"

#: What a client gets when it names no fields: the stay, its shelter and household, in/out.
DEFAULT_FIELDS: tuple[str, ...] = (
    "stay_id",
    "shelter_id",
    "household_number",
    "checked_in_at",
    "checked_out_at",
    "present",
    "forced_check_out",
)
#: Further fields without personal data, on request.
OTHER_FIELDS: tuple[str, ...] = (
    "serial",
    "channel",
    "age_band",
    "statuses",
    "transferred_from",
    "transferred_to",
    "revision",
)
#: Personal data (S12): only with PERSONAL_SCOPE, or for staff who may see every shelter.
PERSONAL_FIELDS: tuple[str, ...] = (
    "family_name",
    "given_name",
    "family_name_kana",
    "given_name_kana",
    "sex",
    "date_of_birth",
    "address",
    "phone",
    "email",
    "message",
    "remarks",
)
ALL_FIELDS: tuple[str, ...] = (*DEFAULT_FIELDS, *OTHER_FIELDS, *PERSONAL_FIELDS)
_KNOWN = frozenset(ALL_FIELDS)
_PERSONAL = frozenset(PERSONAL_FIELDS)


class UnknownFieldsError(ValueError):
    """Field names outside `ALL_FIELDS` (the request is malformed: 400)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = tuple(names)
        super().__init__(", ".join(self.names))


class FieldsNotAllowedError(PermissionError):
    """Known fields the caller may not read (403)."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = tuple(names)
        super().__init__(", ".join(self.names))


@dataclass(frozen=True, slots=True)
class FieldAccess:
    """Which fields a caller may read: the personal ones or not."""

    personal: bool

    @classmethod
    def of(cls, *, all_shelters_staff: bool, scopes: Iterable[str]) -> FieldAccess:
        return cls(personal=all_shelters_staff or PERSONAL_SCOPE in set(scopes))

    def allowed(self) -> frozenset[str]:
        return _KNOWN if self.personal else _KNOWN - _PERSONAL


def parse_fields(raw: str | None) -> tuple[str, ...]:
    """The fields named in `fields=a,b,c` (order kept, repeats dropped); the default if none."""
    names = [n.strip() for n in (raw or "").split(",") if n.strip()]
    if not names:
        return DEFAULT_FIELDS
    unknown = sorted({n for n in names if n not in _KNOWN})
    if unknown:
        raise UnknownFieldsError(unknown)
    return tuple(dict.fromkeys(names))


def select_fields(raw: str | None, access: FieldAccess) -> tuple[str, ...]:
    """The fields to answer with; raises UnknownFieldsError or FieldsNotAllowedError."""
    fields = parse_fields(raw)
    refused = [n for n in fields if n not in access.allowed()]
    if refused:
        raise FieldsNotAllowedError(refused)
    return fields


def project(entry: RosterEntry, fields: Iterable[str]) -> dict[str, Any]:
    """Only `fields` of an entry, as plain values (dates and times stay Python objects)."""
    p = entry.personal
    values: dict[str, Any] = {
        "stay_id": entry.stay_id,
        "shelter_id": entry.shelter_id,
        "household_number": entry.household_number,
        "checked_in_at": entry.checked_in_at,
        "checked_out_at": entry.checked_out_at,
        "present": entry.present,
        "forced_check_out": entry.forced_check_out,
        "serial": entry.serial,
        "channel": entry.channel,
        "age_band": entry.age_band,
        "statuses": list(entry.statuses),
        "transferred_from": entry.transferred_from,
        "transferred_to": entry.transferred_to,
        "revision": entry.revision,
        "family_name": p.family_name,
        "given_name": p.given_name,
        "family_name_kana": p.family_name_kana,
        "given_name_kana": p.given_name_kana,
        "sex": p.sex,
        "date_of_birth": p.date_of_birth,
        "address": p.address,
        "phone": p.phone,
        "email": p.email,
        "message": entry.message,
        "remarks": entry.remarks,
    }
    return {name: values[name] for name in fields}
