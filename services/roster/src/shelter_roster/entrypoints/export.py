"""The disaster's file (災害収束, S10.3) and the roster's part in closing the disaster.

`GET /disaster/export.zip` is what the administrator downloads before pressing the button
(each download is reported with `DisasterExported`: registration closes only after one);
`subscribe_disaster` deletes the roster's personal data when `DisasterClosed` arrives.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from shelter_contracts.events import DisasterClosed, DisasterExported, PersonalDataDeleted
from shelter_contracts.topics import DISASTER
from shelter_roster.entrypoints.deps import Administrator, Entries, Shelters
from shelter_roster.service_layer import purge
from shelter_runtime import disaster
from shelter_runtime.audit import record_audit
from shelter_runtime.consumer import subscribe
from shelter_runtime.kafka import publish_event
from shelter_runtime.wiring import ServiceParts

router = APIRouter(prefix="/disaster", tags=["disaster"])


def get_report_export(request: Request) -> purge.ReportExport:
    report: purge.ReportExport = request.app.state.report_export
    return report


ReportExportDep = Annotated[purge.ReportExport, Depends(get_report_export)]


@router.get("/export.zip", response_class=Response)
async def export_disaster(
    who: Administrator,
    entries: Entries,
    shelters: Shelters,
    report: ReportExportDep,
    request: Request,
) -> Response:
    """The disaster's file: every shelter's roster and a summary per shelter (admin, ZIP)."""
    exported = await purge.export_disaster(entries, shelters, report, datetime.now(UTC))
    stamp = exported.exported_at.strftime("%Y%m%d-%H%M%S")
    await record_audit(
        request,
        who,
        "disaster.exported",
        target_type="disaster",
        target_id=str(exported.export_id),
        details={
            "entries": exported.entries,
            "training_entries": exported.training_entries,
            "shelters": exported.shelters,
        },
    )
    return Response(
        exported.content,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="disaster-{stamp}.zip"',
            "Cache-Control": "no-store",
        },
    )


def report_export(parts: ServiceParts) -> purge.ReportExport:
    """Publishes `DisasterExported` on the disaster topic."""

    async def report(event: DisasterExported) -> None:
        await publish_event(parts.broker, DISASTER, parts.settings.kafka_topic_namespace, event)

    return report


def subscribe_disaster(
    parts: ServiceParts,
    data: disaster.PersonalData,
    closures: disaster.ClosureLog,
    stay_writes: asyncio.Lock,
) -> None:
    """Delete the personal data on `DisasterClosed` (once per closure) and report it.

    `stay_writes` is held by the stay-event consumer while it writes: a batch that read no
    closure must not write after the deletion it did not see.
    """
    namespace = parts.settings.kafka_topic_namespace

    async def publish(report: PersonalDataDeleted) -> None:
        await publish_event(parts.broker, DISASTER, namespace, report)

    async def on_disaster_event(
        event: DisasterClosed | PersonalDataDeleted | DisasterExported,
    ) -> None:
        if isinstance(event, DisasterClosed):
            async with stay_writes:
                await disaster.delete_personal_data(
                    event, data, closures, publish, purge.SERVICE, datetime.now(UTC)
                )

    subscribe(parts, DISASTER, on_disaster_event)
