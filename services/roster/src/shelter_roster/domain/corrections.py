"""Staff corrections of a roster entry (S11.1 edit link: 修正・追記).

A correction names only the fields it changes; what actually changed is recorded as field
changes (old and new value) for the append-only edit history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from shelter_contracts.personal import EvacueePersonal
from shelter_roster.domain.model import FieldChange, RosterEntry

#: Fields staff may correct besides the personal ones.
ENTRY_FIELDS = ("statuses", "message", "remarks")


class InvalidCorrectionError(Exception):
    """The corrected personal facts are not valid (e.g. a required name emptied)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("invalid correction")
        #: (field, error type) pairs; the values themselves are never quoted.
        self.problems = problems

    @property
    def fields(self) -> list[str]:
        return [field for field, _ in self.problems]


@dataclass(frozen=True, slots=True)
class CorrectedEntry:
    """The corrected values and the changes that lead to them (empty when nothing changed)."""

    personal: EvacueePersonal
    statuses: tuple[str, ...]
    message: str | None
    remarks: str | None
    changes: tuple[FieldChange, ...]


def correct(
    entry: RosterEntry, personal: Mapping[str, Any], others: Mapping[str, Any]
) -> CorrectedEntry:
    """Apply `personal` (some EvacueePersonal fields) and `others` (statuses, message, remarks)."""
    before = entry.personal.model_dump(mode="json")
    try:
        corrected = EvacueePersonal.model_validate({**before, **personal})
    except ValidationError as error:
        raise InvalidCorrectionError(
            [
                (".".join(["personal", *(str(p) for p in e["loc"])]), e["type"])
                for e in error.errors()
            ]
        ) from None
    after = corrected.model_dump(mode="json")
    changes = [
        FieldChange(f"personal.{name}", before[name], after[name])
        for name in after
        if before[name] != after[name]
    ]
    current: dict[str, Any] = {
        "statuses": list(entry.statuses),
        "message": entry.message,
        "remarks": entry.remarks,
    }
    wanted = {**current, **{k: v for k, v in others.items() if k in ENTRY_FIELDS}}
    wanted["statuses"] = list(wanted["statuses"] or [])
    changes += [
        FieldChange(name, current[name], wanted[name])
        for name in ENTRY_FIELDS
        if current[name] != wanted[name]
    ]
    return CorrectedEntry(
        personal=corrected,
        statuses=tuple(wanted["statuses"]),
        message=wanted["message"],
        remarks=wanted["remarks"],
        changes=tuple(changes),
    )
