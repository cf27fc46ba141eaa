"""What the integration handlers need: the read model of shelters and the NGSI-LD broker."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from shelter_integration.domain.entities import Entity
from shelter_integration.domain.model import Facts, Occupancy, ShelterState


class Shelters(Protocol):
    """The integration service's own copy of every shelter: facts and counts."""

    async def record_facts(self, shelter_id: str, facts: Facts) -> bool:
        """Keep the facts of the highest version; False when an equal or higher one is kept."""

    async def record_occupancy(self, shelter_id: str, occupancy: Occupancy) -> bool:
        """Keep the latest counts (by `counted_at`); False when newer ones are kept."""

    async def states(self, shelter_ids: Sequence[str]) -> list[ShelterState]:
        """These shelters, in the order asked; unknown ones have neither facts nor counts."""

    async def all_states(self) -> list[ShelterState]:
        """Every shelter known, by id."""

    async def page(self, limit: int, offset: int) -> tuple[list[ShelterState], int]:
        """Shelters that are published (facts known, not deleted), by id: a page and the total."""


class Broker(Protocol):
    async def upsert(self, entities: list[Entity]) -> dict[str, str]:
        """Create or replace the entities; the ids refused one by one, with the error type.

        Raises BrokerUnavailableError (retry everything later) or BatchRejectedError.
        """

    async def delete(self, entity_id: str) -> None:
        """Delete an entity (a missing one is fine)."""
