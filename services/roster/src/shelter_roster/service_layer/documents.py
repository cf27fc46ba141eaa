"""The stored shape of roster documents, shared by the Mongo adapters and the test fakes.

An entry document holds the check-in facts (written once, marker `checked_in_at`), the
check-out facts (written once, marker `checked_out_at`), staff corrections (guarded by
`revision`) and the append-only `history` of those corrections.
"""

from __future__ import annotations

from typing import Any

from shelter_contracts.events import Channel
from shelter_contracts.personal import EvacueePersonal
from shelter_roster.domain.model import (
    CheckInFacts,
    CheckOutFacts,
    Edit,
    EntryNumbers,
    FieldChange,
    RosterEntry,
    folded_names,
)

Document = dict[str, Any]


def check_in_fields(facts: CheckInFacts, numbers: EntryNumbers) -> Document:
    return {
        "shelter_id": facts.shelter_id,
        "serial": numbers.serial,
        "channel": int(facts.channel),
        "household_number": numbers.household_number,
        "household_key": facts.household_key,
        "personal": facts.personal.model_dump(mode="json"),
        "folded": folded_names(facts.personal).as_document(),
        "age_band": facts.age_band,
        "statuses": list(facts.statuses),
        "message": facts.message,
        "remarks": None,
        "checked_in_at": facts.checked_in_at,
        "training": facts.training,
        "transferred_from": facts.transferred_from,
        "revision": 0,
    }


def check_out_fields(facts: CheckOutFacts) -> Document:
    return {
        "shelter_id": facts.shelter_id,
        "checked_out_at": facts.checked_out_at,
        "forced_check_out": facts.forced,
        "transferred_to": facts.transferred_to,
    }


def correction_fields(
    personal: EvacueePersonal, statuses: tuple[str, ...], message: str | None, remarks: str | None
) -> Document:
    return {
        "personal": personal.model_dump(mode="json"),
        "folded": folded_names(personal).as_document(),
        "statuses": list(statuses),
        "message": message,
        "remarks": remarks,
    }


def edit_document(edit: Edit) -> Document:
    return {
        "at": edit.at,
        "actor": edit.actor,
        "changes": [{"field": c.field, "old": c.old, "new": c.new} for c in edit.changes],
    }


def edit_from_document(doc: Document) -> Edit:
    return Edit(
        at=doc["at"],
        actor=doc.get("actor"),
        changes=tuple(FieldChange(c["field"], c["old"], c["new"]) for c in doc["changes"]),
    )


def entry_from_document(doc: Document) -> RosterEntry | None:
    """The roster entry of a document; None while only its check-out is known."""
    if "checked_in_at" not in doc:
        return None
    return RosterEntry(
        stay_id=doc["_id"],
        shelter_id=doc["shelter_id"],
        serial=doc.get("serial"),
        channel=Channel(doc["channel"]),
        household_number=doc.get("household_number"),
        personal=EvacueePersonal.model_validate(doc["personal"]),
        age_band=doc.get("age_band"),
        statuses=tuple(doc.get("statuses") or ()),
        message=doc.get("message"),
        remarks=doc.get("remarks"),
        checked_in_at=doc["checked_in_at"],
        checked_out_at=doc.get("checked_out_at"),
        forced_check_out=doc.get("forced_check_out", False),
        transferred_from=doc.get("transferred_from"),
        transferred_to=doc.get("transferred_to"),
        training=doc.get("training", False),
        revision=doc.get("revision", 0),
    )
