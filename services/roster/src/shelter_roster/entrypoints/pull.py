"""The roster for other systems (PULL, S17.1-S17.2): `GET /pull/entries`.

Integration clients with the scope `roster:read` (and administrators, headquarters) read the
real roster (never the training entries) a page at a time, with only the fields they name and
may read (domain.pull). Each answer carries an ETag; `If-None-Match` with it gives 304 while
nothing changed. Every read is audited (S10.8): who, which field names, how many rows; never
the values.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import Response

from shelter_contracts.events import ShelterId
from shelter_roster.domain import pull
from shelter_roster.domain.model import EntryQuery, Presence
from shelter_roster.entrypoints.deps import Entries, PullReader
from shelter_roster.entrypoints.schemas import PullEntry, PullPage
from shelter_roster.service_layer import views
from shelter_runtime.audit import record_audit
from shelter_runtime.problems import PROBLEM_MEDIA_TYPE, InvalidParam, ProblemError
from shelter_runtime.security import PrincipalKind

router = APIRouter(prefix="/pull", tags=["pull"])

_FIELDS_HELP = (
    "Comma-separated field names. Default: " + ",".join(pull.DEFAULT_FIELDS) + ". "
    "Also: " + ",".join(pull.OTHER_FIELDS) + ". "
    "Personal (scope roster:personal): " + ",".join(pull.PERSONAL_FIELDS) + "."
)
_PROBLEM: dict[str, Any] = {"content": {PROBLEM_MEDIA_TYPE: {}}}


@router.get(
    "/entries",
    response_class=Response,
    responses={
        200: {"model": PullPage, "description": "A page of entries, with an ETag"},
        304: {"description": "Not modified: the If-None-Match tag is still current"},
        400: {"description": "An unknown field name", **_PROBLEM},
        403: {"description": "A field the credential may not read", **_PROBLEM},
    },
)
async def pull_entries(
    who: PullReader,
    request: Request,
    entries: Entries,
    fields: Annotated[str | None, Query(max_length=1000, description=_FIELDS_HELP)] = None,
    shelter_id: Annotated[ShelterId | None, Query(description="Only this shelter")] = None,
    status: Annotated[Presence, Query(description="present, checked_out or all")] = Presence.ALL,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """The roster for integration clients (S17.2): chosen fields, paged, with ETags."""
    access = pull.FieldAccess.of(all_shelters_staff=who.all_shelters, scopes=who.scopes)
    try:
        chosen = pull.select_fields(fields, access)
    except pull.UnknownFieldsError as error:
        raise ProblemError(
            400,
            "unknown-field",
            "Unknown field names",
            "指定された項目名は存在しません",
            detail=f"Known fields: {', '.join(pull.ALL_FIELDS)}",
            invalid_params=[
                InvalidParam(name=n, reason="unknown").model_dump() for n in error.names
            ],
        ) from None
    except pull.FieldsNotAllowedError as error:
        raise ProblemError(
            403,
            "field-forbidden",
            f"These fields need the scope {pull.PERSONAL_SCOPE}",
            "この認証情報では指定された項目（個人情報）を取得できません",
            invalid_params=[
                InvalidParam(name=n, reason="forbidden").model_dump() for n in error.names
            ],
        ) from None

    query = EntryQuery(shelter_id=shelter_id, presence=status, training=False)
    page = await views.list_entries(entries, query, limit=limit, offset=offset)
    following = offset + len(page.entries)
    body = PullPage(
        items=[PullEntry.model_validate(pull.project(e, chosen)) for e in page.entries],
        fields=list(chosen),
        total=page.total,
        limit=limit,
        offset=offset,
        next_offset=following if following < page.total and page.entries else None,
    )
    content = body.model_dump_json(exclude_unset=True).encode()
    etag = pull.etag_of(content)
    unchanged = pull.matches_etag(if_none_match, etag)
    details: dict[str, object] = {"fields": ",".join(chosen), "rows": len(page.entries)}
    if who.kind is PrincipalKind.INTEGRATION:
        # auth's client tokens carry the client id (cid) and name it in `sub` as client:<id>
        details["client_id"] = who.credential_id or who.sub.removeprefix("client:")
    if unchanged:
        details["not_modified"] = True
    await record_audit(
        request,
        who,
        "roster.pulled",
        target_type="roster",
        shelter_id=shelter_id,
        details=details,
    )
    headers = {"ETag": etag, "Cache-Control": "private, no-cache"}
    if unchanged:
        return Response(status_code=304, headers=headers)
    return Response(content, media_type="application/json", headers=headers)
