"""HTTP routes: parse, build a command, call the handler, map the result or the refusal."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status

from shelter_contracts.events import Channel, ShelterId
from shelter_registration.domain import model
from shelter_registration.domain.commands import CheckIn, CheckOut, RegisterShelter
from shelter_registration.entrypoints.schemas import (
    CheckInCreate,
    CheckInPublic,
    CheckOutCreate,
    CheckOutPublic,
    ShelterCreate,
    ShelterPublic,
)
from shelter_registration.service_layer import handlers
from shelter_runtime.http import require_json
from shelter_runtime.problems import ProblemError


def get_deps(request: Request) -> handlers.Dependencies:
    deps: handlers.Dependencies = request.app.state.deps
    return deps


Deps = Annotated[handlers.Dependencies, Depends(get_deps)]
ShelterPath = Annotated[ShelterId, Path(description="Shelter id")]

_REFUSALS: dict[type[model.DomainError], tuple[int, str, str, str]] = {
    model.UnknownShelterError: (
        404,
        "unknown-shelter",
        "No shelter has this id",
        "この避難所は登録されていません",
    ),
    model.ShelterAlreadyExistsError: (
        409,
        "shelter-exists",
        "A shelter with this id already exists",
        "この避難所IDはすでに使われています",
    ),
    model.ShelterClosedError: (
        409,
        "shelter-closed",
        "This shelter is closed and does not accept check-ins",
        "この避難所は閉鎖中のため受付できません",
    ),
    model.UnknownStayError: (
        404,
        "unknown-stay",
        "No stay with this id at this shelter",
        "この避難所に該当する入所記録がありません",
    ),
    model.AlreadyCheckedOutError: (
        409,
        "already-checked-out",
        "This stay is already checked out",
        "すでに退所しています",
    ),
    model.ConsentRequiredError: (
        422,
        "consent-required",
        "Consent to the handling of personal data is required",
        "個人情報の取り扱いへの同意が必要です",
    ),
}


def refusal(error: model.DomainError) -> ProblemError:
    status_code, slug, title, title_ja = _REFUSALS[type(error)]
    return ProblemError(status_code, slug, title, title_ja)


shelters = APIRouter(prefix="/shelters", tags=["shelters"])


@shelters.post(
    "",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_json)],
    responses={409: {"description": "Shelter id taken"}},
)
async def create_shelter(body: ShelterCreate, deps: Deps) -> ShelterPublic:
    """Register a shelter (S10.6)."""
    cmd = RegisterShelter(shelter_id=body.shelter_id, name=body.name, capacity=body.capacity)
    try:
        shelter = await handlers.register_shelter(cmd, deps)
    except model.DomainError as error:
        raise refusal(error) from error
    return ShelterPublic(
        shelter_id=shelter.shelter_id,
        name=shelter.name,
        capacity=shelter.capacity,
        is_open=shelter.is_open,
    )


@shelters.get("/{shelter_id}", responses={404: {"description": "Unknown shelter"}})
async def get_shelter(shelter_id: ShelterPath, deps: Deps) -> ShelterPublic:
    """One shelter's registered facts."""
    shelter = await deps.shelters.get(shelter_id)
    if shelter is None:
        raise refusal(model.UnknownShelterError(shelter_id))
    return ShelterPublic(
        shelter_id=shelter.shelter_id,
        name=shelter.name,
        capacity=shelter.capacity,
        is_open=shelter.is_open,
    )


@shelters.post(
    "/{shelter_id}/check-ins",
    status_code=status.HTTP_201_CREATED,
    dependencies=[Depends(require_json)],
    responses={404: {"description": "Unknown shelter"}, 409: {"description": "Shelter closed"}},
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
    )
    try:
        event = await handlers.check_in(cmd, deps)
    except model.DomainError as error:
        raise refusal(error) from error
    return CheckInPublic(
        stay_id=event.stay_id,
        shelter_id=event.shelter_id,
        channel=event.channel,
        checked_in_at=event.checked_in_at,
    )


@shelters.post(
    "/{shelter_id}/check-outs",
    dependencies=[Depends(require_json)],
    responses={404: {"description": "Unknown stay"}, 409: {"description": "Already out"}},
)
async def smartphone_check_out(
    shelter_id: ShelterPath, body: CheckOutCreate, deps: Deps
) -> CheckOutPublic:
    """Check out from the smartphone (S10 public 2)."""
    cmd = CheckOut(shelter_id=shelter_id, stay_id=body.stay_id, channel=Channel.SMARTPHONE)
    try:
        event = await handlers.check_out(cmd, deps)
    except model.DomainError as error:
        raise refusal(error) from error
    return CheckOutPublic(
        stay_id=event.stay_id, shelter_id=event.shelter_id, checked_out_at=event.checked_out_at
    )
