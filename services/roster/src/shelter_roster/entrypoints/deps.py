"""Dependencies of the roster routes, declared once as `Annotated` aliases.

Routes see the ports only; bootstrap puts the Mongo adapters (tests: the fakes) in app.state.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shelter_roster.config import Settings
from shelter_roster.domain.rate_limit import RateLimiter
from shelter_roster.service_layer.ports import RosterEntries, RosterSettings, ShelterDirectory


def _entries(request: Request) -> RosterEntries:
    entries: RosterEntries = request.app.state.entries
    return entries


def _shelters(request: Request) -> ShelterDirectory:
    shelters: ShelterDirectory = request.app.state.shelters
    return shelters


def _roster_settings(request: Request) -> RosterSettings:
    store: RosterSettings = request.app.state.roster_settings
    return store


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _public_limiter(request: Request) -> RateLimiter:
    limiter: RateLimiter = request.app.state.public_limiter
    return limiter


Entries = Annotated[RosterEntries, Depends(_entries)]
Shelters = Annotated[ShelterDirectory, Depends(_shelters)]
RosterSettingsStore = Annotated[RosterSettings, Depends(_roster_settings)]
ServiceConfig = Annotated[Settings, Depends(_settings)]
PublicLimiter = Annotated[RateLimiter, Depends(_public_limiter)]
