"""The roster for staff (避難者名簿, S11-S12): listings, corrections, history, CSV export.

Shelter staff see the shelters assigned to them; administrators and headquarters viewers see
every shelter, and headquarters only reads. An entry of a shelter the caller may not see is
answered 404, like an unknown one, so stay ids cannot be probed.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import Response

from shelter_contracts.events import ShelterId, StatusItem
from shelter_roster.domain.corrections import InvalidCorrectionError
from shelter_roster.domain.model import EntryQuery, Presence, RosterEntry
from shelter_roster.entrypoints.deps import AllShelters, AnyStaff, Entries, ShelterRoster
from shelter_roster.entrypoints.schemas import (
    EditPublic,
    EntryHistory,
    RosterEntryPublic,
    RosterEntryUpdate,
    RosterPage,
)
from shelter_roster.service_layer import handlers, views
from shelter_runtime.audit import record_audit
from shelter_runtime.http import JsonBody
from shelter_runtime.problems import InvalidParam, ProblemError
from shelter_runtime.security import Principal
from shelter_text import fold_name

router = APIRouter(tags=["roster"])

NameFilter = Annotated[
    str | None,
    Query(max_length=100, description="Part of the name, kanji or kana (folded: width, forms)"),
]
StatusFilter = Annotated[
    Presence, Query(description="present (避難中), checked_out (退所済み) or all")
]
StatusItemFilter = Annotated[
    StatusItem | None, Query(description="Only entries with this status item ticked")
]
TrainingFilter = Annotated[
    bool, Query(description="true: the training-mode entries instead of the real ones")
]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0)]

_NOT_FOUND = ("unknown-entry", "No roster entry with this id", "該当する名簿の記録がありません")


def _query(
    shelter_id: str | None,
    name: str | None,
    status: Presence,
    status_item: str | None,
    training: bool,
) -> EntryQuery:
    return EntryQuery(
        shelter_id=shelter_id,
        name=fold_name(name) or None if name else None,
        presence=status,
        status_item=status_item,
        training=training,
    )


async def _page(entries: Entries, query: EntryQuery, limit: int, offset: int) -> RosterPage:
    page = await views.list_entries(entries, query, limit=limit, offset=offset)
    return RosterPage(
        items=[RosterEntryPublic.of(e) for e in page.entries],
        total=page.total,
        limit=limit,
        offset=offset,
    )


async def _visible_entry(entries: Entries, stay_id: UUID, who: Principal) -> RosterEntry:
    """The entry, if `who` may see its shelter; otherwise 404, as for an unknown id."""
    entry = await views.entry(entries, stay_id)
    if entry is None or not who.may_access_shelter(entry.shelter_id):
        raise ProblemError(404, *_NOT_FOUND)
    return entry


def _csv_rows(content: bytes) -> int:
    """The data rows of an exported CSV file (its header left out; quoted newlines are one row)."""
    rows = sum(1 for _ in csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    return max(rows - 1, 0)


def _changed_fields(before: RosterEntry, after: RosterEntry) -> list[str]:
    """The names (never the values) of the fields a correction changed."""
    old, new = before.personal.model_dump(), after.personal.model_dump()
    changed = [f"personal.{k}" for k in old if old[k] != new.get(k)]
    for name in ("statuses", "message", "remarks"):
        if getattr(before, name) != getattr(after, name):
            changed.append(name)
    return changed


async def _audit_export(
    request: Request, who: Principal, content: bytes, shelter_id: str | None
) -> None:
    await record_audit(
        request,
        who,
        "roster.exported",
        target_type="roster",
        shelter_id=shelter_id,
        details={"rows": _csv_rows(content), "format": "csv"},
    )


def _csv(content: bytes, filename: str) -> Response:
    return Response(
        content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/shelters/{shelter_id}/entries")
async def list_shelter_entries(
    who: ShelterRoster,
    shelter_id: Annotated[ShelterId, Path()],
    entries: Entries,
    name: NameFilter = None,
    status: StatusFilter = Presence.ALL,
    status_item: StatusItemFilter = None,
    training: TrainingFilter = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> RosterPage:
    """The roster of one shelter, oldest check-in first, filtered (S11.1)."""
    query = _query(shelter_id, name, status, status_item, training)
    return await _page(entries, query, limit, offset)


@router.get("/entries")
async def list_all_entries(
    who: AllShelters,
    entries: Entries,
    name: NameFilter = None,
    status: StatusFilter = Presence.ALL,
    status_item: StatusItemFilter = None,
    training: TrainingFilter = False,
    limit: Limit = 100,
    offset: Offset = 0,
) -> RosterPage:
    """Entries of every shelter, e.g. to find a person by name (administrators, headquarters)."""
    query = _query(None, name, status, status_item, training)
    return await _page(entries, query, limit, offset)


@router.get("/shelters/{shelter_id}/entries.csv", response_class=Response)
async def export_shelter_entries(
    who: ShelterRoster,
    shelter_id: Annotated[ShelterId, Path()],
    request: Request,
    entries: Entries,
    name: NameFilter = None,
    status: StatusFilter = Presence.ALL,
    status_item: StatusItemFilter = None,
    training: TrainingFilter = False,
) -> Response:
    """The shelter's roster as a CSV file for Excel (UTF-8 with BOM, CRLF, Japan time)."""
    query = _query(shelter_id, name, status, status_item, training)
    content = await views.export_entries(entries, query)
    await _audit_export(request, who, content, shelter_id)
    return _csv(content, f"roster-{shelter_id}.csv")


