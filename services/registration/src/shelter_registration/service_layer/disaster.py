"""Closing the disaster (災害収束, S10.3) and deleting personal data you can verify.

An administrator closes the disaster once every shelter is closed, every event registration
produced is on Kafka (none would reach the roster after its deletion) and the disaster's file
was exported after the last shelter closed (the roster reports each export: `DisasterExported`).
Registration publishes `DisasterClosed`; each service holding personal data deletes it
(shelter_runtime.disaster), counts what is left and answers `PersonalDataDeleted`; registration
keeps the answers so the status shows, per service, whether the deletion is confirmed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol
from uuid import UUID, uuid4

from shelter_contracts.events import DisasterClosed, DisasterExported, PersonalDataDeleted
from shelter_registration.service_layer.ports import Clock, Shelters

#: What the administrator types to confirm (the button's label, S10.3).
CONFIRMATION_PHRASE = "災害収束"
#: Services whose databases hold evacuees' personal data: each must confirm its deletion.
PERSONAL_DATA_SERVICES = ("registration", "roster")
#: Services that hold none (counts, shelter facts, staff accounts and the audit trail without
#: personal data); tests/e2e/test_disaster_close.py scans their databases to prove it.
SERVICES_WITHOUT_PERSONAL_DATA = ("stats", "integration", "auth")


class DisasterError(Exception):
    """A refused disaster command."""


class ConfirmationMismatchError(DisasterError):
    """The confirmation typed is not the phrase."""


class SheltersStillOpenError(DisasterError):
    def __init__(self, shelter_ids: Sequence[str]) -> None:
        super().__init__(f"{len(shelter_ids)} shelters are open")
        self.shelter_ids = tuple(shelter_ids)


class EventsPendingError(DisasterError):
    """Registration's outbox still holds events not on Kafka yet: they would arrive after the
    roster deleted its data and create entries again."""

    def __init__(self, pending: int) -> None:
        super().__init__(f"{pending} events not published yet")
        self.pending = pending


class ExportRequiredError(DisasterError):
    """No export of the disaster's file since the last shelter closed."""

    def __init__(self, last_closed_at: datetime | None, exported_at: datetime | None) -> None:
        super().__init__("export the disaster's file first")
        self.last_closed_at = last_closed_at
        self.exported_at = exported_at


@dataclass(frozen=True, slots=True)
class CloseDisaster:
    """Close the disaster: the administrator `actor` typed `confirmation`."""

    confirmation: str
    actor: str


class OutboxBacklog(Protocol):
    """Registration's events written but not yet acknowledged by Kafka."""

    async def pending(self) -> int: ...


class DisasterLog(Protocol):
    """The closures of this deployment and the services' deletion reports."""

    async def add_closure(self, event: DisasterClosed) -> None:
        """Keep the closure and publish its event (at least once)."""

    async def latest_closure(self) -> DisasterClosed | None: ...

    async def add_report(self, report: PersonalDataDeleted) -> None:
        """Keep a report once (by event id)."""

    async def reports(self, closure_id: UUID) -> list[PersonalDataDeleted]: ...

    async def add_export(self, event: DisasterExported) -> None:
        """Keep an export of the disaster's file once (by event id)."""

    async def latest_export(self) -> DisasterExported | None: ...


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


async def close_disaster(
    cmd: CloseDisaster, shelters: Shelters, log: DisasterLog, clock: Clock, backlog: OutboxBacklog
) -> DisasterClosed:
    """Refuse unless confirmed, every shelter closed, every event out and the file exported
    since; then publish `DisasterClosed`."""
    if cmd.confirmation.strip() != CONFIRMATION_PHRASE:
        raise ConfirmationMismatchError
    current = [s for s in await shelters.all() if not s.deleted]
    still_open = sorted(s.shelter_id for s in current if s.is_open)
    if still_open:
        raise SheltersStillOpenError(still_open)
    pending = await backlog.pending()
    if pending:
        raise EventsPendingError(pending)
    last_closed = max((_aware(s.closed_at) for s in current if s.closed_at), default=None)
    export = await log.latest_export()
    if export is None or (last_closed is not None and export.occurred_at < last_closed):
        raise ExportRequiredError(last_closed, export.occurred_at if export else None)
    event = DisasterClosed(
        occurred_at=clock.now(), producer="registration", closure_id=uuid4(), actor=cmd.actor
    )
    await log.add_closure(event)
    return event


class Deletion(StrEnum):
    CONFIRMED = "confirmed"  # reported, 0 documents left
    PENDING = "pending"  # not reported yet
    NOT_APPLICABLE = "not_applicable"  # the service holds no personal data


@dataclass(frozen=True, slots=True)
class ServiceDeletion:
    service: str
    holds_personal_data: bool
    deletion: Deletion
    documents_deleted: int = 0
    collections: tuple[str, ...] = ()
    confirmed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DisasterStatus:
    closure: DisasterClosed | None
    services: tuple[ServiceDeletion, ...]

    @property
    def complete(self) -> bool:
        """Closed, and every service holding personal data confirmed its deletion."""
        return self.closure is not None and all(
            s.deletion is not Deletion.PENDING for s in self.services
        )


def _deletion(service: str, reports: Sequence[PersonalDataDeleted]) -> ServiceDeletion:
    confirmed = sorted(
        (r for r in reports if r.service == service and r.documents_remaining == 0),
        key=lambda r: r.occurred_at,
    )
    if not confirmed:
        return ServiceDeletion(service, True, Deletion.PENDING)
    return ServiceDeletion(
        service,
        True,
        Deletion.CONFIRMED,
        # A replay deletes nothing more: the first run's count is what was deleted.
        documents_deleted=max(r.documents_deleted for r in confirmed),
        collections=tuple(sorted({c for r in confirmed for c in r.collections})),
        confirmed_at=confirmed[0].occurred_at,
    )


async def disaster_status(log: DisasterLog) -> DisasterStatus:
    """The latest closure and, per service, whether its deletion is confirmed."""
    closure = await log.latest_closure()
    reports = await log.reports(closure.closure_id) if closure is not None else []
    if closure is None:
        holding = tuple(ServiceDeletion(s, True, Deletion.PENDING) for s in PERSONAL_DATA_SERVICES)
    else:
        holding = tuple(_deletion(s, reports) for s in PERSONAL_DATA_SERVICES)
    declared = tuple(
        ServiceDeletion(s, False, Deletion.NOT_APPLICABLE) for s in SERVICES_WITHOUT_PERSONAL_DATA
    )
    return DisasterStatus(closure=closure, services=holding + declared)
