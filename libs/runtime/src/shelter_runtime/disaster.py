"""Deleting a service's personal data when the disaster is closed (災害収束, S10.3).

Every service holding personal data does the same on `DisasterClosed`: delete by exclusion
(every collection but the kept ones, so a collection added later is deleted too), count what is
left, and report `PersonalDataDeleted`. A closure is acted on once: its id is claimed first in
a kept collection (`APPLIED_CLOSURES`, insert with a unique `_id`), so a replay (a consumer
group reset, a restore) never deletes the data of the disaster that came after. A replay
publishes the first run's report again, so the closure's status stays confirmable. The claims
are also the closure's tombstone: stay events from before `closed_at`, still on their way when
it was closed, must not recreate what was deleted (`ClosureLog.closed_at`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from shelter_contracts.events import DisasterClosed, PersonalDataDeleted
from shelter_runtime.mongo import Document

log = logging.getLogger(__name__)

#: The closures a service acted on, with their report; kept when personal data is deleted.
APPLIED_CLOSURES = "disaster_closures_applied"


class IncompleteDeletionError(Exception):
    """Documents were left after the deletion: raised so the event is handled again."""


@dataclass(frozen=True, slots=True)
class Purged:
    """What one deletion run did, counted after it."""

    collections: tuple[str, ...]
    deleted: int
    remaining: int


class PersonalData(Protocol):
    """The personal data of one service's database."""

    async def purge(self) -> Purged: ...


class ClosureLog(Protocol):
    """The closures this service acted on (a tombstone each) and the report of each."""

    async def claim(self, event: DisasterClosed) -> PersonalDataDeleted | None:
        """Claim the closure; its report if a run already finished it, else None (apply it)."""

    async def finish(self, event: DisasterClosed, report: PersonalDataDeleted) -> None: ...

    async def closed_at(self) -> datetime | None:
        """When the latest closure this service acted on was declared; None if none."""


Publish = Callable[[PersonalDataDeleted], Awaitable[None]]


async def delete_personal_data(
    event: DisasterClosed,
    data: PersonalData,
    closures: ClosureLog,
    publish: Publish,
    service: str,
    now: datetime,
) -> PersonalDataDeleted:
    """Delete, count what is left, report; a closure already applied only reports again."""
    done = await closures.claim(event)
    if done is not None:
        log.info("disaster closure replayed: report sent again, nothing deleted",
                 extra={"closure_id": str(event.closure_id)})  # fmt: skip
        await publish(done)
        return done
    purged = await data.purge()
    log.info(
        "personal data deleted",
        extra={
            "closure_id": str(event.closure_id),
            "collections": len(purged.collections),
            "documents_deleted": purged.deleted,
            "documents_remaining": purged.remaining,
        },
    )
    if purged.remaining:
        raise IncompleteDeletionError(f"{purged.remaining} documents left")
    report = PersonalDataDeleted(
        occurred_at=now,
        producer=service,
        closure_id=event.closure_id,
        service=service,
        collections=purged.collections,
        documents_deleted=purged.deleted,
        documents_remaining=0,
    )
    await closures.finish(event, report)
    await publish(report)
    return report


class MongoPersonalData:
    """Empties every collection of `db` but the kept ones and counts what is left."""

    def __init__(self, db: AsyncDatabase[Document], kept: frozenset[str]) -> None:
        self._db = db
        self._kept = kept | {APPLIED_CLOSURES}

    async def collections(self) -> list[str]:
        names = await self._db.list_collection_names()
        return sorted(n for n in names if n not in self._kept and not n.startswith("system."))

    async def purge(self) -> Purged:
        names = await self.collections()
        deleted = 0
        for name in names:
            deleted += (await self._db[name].delete_many({})).deleted_count
        remaining = 0
        for name in names:
            remaining += await self._db[name].count_documents({})
        return Purged(collections=tuple(names), deleted=deleted, remaining=remaining)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


class MongoClosureLog:
    """One document per closure acted on (`_id` = closure id), never deleted: few of them."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self.collection = db[APPLIED_CLOSURES]

    async def claim(self, event: DisasterClosed) -> PersonalDataDeleted | None:
        doc_id = str(event.closure_id)
        # The insert is the guard: FerretDB's update filters are not atomic with their write.
        with contextlib.suppress(DuplicateKeyError):
            await self.collection.insert_one(
                {"_id": doc_id, "closed_at": event.occurred_at, "claimed_at": datetime.now(UTC)}
            )
            return None
        found: dict[str, Any] | None = await self.collection.find_one({"_id": doc_id})
        if found is None or "report" not in found:
            return None  # claimed by a run that did not finish: apply it again
        return PersonalDataDeleted.model_validate(found["report"])

    async def finish(self, event: DisasterClosed, report: PersonalDataDeleted) -> None:
        await self.collection.update_one(
            {"_id": str(event.closure_id)}, {"$set": {"report": report.model_dump(mode="json")}}
        )

    async def closed_at(self) -> datetime | None:
        docs = await self.collection.find({}, {"closed_at": 1}).to_list()
        return max((_aware(d["closed_at"]) for d in docs), default=None)
