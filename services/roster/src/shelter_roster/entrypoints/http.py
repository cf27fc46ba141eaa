"""Roster read API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from shelter_contracts.events import Channel, ShelterId
from shelter_contracts.personal import EvacueePersonal
from shelter_roster.adapters.mongo import MongoRosterEntries
from shelter_runtime.problems import ProblemError


class RosterEntryPublic(BaseModel):
    """One row of the roster (S12)."""

    stay_id: UUID
    shelter_id: str
    channel: Channel
    personal: EvacueePersonal
    statuses: list[str]
    message: str | None
    checked_in_at: datetime
    checked_out_at: datetime | None
    forced_check_out: bool
    training: bool


class RosterPage(BaseModel):
    items: list[RosterEntryPublic]
    limit: int
    offset: int


def get_entries(request: Request) -> MongoRosterEntries:
    entries: MongoRosterEntries = request.app.state.entries
    return entries


Entries = Annotated[MongoRosterEntries, Depends(get_entries)]


def _public(doc: dict[str, Any]) -> RosterEntryPublic:
    return RosterEntryPublic(
        stay_id=doc["_id"],
        shelter_id=doc["shelter_id"],
        channel=Channel(doc["channel"]),
        personal=EvacueePersonal.model_validate(doc["personal"]),
        statuses=doc.get("statuses", []),
        message=doc.get("message"),
        checked_in_at=doc["checked_in_at"],
        checked_out_at=doc.get("checked_out_at"),
        forced_check_out=doc.get("forced_check_out", False),
        training=doc.get("training", False),
    )


router = APIRouter(tags=["roster"])


@router.get("/shelters/{shelter_id}/entries")
async def list_entries(
    shelter_id: Annotated[ShelterId, Path()],
    entries: Entries,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> RosterPage:
    """The roster of one shelter, oldest check-in first (S11.1)."""
    docs = await entries.list_for_shelter(shelter_id, limit=limit, skip=offset)
    return RosterPage(items=[_public(d) for d in docs], limit=limit, offset=offset)


@router.get("/entries/{stay_id}", responses={404: {"description": "No such entry"}})
async def get_entry(stay_id: UUID, entries: Entries) -> RosterEntryPublic:
    """One roster entry by stay id."""
    doc = await entries.get(stay_id)
    if doc is None or "checked_in_at" not in doc:
        raise ProblemError(
            404, "unknown-entry", "No roster entry with this id", "該当する名簿の記録がありません"
        )
    return _public(doc)
