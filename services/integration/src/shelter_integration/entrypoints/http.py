"""Integration HTTP API: the @context document and the PULL API (S17.2) for city systems.

PULL callers are integration clients (OAuth client credentials from the auth service) or
administrators and headquarters viewers. Scopes filter fields: `shelters:read` lists shelters
and their status; counts are added only for `stats:read`. Every answer has an ETag; a
matching If-None-Match gets 304 without a body, so dashboards can poll cheaply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from shelter_contracts.events import ShelterId
from shelter_integration.domain.entities import extension_context
from shelter_integration.domain.model import summarise
from shelter_integration.entrypoints.schemas import ShelterPage, ShelterPublic, TotalsPublic
from shelter_integration.service_layer.ports import Shelters
from shelter_runtime.http import etag_of, matches_etag
from shelter_runtime.problems import ProblemError
from shelter_runtime.security import Principal, PrincipalKind, Role, require

SHELTERS_SCOPE = "shelters:read"
STATS_SCOPE = "stats:read"
_READERS = (Role.ADMINISTRATOR, Role.HQ_VIEWER)
_KINDS = (PrincipalKind.STAFF, PrincipalKind.INTEGRATION)


@dataclass(frozen=True, slots=True)
class IntegrationApi:
    """What the routes use; bootstrap puts one on `app.state.integration_api`."""

    shelters: Shelters
    local_government_code: str
    context: dict[str, Any] = field(default_factory=extension_context)


def get_api(request: Request) -> IntegrationApi:
    api: IntegrationApi = request.app.state.integration_api
    return api


Api = Annotated[IntegrationApi, Depends(get_api)]
ShelterReader = Annotated[
    Principal, Depends(require(*_READERS, kinds=_KINDS, scope=SHELTERS_SCOPE))
]
StatsReader = Annotated[Principal, Depends(require(*_READERS, kinds=_KINDS, scope=STATS_SCOPE))]

router = APIRouter(tags=["pull"])
context_router = APIRouter(tags=["ngsi-ld"])

_NOT_MODIFIED: dict[int | str, dict[str, Any]] = {
    304: {"description": "Not modified (If-None-Match matched the ETag)"}
}


def may_read_counts(principal: Principal) -> bool:
    """Staff readers see counts; an integration client only with the scope stats:read."""
    return principal.kind is not PrincipalKind.INTEGRATION or STATS_SCOPE in principal.scopes


def with_etag(request: Request, content: Any) -> Response:
    """The JSON answer with a strong ETag; 304 when the caller already has it."""
    body = json.dumps(jsonable_encoder(content), ensure_ascii=False, separators=(",", ":"))
    etag = etag_of(body.encode())
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if matches_etag(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


@context_router.get(
    "/ngsi-ld/context.jsonld",
    response_class=JSONResponse,
    responses={200: {"content": {"application/ld+json": {}}}},
)
async def context_document(api: Api) -> JSONResponse:
    """The JSON-LD @context of the published entities: the catalogue's, then the project's terms."""
    return JSONResponse(
        api.context,
        media_type="application/ld+json",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@router.get("/shelters", response_model=ShelterPage, responses=_NOT_MODIFIED)
async def list_shelters(
    request: Request,
    who: ShelterReader,
    api: Api,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """Published shelters with status (and counts with stats:read), by id; ETag."""
    states, total = await api.shelters.page(limit, offset)
    counts = may_read_counts(who)
    page = ShelterPage(
        items=[ShelterPublic.of(s, with_counts=counts) for s in states],
        total=total,
        limit=limit,
        offset=offset,
    )
    return with_etag(request, page)


@router.get(
    "/shelters/{shelter_id}",
    response_model=ShelterPublic,
    responses={404: {"description": "No such shelter"}, **_NOT_MODIFIED},
)
async def one_shelter(
    request: Request,
    shelter_id: Annotated[ShelterId, Path()],
    who: ShelterReader,
    api: Api,
) -> Response:
    """One shelter with status (and counts with stats:read); ETag."""
    (state,) = await api.shelters.states([shelter_id])
    if not state.publishable:
        raise ProblemError(
            404, "shelter-not-found", "No such shelter", "避難所が見つかりません", detail=shelter_id
        )
    return with_etag(request, ShelterPublic.of(state, with_counts=may_read_counts(who)))


@router.get("/totals", response_model=TotalsPublic, responses=_NOT_MODIFIED)
async def totals(request: Request, _: StatsReader, api: Api) -> Response:
    """The municipality's totals over the published shelters (市町村合計); ETag."""
    summary = summarise(await api.shelters.all_states())
    return with_etag(request, TotalsPublic.of(summary, api.local_government_code))
