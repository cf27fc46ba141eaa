"""Roster settings: what the public search discloses (S10 admin 7); administrators change it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Request

from shelter_roster.entrypoints.deps import Administrator, AnyStaff, RosterSettingsStore
from shelter_roster.entrypoints.schemas import DisclosureSettingsPublic
from shelter_roster.service_layer import handlers
from shelter_runtime.audit import record_audit
from shelter_runtime.http import JsonBody

router = APIRouter(prefix="/settings", tags=["settings"])


@router.get("/disclosure")
async def get_disclosure(who: AnyStaff, store: RosterSettingsStore) -> DisclosureSettingsPublic:
    """Which fields the public search shows; name only until an admin changes it."""
    return DisclosureSettingsPublic.of(await store.disclosure())


@router.put("/disclosure", dependencies=[JsonBody])
async def put_disclosure(
    who: Administrator,
    settings: Annotated[DisclosureSettingsPublic, Body()],
    request: Request,
    store: RosterSettingsStore,
) -> DisclosureSettingsPublic:
    """Replace the disclosure settings (fields left out take their defaults)."""
    await handlers.save_disclosure(settings.to_domain(), store)
    saved = DisclosureSettingsPublic.of(await store.disclosure())
    # S10.8: the new switches (settings, no personal data).
    await record_audit(
        request,
        who,
        "settings.disclosure_set",
        target_type="settings",
        details=saved.model_dump(mode="json"),
    )
    return saved
