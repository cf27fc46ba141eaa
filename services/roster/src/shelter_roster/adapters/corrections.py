"""Staff corrections reach the statistics: EvacueeCorrected on the corrections topic (S11.1).

A correction of an entry's personal fields may change its sex or age band, which the
statistics count. `MongoRosterEntries.correct` points at the correction (`corrections_pending`)
before storing it; this publisher reads the pointers, publishes one event per correction
(its id derived from stay and revision, so a repeat is dropped by id) and deletes the pointer.
A pointer whose correction was never stored (the insert failed or lost a race) is dropped after
a grace period. Events carry the age band and sex only, never the birth date.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

from shelter_contracts.events import EvacueeCorrected
from shelter_contracts.personal import Sex
from shelter_roster.adapters.mongo import MongoRosterEntries
from shelter_roster.domain.model import age_band, age_on
from shelter_runtime.mongo import Document

log = logging.getLogger(__name__)

#: Namespace of the event ids: uuid5 of `<stay id>#<revision>`.
EVENT_IDS = uuid.UUID("5b0e1f55-2c7c-4b8e-9d0e-6f6b1c0a7e21")
PRODUCER = "roster"

Send = Callable[[EvacueeCorrected], Awaitable[None]]


def corrected_event(entry: Document, correction: Document) -> EvacueeCorrected:
    """The event of a stored correction, `entry` being the corrected roster entry."""
    personal = correction["fields"]["personal"]
    checked_in_at: datetime = entry["checked_in_at"]
    born = date.fromisoformat(personal["date_of_birth"])
    at: datetime = correction["edit"]["at"]
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return EvacueeCorrected(
        event_id=uuid.uuid5(EVENT_IDS, correction["_id"]),
        occurred_at=at,
        shelter_id=entry["shelter_id"],
        producer=PRODUCER,
        stay_id=entry["_id"],
        revision=correction["revision"],
        age_band=age_band(age_on(born, checked_in_at.date())),
        sex=Sex(personal["sex"]),
        corrected_at=at,
    )


class CorrectionPublisher:
    def __init__(
        self,
        entries: MongoRosterEntries,
        send: Send,
        *,
        interval_seconds: float = 2.0,
        grace_seconds: float = 300.0,
    ) -> None:
        self._entries = entries
        self._send = send
        self._interval = interval_seconds
        self._grace = timedelta(seconds=grace_seconds)
        self._wake = asyncio.Event()
        entries.on_corrected = self._wake.set

    async def publish_pending(self) -> int:
        """Publish every pointed-at correction; the number published."""
        published = 0
        pending = self._entries.pending_corrections
        now = datetime.now(UTC)
        async for pointer in pending.find_all({}):
            correction = await self._entries.corrections.find_one(pointer["_id"])
            if correction is None:
                at: datetime = pointer["at"]
                if now - (at if at.tzinfo else at.replace(tzinfo=UTC)) > self._grace:
                    await pending.of(pointer["_id"]).delete_one({"_id": pointer["_id"]})
                continue
            entry = await self._entries.get(uuid.UUID(correction["stay_id"]))
            if entry is not None and "checked_in_at" in entry:
                await self._send(corrected_event(entry, correction))
                published += 1
            await pending.of(pointer["_id"]).delete_one({"_id": pointer["_id"]})
        return published

    async def run(self) -> None:
        """Publish as corrections are stored, and every interval (a lifespan task)."""
        while True:
            self._wake.clear()
            try:
                await self.publish_pending()
            except Exception:
                log.exception("publishing corrections failed; will retry")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._interval)
