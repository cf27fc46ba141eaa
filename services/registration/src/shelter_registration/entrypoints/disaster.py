"""The disaster's closure (災害収束, S10.3): the administrator's button, its status, its events.

`POST /disaster/close` publishes `DisasterClosed`; every service holding personal data deletes
it when it consumes the event (registration too, through `subscribe_disaster`) and reports
`PersonalDataDeleted`, which registration keeps for `GET /disaster/status`. The roster's
`DisasterExported` is kept too: closing needs an export taken after the last shelter closed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from shelter_contracts.events import DisasterClosed, DisasterExported, PersonalDataDeleted
from shelter_contracts.topics import DISASTER
from shelter_registration.entrypoints.deps import Administrator, Deps, JsonBody, SmallBodyRoute
from shelter_registration.service_layer import disaster
from shelter_runtime import disaster as deletion
from shelter_runtime.audit import record_audit
from shelter_runtime.consumer import subscribe
from shelter_runtime.kafka import publish_event
from shelter_runtime.problems import ProblemError
from shelter_runtime.wiring import ServiceParts

router = APIRouter(prefix="/disaster", tags=["disaster"], route_class=SmallBodyRoute)


def get_disaster_log(request: Request) -> disaster.DisasterLog:
    log: disaster.DisasterLog = request.app.state.disaster_log
    return log


DisasterLogDep = Annotated[disaster.DisasterLog, Depends(get_disaster_log)]


def get_outbox_backlog(request: Request) -> disaster.OutboxBacklog:
    backlog: disaster.OutboxBacklog = request.app.state.outbox_backlog
    return backlog


OutboxBacklogDep = Annotated[disaster.OutboxBacklog, Depends(get_outbox_backlog)]


class DisasterClose(BaseModel):
    """The administrator's confirmation, typed: the phrase 災害収束."""

    model_config = ConfigDict(extra="forbid")

    confirmation: Annotated[str, StringConstraints(max_length=40)] = Field(
        description=f"Must be「{disaster.CONFIRMATION_PHRASE}」, typed by the administrator",
        examples=[disaster.CONFIRMATION_PHRASE],
    )


class DisasterClosurePublic(BaseModel):
    closure_id: UUID
    closed_at: datetime
    closed_by: str


class ServiceDeletionPublic(BaseModel):
    service: str
    holds_personal_data: bool
    deletion: disaster.Deletion = Field(
        description="confirmed: the service deleted and counted 0 documents left; "
        "not_applicable: the service declares it holds no personal data"
    )
    documents_deleted: int
    collections: list[str]
    confirmed_at: datetime | None


class DisasterStatusPublic(BaseModel):
    closure: DisasterClosurePublic | None
    complete: bool = Field(description="Closed and every deletion confirmed")
    services: list[ServiceDeletionPublic]


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at is not None else None


def _closure(event: DisasterClosed) -> DisasterClosurePublic:
    return DisasterClosurePublic(
        closure_id=event.closure_id, closed_at=event.occurred_at, closed_by=event.actor
    )


@router.post("/close", dependencies=[JsonBody], status_code=202)
async def close_disaster(
    who: Administrator,
    body: DisasterClose,
    request: Request,
    deps: Deps,
    log: DisasterLogDep,
    backlog: OutboxBacklogDep,
) -> DisasterClosurePublic:
    """Close the disaster (admin, S10.3): every service then deletes its personal data."""
    cmd = disaster.CloseDisaster(confirmation=body.confirmation, actor=who.sub)
    try:
        event = await disaster.close_disaster(cmd, deps.shelters, log, deps.clock, backlog)
    except disaster.ConfirmationMismatchError as error:
        raise ProblemError(
            422,
            "confirmation-mismatch",
            f"Type「{disaster.CONFIRMATION_PHRASE}」to confirm",
            f"確認のため「{disaster.CONFIRMATION_PHRASE}」と入力してください",
        ) from error
    except disaster.SheltersStillOpenError as error:
        raise ProblemError(
            409,
            "shelters-open",
            "Close every shelter before closing the disaster",
            "開設中の避難所があります。すべて閉鎖してから災害収束してください",
            detail="Open: " + ", ".join(error.shelter_ids),
            open_shelters=list(error.shelter_ids),
        ) from error
    except disaster.EventsPendingError as error:
        raise ProblemError(
            409,
            "events-pending",
            "Check-ins and shelter changes are still being delivered; try again shortly",
            "入退所や避難所の変更を配信中です。しばらくしてから再度お試しください",
            detail=f"{error.pending} events not delivered yet",
            pending_events=error.pending,
        ) from error
    except disaster.ExportRequiredError as error:
        raise ProblemError(
            409,
            "export-required",
            "Download the disaster's file (export) after the last shelter closed, then close",
            "最後の避難所を閉鎖した後に災害記録を出力（エクスポート）してから災害収束してください",
            last_shelter_closed_at=_iso(error.last_closed_at),
            last_export_at=_iso(error.exported_at),
        ) from error
    await record_audit(
        request, who, "disaster.closed", target_type="disaster", target_id=str(event.closure_id)
    )
    return _closure(event)


@router.get("/status")
async def disaster_status(
    who: Administrator, deps: Deps, log: DisasterLogDep
) -> DisasterStatusPublic:
    """The latest closure and, per service, whether its personal data is deleted (admin)."""
    status = await disaster.disaster_status(log)
    return DisasterStatusPublic(
        closure=_closure(status.closure) if status.closure else None,
        complete=status.complete,
        services=[
            ServiceDeletionPublic(
                service=s.service,
                holds_personal_data=s.holds_personal_data,
                deletion=s.deletion,
                documents_deleted=s.documents_deleted,
                collections=list(s.collections),
                confirmed_at=s.confirmed_at,
            )
            for s in status.services
        ],
    )


def subscribe_disaster(
    parts: ServiceParts,
    log: Callable[[], disaster.DisasterLog],
    data: deletion.PersonalData,
    closures: deletion.ClosureLog,
) -> None:
    """Delete on `DisasterClosed` (once per closure), keep every report and export."""
    service = parts.settings.service_name
    namespace = parts.settings.kafka_topic_namespace

    async def publish(report: PersonalDataDeleted) -> None:
        await publish_event(parts.broker, DISASTER, namespace, report)

    async def on_disaster_event(
        event: DisasterClosed | PersonalDataDeleted | DisasterExported,
    ) -> None:
        if isinstance(event, DisasterClosed):
            await deletion.delete_personal_data(
                event, data, closures, publish, service, datetime.now(UTC)
            )
        elif isinstance(event, PersonalDataDeleted):
            await log().add_report(event)
        else:
            await log().add_export(event)

    subscribe(parts, DISASTER, on_disaster_event)
