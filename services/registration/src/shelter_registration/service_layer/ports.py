"""What the handlers need from the outside world, as small interfaces."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from shelter_contracts.events import Event
from shelter_registration.domain.model import Shelter, Stay


class Shelters(Protocol):
    async def get(self, shelter_id: str) -> Shelter | None: ...

    async def add(self, shelter: Shelter, events: Sequence[Event]) -> None:
        """Store a new shelter with its events; ShelterAlreadyExistsError if the id is taken."""


class Stays(Protocol):
    async def get(self, stay_id: UUID) -> Stay | None: ...

    async def add(self, stay: Stay, events: Sequence[Event]) -> None:
        """Store a new stay and the events it produced, in one write."""

    async def check_out(self, stay: Stay, events: Sequence[Event]) -> bool:
        """Record the check-out; False if another request checked the stay out first."""


class EventDispatcher(Protocol):
    async def deliver(self, source: str, key: object) -> bool:
        """Try to publish the stored events of one aggregate now; False leaves them queued."""


class Clock(Protocol):
    def now(self) -> datetime: ...
