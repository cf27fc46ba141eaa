"""Handlers of the roster: events from Kafka and staff commands.

Event handlers apply each event once, whatever the order of arrival: replays change nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from shelter_contracts.events import EvacueeCheckedIn, EvacueeCheckedOut, ShelterEventBase
from shelter_roster.domain.corrections import correct
from shelter_roster.domain.disclosure import DisclosureSettings
from shelter_roster.domain.model import (
    CheckInFacts,
    CheckOutFacts,
    Edit,
    EntryNumbers,
    RosterEntry,
    ToNumber,
)
from shelter_roster.service_layer.documents import (
    correction_fields,
    edit_document,
    entry_from_document,
)
from shelter_roster.service_layer.ports import (
    Numbering,
    RosterEntries,
    RosterSettings,
    ShelterDirectory,
)

#: Attempts of a correction that lost a race with another one before answering "conflict".
CORRECTION_ATTEMPTS = 3


class UnknownEntryError(Exception):
    """No checked-in roster entry has this stay id."""


class EditConflictError(Exception):
    """Other corrections kept landing between reading the entry and writing it."""


def check_in_facts(event: EvacueeCheckedIn) -> CheckInFacts:
    """What a check-in event brings to the roster."""
    return CheckInFacts(
        stay_id=event.stay_id,
        shelter_id=event.shelter_id,
        channel=event.channel,
        personal=event.personal,
        statuses=event.statuses,
        message=event.message,
        checked_in_at=event.checked_in_at,
        training=event.training,
        age_band=event.age_band,
        household_key=event.household_key,
        transferred_from=event.transferred_from,
    )


def check_out_facts(event: EvacueeCheckedOut) -> CheckOutFacts:
    """What a check-out event brings to the roster."""
    return CheckOutFacts(
        stay_id=event.stay_id,
        shelter_id=event.shelter_id,
        checked_out_at=event.checked_out_at,
        forced=event.forced,
        transferred_to=event.transferred_to,
    )


async def apply_stay_event(
    event: EvacueeCheckedIn | EvacueeCheckedOut, entries: RosterEntries, numbering: Numbering
) -> bool:
    """Record a check-in or check-out in the roster; False when it changed nothing.

    A check-in gets its serial and household numbers here. Numbers are kept per stay and per
    household key, so a replay, or a redelivery after a failed write, gets the same ones. The
    documented race: two deliveries of one check-in handled at the same moment (possible only
    during a consumer-group rebalance) may both draw a number; one is kept, the other is a gap.
    """
    if isinstance(event, EvacueeCheckedOut):
        return await entries.record_check_out(check_out_facts(event))
    existing = await entries.get(event.stay_id)
    if existing is not None and "checked_in_at" in existing:
        return False
    numbers = EntryNumbers(
        serial=await numbering.serial(event.shelter_id, event.stay_id, event.training),
        household_number=await numbering.household_number(
            event.shelter_id, event.household_key, event.training
        ),
    )
    return await entries.record_check_in(check_in_facts(event), numbers)


async def apply_stay_events(
    events: Sequence[EvacueeCheckedIn | EvacueeCheckedOut],
    entries: RosterEntries,
    numbering: Numbering,
    closed_at: datetime | None = None,
) -> set[UUID]:
    """Record a batch of check-ins and check-outs; the stays whose entry changed.

    The same rules as `apply_stay_event`, for many events with few round trips: the check-ins
    of each shelter and mode are numbered together (a replay gets its numbers again), then
    everything is stored at once: the numbers drawn are kept by `record_many` with the
    check-ins' listing, written before the check-ins themselves. The first check-in of a stay
    in the batch stands. Events
    that happened at or before `closed_at`, the latest disaster closure (S10.3), are dropped:
    their data was deleted and must not come back.
    """
    check_ins: dict[UUID, EvacueeCheckedIn] = {}
    check_outs: list[EvacueeCheckedOut] = []
    if closed_at is not None:
        events = [e for e in events if e.occurred_at > closed_at]
    for event in events:
        if isinstance(event, EvacueeCheckedOut):
            check_outs.append(event)
        else:
            check_ins.setdefault(event.stay_id, event)
    groups: dict[tuple[str, bool], list[EvacueeCheckedIn]] = {}
    for event in check_ins.values():
        groups.setdefault((event.shelter_id, event.training), []).append(event)

    wanted = [
        ToNumber(
            shelter_id, training, tuple(e.stay_id for e in g), tuple(e.household_key for e in g)
        )
        for (shelter_id, training), g in groups.items()
    ]
    numbered = [
        (check_in_facts(e), EntryNumbers(serials[e.stay_id], households[e.household_key]))
        for g, (serials, households) in zip(
            groups.values(), await numbering.draw_many(wanted), strict=True
        )
        for e in g
    ]
    return await entries.record_many(numbered, [check_out_facts(e) for e in check_outs])


async def apply_shelter_event(event: ShelterEventBase, shelters: ShelterDirectory) -> bool:
    """Keep the shelter's name if this event is its newest version."""
    return await shelters.record(
        event.shelter_id, event.version, event.shelter.name, event.shelter.deleted
    )


@dataclass(frozen=True, slots=True)
class CorrectEntry:
    """Staff correct or add to an entry (S11.1 edit link): only the named fields change."""

    stay_id: UUID
    at: datetime
    actor: str | None = None
    personal: dict[str, Any] = field(default_factory=dict)
    others: dict[str, Any] = field(default_factory=dict)
    #: The revision the editor saw; when given, a correction made meanwhile is a conflict.
    expected_revision: int | None = None


async def correct_entry(command: CorrectEntry, entries: RosterEntries) -> RosterEntry:
    """Apply a correction and append it to the entry's history; the corrected entry.

    Check-in facts are written once, so a replayed check-in never undoes a correction. Two
    corrections at once are serialised by the entry's revision: the later one re-reads and
    applies its fields on top, unless it named the revision it expected (then: conflict).
    """
    for _ in range(CORRECTION_ATTEMPTS):
        doc = await entries.get(command.stay_id)
        entry = entry_from_document(doc) if doc is not None else None
        if entry is None:
            raise UnknownEntryError
        if command.expected_revision is not None and command.expected_revision != entry.revision:
            raise EditConflictError
        corrected = correct(entry, command.personal, command.others)
        if not corrected.changes:
            return entry
        written = await entries.correct(
            entry.stay_id,
            entry.revision,
            correction_fields(
                corrected.personal, corrected.statuses, corrected.message, corrected.remarks
            ),
            edit_document(Edit(at=command.at, actor=command.actor, changes=corrected.changes)),
        )
        if written:
            doc = await entries.get(command.stay_id)
            assert doc is not None
            result = entry_from_document(doc)
            assert result is not None
            return result
    raise EditConflictError


async def save_disclosure(settings: DisclosureSettings, store: RosterSettings) -> None:
    """Replace the public search's disclosure settings (S10 admin 7)."""
    await store.save_disclosure(settings)
