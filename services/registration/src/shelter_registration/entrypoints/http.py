"""HTTP routes: parse, build a command, call the handler, map the result or the refusal."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response, status

from shelter_contracts.events import Channel, EvacueeCheckedIn, EvacueeCheckedOut
from shelter_registration.config import Settings
from shelter_registration.domain import model
from shelter_registration.domain.commands import (
    CheckIn,
    CheckOut,
    CloseShelter,
    DeleteShelter,
    EditShelter,
    ImportShelters,
    OpenShelter,
    RegisterShelter,
    SetLinks,
    SetStatusItems,
    SetTrainingMode,
)
from shelter_registration.domain.links import DisasterLink
from shelter_registration.entrypoints.deps import (
    Administrator,
    AnyStaff,
    CsvBody,
    Deps,
    JsonBody,
    OptionalJsonBody,
    SettingsDep,
    ShelterDesk,
    ShelterPath,
    ShelterStaff,
    SmallBodyRoute,
    refusal,
)
from shelter_registration.entrypoints.schemas import (
    CheckInCreate,
    CheckInPublic,
    CheckOutCreate,
    CheckOutPublic,
    DisasterLinkBody,
    DisasterLinksPublic,
    ImportedRowPublic,
    ImportReportPublic,
    ShelterCreate,
    ShelterPage,
    ShelterPublic,
    ShelterStaffView,
    ShelterUpdate,
    StaffCheckInCreate,
    StatusItemsPublic,
    TrainingModeUpdate,
)
from shelter_registration.service_layer import handlers
from shelter_runtime.audit import EVACUEE, record_audit
from shelter_runtime.security import Principal

T = TypeVar("T")
Responses = dict[int | str, dict[str, Any]]

shelters = APIRouter(prefix="/shelters", tags=["shelters"], route_class=SmallBodyRoute)
settings_router = APIRouter(prefix="/settings", tags=["settings"], route_class=SmallBodyRoute)
#: The CSV import alone takes large bodies (settings.max_import_body_bytes).
imports = APIRouter(prefix="/shelters", tags=["shelters"])

_404: Responses = {404: {"description": "Unknown shelter"}}
_409: Responses = {409: {"description": "Changed by someone else since it was read"}}
StayPath = Annotated[UUID, Path(description="Stay id (from the check-in answer)")]


async def _run(call: Awaitable[T], *, public: bool = False) -> T:
    try:
        return await call
    except model.DomainError as error:
        raise refusal(error, public=public) from error


def _public(shelter: model.Shelter, settings: Settings) -> ShelterPublic:
    """The anonymous view (S16): who opened or closed the shelter is staff information."""
    return ShelterPublic.model_validate(
        _staff_view(shelter, settings).model_dump(exclude={"opened_by", "closed_by"})
    )


def _staff_view(shelter: model.Shelter, settings: Settings) -> ShelterStaffView:
    return ShelterStaffView(
        shelter_id=shelter.shelter_id,
        name=shelter.name,
        capacity=shelter.capacity,
        address=shelter.address,
        shelter_type=shelter.shelter_type,
        latitude=shelter.latitude,
        longitude=shelter.longitude,
        open_data_id=shelter.open_data_id,
        municipality_code=shelter.municipality_code,
        is_open=shelter.is_open,
        opened_at=shelter.opened_at,
        opened_by=shelter.opened_by,
        closed_at=shelter.closed_at,
        closed_by=shelter.closed_by,
        training=shelter.training,
        version=shelter.version,
        check_in_url=settings.check_in_url(shelter.shelter_id),
    )


# --- shelters (S10.6, S13.1, S14) ------------------------------------------------------------


@shelters.post(
    "",
    status_code=status.HTTP_201_CREATED,
    dependencies=[JsonBody],
    responses={409: {"description": "Shelter id taken"}},
)
async def create_shelter(
    who: Administrator, body: ShelterCreate, request: Request, deps: Deps, settings: SettingsDep
) -> ShelterStaffView:
    """Register a shelter (S10.6); it starts closed."""
    cmd = RegisterShelter(
        shelter_id=body.shelter_id,
        name=body.name,
        capacity=body.capacity,
        address=body.address,
        shelter_type=body.shelter_type,
        latitude=body.latitude,
        longitude=body.longitude,
        open_data_id=body.open_data_id,
        municipality_code=body.municipality_code,
        actor=who.sub,
    )
    shelter = await _run(handlers.register_shelter(cmd, deps))
    await _audit_shelter(request, who, "shelter.registered", shelter.shelter_id)
    return _staff_view(shelter, settings)


@shelters.get("")
async def list_shelters(
    who: AnyStaff,
    deps: Deps,
    settings: SettingsDep,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> ShelterPage:
    """The shelters that are not deleted, by id, one page at a time (S10.3, S14)."""
    page, total = await deps.shelters.list(offset, limit)
    return ShelterPage(
        items=[_staff_view(s, settings) for s in page], total=total, offset=offset, limit=limit
    )


@imports.post(
    "/import",
    dependencies=[CsvBody],
    responses={
        415: {"description": "Not text/csv"},
        422: {"description": "Not a shelter list"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
        }
    },
)
async def import_shelters(who: Administrator, request: Request, deps: Deps) -> ImportReportPublic:
    """Create or update shelters from the municipal open-data CSV (UTF-8 or Shift_JIS)."""
    cmd = ImportShelters(data=await request.body(), actor=who.sub)
    report = await _run(handlers.import_shelters(cmd, deps))
    counts = {s.value: report.count(s) for s in handlers.RowStatus}
    await record_audit(
        request,
        who,
        "shelters.imported",
        target_type="shelter_list",
        details={"dataset": report.dataset.value, "rows": len(report.rows), **counts},
    )
    return ImportReportPublic(
        dataset=report.dataset.value,
        encoding=report.encoding,
        unknown_headers=list(report.unknown_headers),
        accepted=report.count(handlers.RowStatus.ACCEPTED),
        updated=report.count(handlers.RowStatus.UPDATED),
        unchanged=report.count(handlers.RowStatus.UNCHANGED),
        refused=report.count(handlers.RowStatus.REFUSED),
        rows=[
            ImportedRowPublic(
                row=r.row,
                status=r.status.value,
                shelter_id=r.shelter_id,
                reason=r.reason,
                reason_ja=r.reason_ja,
            )
            for r in report.rows
        ],
    )


@shelters.get("/{shelter_id}", responses=_404)
async def get_shelter(shelter_id: ShelterPath, deps: Deps, settings: SettingsDep) -> ShelterPublic:
    """One shelter's facts and state; deleted shelters are 404."""
    return _public(await _run(handlers.get_shelter(shelter_id, deps)), settings)


