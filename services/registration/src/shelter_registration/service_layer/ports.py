"""What the handlers need from the outside world, as small interfaces."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol
from uuid import UUID

from shelter_contracts.events import Event
from shelter_registration.domain.links import DisasterLink
from shelter_registration.domain.model import Shelter, Stay


class Shelters(Protocol):
    async def get(self, shelter_id: str) -> Shelter | None:
        """The shelter, deleted ones included (callers decide what a deleted shelter means)."""

    async def add(self, shelter: Shelter, events: Sequence[Event]) -> None:
        """Store a new shelter with its events; ShelterAlreadyExistsError if the id is taken."""

    async def add_many(self, shelters: Sequence[tuple[Shelter, Sequence[Event]]]) -> set[str]:
        """Store new shelters with their events in few writes; the ids refused as taken."""

    async def update(self, shelter: Shelter, events: Sequence[Event]) -> None:
        """Store the changed shelter with its events in one write.

        Only if the stored version is still `shelter.version - 1`; otherwise
        ConcurrentUpdateError (someone else changed it since it was read).
        """

    async def all(self) -> list[Shelter]:
        """Every shelter, deleted ones included (an import matches its rows against them)."""

    async def list(self, offset: int, limit: int) -> tuple[list[Shelter], int]:
        """One page of the shelters that are not deleted, by id, and how many there are."""


class Stays(Protocol):
    async def get(self, stay_id: UUID) -> Stay | None: ...

    async def add(self, stay: Stay, events: Sequence[Event]) -> None:
        """Store a new stay and the events it produced, in one write.

        AlreadyCheckedInError if the same person (person_key) is present at the same shelter:
        the store enforces it, so two racing requests cannot both check the person in.
        """

    async def present(self, person_key: str, training: bool) -> list[Stay]:
        """The person's stays that are not checked out (real or training ones), oldest first."""

    async def check_out(self, stay: Stay, events: Sequence[Event]) -> bool:
        """Record the check-out; False if another request checked the stay out first."""


class StatusItems(Protocol):
    """The status items offered on the public registration form (S10.7)."""

    async def get(self) -> tuple[str, ...] | None:
        """The configured items; None until an admin configured them."""

    async def set(self, items: tuple[str, ...]) -> None: ...


class Links(Protocol):
    """The links to other disaster pages on the staff home page (S15)."""

    async def get(self) -> tuple[DisasterLink, ...]: ...

    async def set(self, links: tuple[DisasterLink, ...]) -> None: ...


class EventDispatcher(Protocol):
    async def deliver(self, source: str, key: object) -> bool:
        """Try to publish the stored events of one aggregate now; False leaves them queued."""


class Clock(Protocol):
    def now(self) -> datetime: ...
