"""Read side of the roster: staff listings, CSV export and the public search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from shelter_roster.domain.disclosure import public_view
from shelter_roster.domain.export import roster_csv
from shelter_roster.domain.model import Edit, EntryQuery, PublicQuery, RosterEntry
from shelter_roster.service_layer.documents import edit_from_document, entry_from_document
from shelter_roster.service_layer.ports import RosterEntries, RosterSettings, ShelterDirectory

#: Rows read from the database per batch while exporting.
EXPORT_BATCH = 500


@dataclass(frozen=True, slots=True)
class EntryPage:
    entries: list[RosterEntry]
    total: int


def _entries(docs: list[dict[str, Any]]) -> list[RosterEntry]:
    return [e for e in (entry_from_document(d) for d in docs) if e is not None]


async def entry(entries: RosterEntries, stay_id: UUID) -> RosterEntry | None:
    doc = await entries.get(stay_id)
    return entry_from_document(doc) if doc is not None else None


async def entry_history(entries: RosterEntries, stay_id: UUID) -> list[Edit] | None:
    """The edits of a checked-in entry, oldest first; None for an unknown entry."""
    if await entry(entries, stay_id) is None:
        return None
    return [edit_from_document(d) for d in await entries.history(stay_id)]


async def list_entries(
    entries: RosterEntries, query: EntryQuery, limit: int, offset: int
) -> EntryPage:
    docs = await entries.find(query, limit=limit, skip=offset)
    return EntryPage(entries=_entries(docs), total=await entries.count(query))


async def export_entries(entries: RosterEntries, query: EntryQuery) -> bytes:
    """Every entry matching `query` as an Excel-ready CSV file."""
    rows: list[RosterEntry] = []
    while True:
        batch = _entries(await entries.find(query, limit=EXPORT_BATCH, skip=len(rows)))
        rows.extend(batch)
        if len(batch) < EXPORT_BATCH:
            break
    return roster_csv(rows, with_shelter=query.shelter_id is None)


async def search_public(
    entries: RosterEntries,
    shelters: ShelterDirectory,
    settings: RosterSettings,
    query: PublicQuery,
    today: date,
    limit: int,
) -> list[dict[str, Any]]:
    """Present people matching the names, with only the fields the settings disclose."""
    found = _entries(await entries.search_public(query, limit=limit))
    names = await shelters.names({e.shelter_id for e in found})
    disclosure = await settings.disclosure()
    return [public_view(e, names.get(e.shelter_id), disclosure, today) for e in found]