@router.get("/entries.csv", response_class=Response)
async def export_all_entries(
    who: AllShelters,
    request: Request,
    entries: Entries,
    name: NameFilter = None,
    status: StatusFilter = Presence.ALL,
    status_item: StatusItemFilter = None,
    training: TrainingFilter = False,
) -> Response:
    """Every shelter's roster as one CSV file, with a shelter column first."""
    query = _query(None, name, status, status_item, training)
    content = await views.export_entries(entries, query)
    await _audit_export(request, who, content, None)
    return _csv(content, "roster.csv")


@router.get("/entries/{stay_id}", responses={404: {"description": "No such entry"}})
async def get_entry(who: AnyStaff, stay_id: UUID, entries: Entries) -> RosterEntryPublic:
    """One roster entry by stay id."""
    return RosterEntryPublic.of(await _visible_entry(entries, stay_id, who))


@router.patch(
    "/entries/{stay_id}",
    dependencies=[JsonBody],
    responses={404: {"description": "No such entry"}, 409: {"description": "Edited meanwhile"}},
)
async def correct_entry(
    who: AnyStaff,
    stay_id: UUID,
    update: Annotated[RosterEntryUpdate, Body()],
    request: Request,
    entries: Entries,
) -> RosterEntryPublic:
    """Correct or add to an entry (S11.1 edit link); the change goes to its history."""
    # The entry's shelter never changes, so checking it before the correction is enough.
    before = await _visible_entry(entries, stay_id, who)
    command = handlers.CorrectEntry(
        stay_id=stay_id,
        at=datetime.now(UTC),
        actor=who.sub,
        personal=update.personal_changes(),
        others=update.other_changes(),
        expected_revision=update.revision,
    )
    try:
        entry = await handlers.correct_entry(command, entries)
    except handlers.UnknownEntryError:
        raise ProblemError(404, *_NOT_FOUND) from None
    except handlers.EditConflictError:
        raise ProblemError(
            409,
            "edit-conflict",
            "The entry was being edited by someone else; try again",
            "他の職員が同時に編集しています。もう一度お試しください",
        ) from None
    except InvalidCorrectionError as error:
        raise ProblemError(
            422,
            "validation-error",
            "Some fields are missing or invalid",
            "入力内容に誤りがあります",
            invalid_params=[
                InvalidParam(name=field, reason=kind).model_dump() for field, kind in error.problems
            ],
        ) from None
    # S10.8: who corrected which fields (names only: the values are personal data).
    await record_audit(
        request,
        who,
        "roster.entry_corrected",
        target_type="stay",
        target_id=str(stay_id),
        shelter_id=entry.shelter_id,
        details={"fields": ",".join(_changed_fields(before, entry)), "revision": entry.revision},
    )
    return RosterEntryPublic.of(entry)


@router.get("/entries/{stay_id}/history", responses={404: {"description": "No such entry"}})
async def get_entry_history(who: AnyStaff, stay_id: UUID, entries: Entries) -> EntryHistory:
    """The corrections of an entry, oldest first: who, when, which fields, old and new value."""
    await _visible_entry(entries, stay_id, who)
    history = await views.entry_history(entries, stay_id)
    if history is None:
        raise ProblemError(404, *_NOT_FOUND)
    return EntryHistory(stay_id=stay_id, items=[EditPublic.of(e) for e in history])
