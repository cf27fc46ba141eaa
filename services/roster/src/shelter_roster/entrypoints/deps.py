"""Dependencies of the roster routes, declared once as `Annotated` aliases.

Routes see the ports only; bootstrap puts the Mongo adapters (tests: the fakes) in app.state.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shelter_roster.config import Settings
from shelter_roster.domain.pull import READ_SCOPE
from shelter_roster.domain.rate_limit import RateLimiter
from shelter_roster.service_layer.ports import RosterEntries, RosterSettings, ShelterDirectory
from shelter_runtime.security import Principal, PrincipalKind, Role, require


def get_entries(request: Request) -> RosterEntries:
    entries: RosterEntries = request.app.state.entries
    return entries


def get_shelters(request: Request) -> ShelterDirectory:
    shelters: ShelterDirectory = request.app.state.shelters
    return shelters


def get_roster_settings(request: Request) -> RosterSettings:
    store: RosterSettings = request.app.state.roster_settings
    return store


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _public_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.public_limiter
    return limiter


Entries = Annotated[RosterEntries, Depends(get_entries)]
Shelters = Annotated[ShelterDirectory, Depends(get_shelters)]
RosterSettingsStore = Annotated[RosterSettings, Depends(get_roster_settings)]
ServiceConfig = Annotated[Settings, Depends(_settings)]
PublicLimiter = Annotated[RateLimiter, Depends(_public_limiter)]


# --- who may call (S10, S11) -------------------------------------------------------------------
# The public search declares none of these. Headquarters viewers are refused on every unsafe
# method by `require` itself.
_ADMIN, _STAFF, _HQ = Role.ADMINISTRATOR, Role.SHELTER_STAFF, Role.HQ_VIEWER
#: Settings changes.
Administrator = Annotated[Principal, Depends(require(_ADMIN))]
#: Every shelter's roster at once: administrators, and headquarters reading.
AllShelters = Annotated[Principal, Depends(require(_ADMIN, _HQ))]
#: The roster of the shelter in the path: its staff, administrators, headquarters reading.
ShelterRoster = Annotated[
    Principal, Depends(require(_ADMIN, _STAFF, _HQ, shelter_param="shelter_id"))
]
#: One entry by stay id: any staff here; the route answers 404 for another shelter's entry.
AnyStaff = Annotated[Principal, Depends(require(_ADMIN, _STAFF, _HQ))]
#: The roster for other systems (S17.2): administrators, headquarters, and integration clients
#: holding `roster:read` (which fields they get is decided by the route, domain.pull).
PullReader = Annotated[
    Principal,
    Depends(
        require(
            _ADMIN,
            _HQ,
            kinds=(PrincipalKind.STAFF, PrincipalKind.INTEGRATION),
            scope=READ_SCOPE,
        )
    ),
]
