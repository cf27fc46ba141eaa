"""The disaster's end in the roster (災害収束, S10.3): its file first, then no personal data.

`export_disaster` bundles every shelter's roster (all stays, checked out included; training
entries in a file of their own, marked as such) and a per-shelter summary into one ZIP, and
reports the export (`DisasterExported`): registration closes the disaster only after one. The
deletion on `DisasterClosed` is shelter_runtime.disaster's, the same in every service.
"""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID, uuid4

from shelter_contracts.events import DisasterExported
from shelter_roster.domain.export import BOM, japan_time, roster_csv, safe_cell
from shelter_roster.domain.model import EntryQuery, Presence, RosterEntry
from shelter_roster.service_layer.documents import entry_from_document
from shelter_roster.service_layer.ports import RosterEntries, ShelterDirectory

log = logging.getLogger(__name__)


SERVICE = "roster"
#: Rows read from the database per batch while exporting.
BATCH = 500
ROSTER_FILE = "roster.csv"
TRAINING_FILE = "roster-training.csv"
SHELTERS_FILE = "shelters.csv"
SHELTER_HEADERS = (
    "避難所ID",
    "避難所名",
    "入所者数(延べ)",
    "避難中",
    "退所済み",
    "世帯数(延べ)",
    "最初の入所",
    "最後の退所",
)


#: Reports an export of the disaster's file (published on the disaster topic).
ReportExport = Callable[[DisasterExported], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class DisasterFile:
    export_id: UUID
    exported_at: datetime
    content: bytes
    entries: int
    training_entries: int
    shelters: int


async def _all(entries: RosterEntries, training: bool) -> list[RosterEntry]:
    query = EntryQuery(presence=Presence.ALL, training=training)
    rows: list[RosterEntry] = []
    while True:
        docs = await entries.find(query, limit=BATCH, skip=len(rows))
        rows.extend(e for e in (entry_from_document(d) for d in docs) if e is not None)
        if len(docs) < BATCH:
            return rows


def shelters_csv(rows: Iterable[RosterEntry], names: dict[str, str]) -> bytes:
    """One line per shelter with stays: counts of people and households, first and last."""
    by_shelter: dict[str, list[RosterEntry]] = {}
    for entry in rows:
        by_shelter.setdefault(entry.shelter_id, []).append(entry)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(SHELTER_HEADERS)
    for shelter_id in sorted(by_shelter):
        stays = by_shelter[shelter_id]
        out_times = [e.checked_out_at for e in stays if e.checked_out_at is not None]
        cells = [
            shelter_id,
            names.get(shelter_id, ""),
            str(len(stays)),
            str(sum(1 for e in stays if e.present)),
            str(len(out_times)),
            str(len({e.household_number for e in stays if e.household_number is not None})),
            japan_time(min(e.checked_in_at for e in stays)),
            japan_time(max(out_times) if out_times else None),
        ]
        writer.writerow([safe_cell(c) for c in cells])
    return (BOM + out.getvalue()).encode("utf-8")


async def export_disaster(
    entries: RosterEntries, shelters: ShelterDirectory, report: ReportExport, now: datetime
) -> DisasterFile:
    """The disaster's file (S10.3), reported as exported before it is handed out."""
    exported = await disaster_file(entries, shelters, now)
    await report(
        DisasterExported(
            occurred_at=exported.exported_at,
            producer=SERVICE,
            export_id=exported.export_id,
            entries=exported.entries,
            training_entries=exported.training_entries,
            shelters=exported.shelters,
        )
    )
    return exported


async def disaster_file(
    entries: RosterEntries, shelters: ShelterDirectory, now: datetime
) -> DisasterFile:
    """The disaster's file (S10.3): the roster of every shelter and a summary per shelter."""
    real = await _all(entries, training=False)
    training = await _all(entries, training=True)
    shelter_ids = {e.shelter_id for e in real} | {e.shelter_id for e in training}
    names = await shelters.names(shelter_ids)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(ROSTER_FILE, roster_csv(real, with_shelter=True))
        archive.writestr(SHELTERS_FILE, shelters_csv(real, names))
        archive.writestr(TRAINING_FILE, roster_csv(training, with_shelter=True))
    return DisasterFile(
        export_id=uuid4(),
        exported_at=now,
        content=buffer.getvalue(),
        entries=len(real),
        training_entries=len(training),
        shelters=len({e.shelter_id for e in real}),
    )