@shelters.patch("/{shelter_id}", dependencies=[JsonBody], responses=_404 | _409)
async def edit_shelter(
    who: Administrator,
    shelter_id: ShelterPath,
    body: ShelterUpdate,
    request: Request,
    deps: Deps,
    settings: SettingsDep,
) -> ShelterStaffView:
    """Edit a shelter's master facts (S10.6); send `version` to refuse stale edits."""
    given = body.model_dump(include=body.model_fields_set - {"version"})
    cmd = EditShelter(shelter_id=shelter_id, expected_version=body.version, actor=who.sub, **given)
    shelter = await _run(handlers.edit_shelter(cmd, deps))
    fields = ",".join(sorted(given))
    await _audit_shelter(request, who, "shelter.edited", shelter_id, fields=fields)
    return _staff_view(shelter, settings)


@shelters.delete(
    "/{shelter_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[OptionalJsonBody],
    responses=_404 | _409,
)
async def delete_shelter(
    who: Administrator, shelter_id: ShelterPath, request: Request, deps: Deps
) -> Response:
    """Delete a shelter (S10.6): kept as deleted, refuses check-ins, 404 afterwards."""
    cmd = DeleteShelter(shelter_id=shelter_id, actor=who.sub)
    await _run(handlers.delete_shelter(cmd, deps))
    await _audit_shelter(request, who, "shelter.deleted", shelter_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@shelters.post("/{shelter_id}/open", dependencies=[OptionalJsonBody], responses=_404 | _409)
async def open_shelter(
    who: ShelterStaff,
    shelter_id: ShelterPath,
    request: Request,
    deps: Deps,
    settings: SettingsDep,
) -> ShelterStaffView:
    """Open the shelter (開設): it accepts check-ins; records who and when."""
    cmd = OpenShelter(shelter_id=shelter_id, actor=who.sub)
    shelter = await _run(handlers.open_shelter(cmd, deps))
    await _audit_shelter(request, who, "shelter.opened", shelter_id)
    return _staff_view(shelter, settings)


@shelters.post("/{shelter_id}/close", dependencies=[OptionalJsonBody], responses=_404 | _409)
async def close_shelter(
    who: ShelterStaff,
    shelter_id: ShelterPath,
    request: Request,
    deps: Deps,
    settings: SettingsDep,
) -> ShelterStaffView:
    """Close the shelter (閉鎖): it refuses check-ins; records who and when."""
    cmd = CloseShelter(shelter_id=shelter_id, actor=who.sub)
    shelter = await _run(handlers.close_shelter(cmd, deps))
    await _audit_shelter(request, who, "shelter.closed", shelter_id)
    return _staff_view(shelter, settings)


@shelters.put("/{shelter_id}/training", dependencies=[JsonBody], responses=_404 | _409)
async def set_training_mode(
    who: ShelterStaff,
    shelter_id: ShelterPath,
    body: TrainingModeUpdate,
    request: Request,
    deps: Deps,
    settings: SettingsDep,
) -> ShelterStaffView:
    """Switch training mode (訓練モード): its check-ins are marked training."""
    cmd = SetTrainingMode(shelter_id=shelter_id, training=body.training, actor=who.sub)
    shelter = await _run(handlers.set_training_mode(cmd, deps))
    await _audit_shelter(
        request, who, "shelter.training_mode_set", shelter_id, training=body.training
    )
    return _staff_view(shelter, settings)


# --- check-in and check-out (S12, S16.2, S11.1) ----------------------------------------------

_CHECK_IN_REFUSALS: Responses = {
    404: {"description": "Unknown shelter"},
    409: {"description": "Shelter not open, or the person is already checked in here"},
    422: {"description": "Invalid fields, consent missing or a status item not offered"},
}


def _checked_in(event: EvacueeCheckedIn) -> CheckInPublic:
    return CheckInPublic(
        stay_id=event.stay_id,
        shelter_id=event.shelter_id,
        channel=event.channel,
        checked_in_at=event.checked_in_at,
        training=event.training,
        transferred_from=event.transferred_from,
    )


def _checked_out(event: EvacueeCheckedOut) -> CheckOutPublic:
    return CheckOutPublic(
        stay_id=event.stay_id,
        shelter_id=event.shelter_id,
        channel=event.channel,
        checked_out_at=event.checked_out_at,
        forced=event.forced,
    )


@shelters.post(
    "/{shelter_id}/check-ins",
    status_code=status.HTTP_201_CREATED,
    dependencies=[JsonBody],
    responses=_CHECK_IN_REFUSALS,
)
async def smartphone_check_in(
    shelter_id: ShelterPath, body: CheckInCreate, deps: Deps
) -> CheckInPublic:
    """Check in from the smartphone form reached by the shelter's QR code (S1.2, S16.2)."""
    cmd = CheckIn(
        shelter_id=shelter_id,
        channel=Channel.SMARTPHONE,
        personal=body.personal,
        statuses=body.statuses,
        message=body.message,
        consent=body.consent,
        actor=EVACUEE,
    )
    return _checked_in(await _run(handlers.check_in(cmd, deps), public=True))


@shelters.post(
    "/{shelter_id}/staff-check-ins",
    status_code=status.HTTP_201_CREATED,
    dependencies=[JsonBody],
    responses=_CHECK_IN_REFUSALS,
)
async def staff_check_in(
    who: ShelterDesk, shelter_id: ShelterPath, body: StaffCheckInCreate, deps: Deps
) -> CheckInPublic:
    """Check someone in on their behalf from a paper form (代理登録, S1.6, channel 2)."""
    cmd = CheckIn(
        shelter_id=shelter_id,
        channel=Channel.STAFF,
        personal=body.personal,
        statuses=body.statuses,
        message=body.message,
        remarks=body.remarks,
        actor=who.sub,
    )
    return _checked_in(await _run(handlers.check_in(cmd, deps)))


@shelters.post(
    "/{shelter_id}/check-outs",
    dependencies=[JsonBody],
    responses={404: {"description": "Unknown stay"}, 409: {"description": "Already out"}},
)
async def smartphone_check_out(
    shelter_id: ShelterPath, body: CheckOutCreate, deps: Deps
) -> CheckOutPublic:
    """Check out from the smartphone (S10 public 2)."""
    cmd = CheckOut(
        shelter_id=shelter_id, stay_id=body.stay_id, channel=Channel.SMARTPHONE, actor=EVACUEE
    )
    return _checked_out(await _run(handlers.check_out(cmd, deps), public=True))


@shelters.post(
    "/{shelter_id}/stays/{stay_id}/forced-check-out",
    dependencies=[OptionalJsonBody],
    responses={404: {"description": "Unknown stay"}, 409: {"description": "Already out"}},
)
async def forced_check_out(
    who: ShelterDesk,
    shelter_id: ShelterPath,
    stay_id: StayPath,
    request: Request,
    deps: Deps,
) -> CheckOutPublic:
    """Staff check out someone who forgot to (S11.1 「退」); marked forced."""
    cmd = CheckOut(
        shelter_id=shelter_id,
        stay_id=stay_id,
        channel=Channel.STAFF,
        forced=True,
        actor=who.sub,
    )
    event = await _run(handlers.check_out(cmd, deps))
    await record_audit(
        request,
        who,
        "stay.forced_check_out",
        target_type="stay",
        target_id=str(stay_id),
        shelter_id=shelter_id,
    )
    return _checked_out(event)


# --- settings (S10.7) ------------------------------------------------------------------------


@settings_router.get("/status-items")
async def get_status_items(deps: Deps) -> StatusItemsPublic:
    """The status items the public registration form offers (S10.7, S16.2)."""
    return StatusItemsPublic(items=list(await handlers.status_items(deps)))


@settings_router.put("/status-items", dependencies=[JsonBody])
async def set_status_items(
    who: Administrator, body: StatusItemsPublic, request: Request, deps: Deps
) -> StatusItemsPublic:
    """Configure the status items (admin, S10.7); check-ins with others get 422."""
    items = await handlers.set_status_items(SetStatusItems(items=tuple(body.items)), deps)
    await record_audit(
        request,
        who,
        "settings.status_items_set",
        target_type="settings",
        details={"items": len(items)},
    )
    return StatusItemsPublic(items=list(items))


def _links(links: tuple[DisasterLink, ...]) -> DisasterLinksPublic:
    return DisasterLinksPublic(
        links=[
            DisasterLinkBody.model_validate(
                {"url": x.url, "label_ja": x.label_ja, "label_en": x.label_en}
            )
            for x in links
        ]
    )


@settings_router.get("/links")
async def get_links(who: AnyStaff, deps: Deps) -> DisasterLinksPublic:
    """The links to other disaster pages on the staff home page (S10.9, S15)."""
    return _links(await handlers.disaster_links(deps))


@settings_router.put(
    "/links",
    dependencies=[JsonBody],
    responses={422: {"description": "Not an http(s) address, a label missing, over 20 links"}},
)
async def set_links(
    who: Administrator, body: DisasterLinksPublic, request: Request, deps: Deps
) -> DisasterLinksPublic:
    """Replace the home page's links (admin, S15): http(s) only, labels ja/en, at most 20."""
    cmd = SetLinks(
        links=tuple(DisasterLink(str(x.url), x.label_ja, x.label_en) for x in body.links)
    )
    stored = await _run(handlers.set_disaster_links(cmd, deps))
    await record_audit(
        request, who, "settings.links_set", target_type="settings", details={"links": len(stored)}
    )
    return _links(stored)


async def _audit_shelter(
    request: Request, who: Principal, action: str, shelter_id: str, **details: object
) -> None:
    await record_audit(
        request,
        who,
        action,
        target_type="shelter",
        target_id=shelter_id,
        shelter_id=shelter_id,
        details=details,
    )
