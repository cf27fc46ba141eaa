"""The public evacuee search (避難者検索, S10 public 1, S16.1): no login, rate limited.

Search terms are names, i.e. personal data: they are never logged, and the query string is
scrubbed from spans (see adapters.telemetry).
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from shelter_roster.domain.export import JST
from shelter_roster.domain.model import PublicQuery
from shelter_roster.entrypoints.deps import (
    Entries,
    PublicLimiter,
    RosterSettingsStore,
    ServiceConfig,
    Shelters,
)
from shelter_roster.entrypoints.schemas import PublicSearchHit, PublicSearchResult
from shelter_roster.service_layer import views
from shelter_runtime.problems import ProblemError
from shelter_text import fold_name

router = APIRouter(prefix="/public", tags=["public"])

NamePart = Annotated[str | None, Query(max_length=100)]


def client_address(request: Request) -> str:
    """The client as the gateway saw it: the last X-Forwarded-For hop, else the peer.

    nginx appends the address it saw ($proxy_add_x_forwarded_for), so earlier hops are the
    client's own claims and could be forged to dodge the limit.
    """
    forwarded = request.headers.get("x-forwarded-for", "")
    hops = [h.strip() for h in forwarded.split(",") if h.strip()]
    if hops:
        return hops[-1]
    return request.client.host if request.client else "unknown"


async def within_rate_limit(request: Request, limiter: PublicLimiter) -> None:
    """Refuse with 429 and Retry-After once a client exceeds its searches per minute."""
    wait = limiter.retry_after(client_address(request), time.monotonic())
    if wait is not None:
        raise HTTPException(
            429,
            detail=f"Too many searches; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )


@router.get(
    "/search",
    dependencies=[Depends(within_rate_limit)],
    response_model_exclude_unset=True,
    responses={
        422: {"description": "No family or given name given"},
        429: {"description": "Too many searches from this client"},
    },
)
async def search(
    entries: Entries,
    shelters: Shelters,
    store: RosterSettingsStore,
    config: ServiceConfig,
    family_name: NamePart = None,
    given_name: NamePart = None,
) -> PublicSearchResult:
    """Find people in shelters by family name, given name or both (whole names, folded)."""
    family = fold_name(family_name) if family_name else ""
    given = fold_name(given_name) if given_name else ""
    if not family and not given:
        raise ProblemError(
            422,
            "search-name-required",
            "Give a family name, a given name or both",
            "姓または名（または両方）を入力してください",
        )
    hits = await views.search_public(
        entries,
        shelters,
        store,
        PublicQuery(family_name=family or None, given_name=given or None),
        today=datetime.now(JST).date(),
        limit=config.public_search_max_results,
    )
    return PublicSearchResult(items=[PublicSearchHit.model_validate(h) for h in hits])
