"""Event handlers of the integration service: keep the read model, tell the publisher."""

from __future__ import annotations

from typing import Protocol

from shelter_contracts.events import OccupancyChanged, ShelterEventBase
from shelter_integration.domain.model import Facts, Occupancy
from shelter_integration.service_layer.ports import Shelters


class Changed(Protocol):
    async def __call__(self, shelter_id: str) -> None:
        """The shelter's state changed (the publisher and the webhooks learn of it)."""


def facts_of(event: ShelterEventBase) -> Facts:
    shelter = event.shelter
    return Facts(
        version=event.version,
        name=shelter.name,
        capacity=shelter.capacity,
        address=shelter.address,
        shelter_type=shelter.shelter_type,
        latitude=shelter.latitude,
        longitude=shelter.longitude,
        open_data_id=shelter.open_data_id,
        municipality_code=shelter.municipality_code,
        is_open=shelter.is_open,
        opened_at=shelter.opened_at,
        closed_at=shelter.closed_at,
        training=shelter.training,
        deleted=shelter.deleted,
        changed_at=event.occurred_at,
    )


def occupancy_of(event: OccupancyChanged) -> Occupancy:
    return Occupancy(
        counted_at=event.counted_at,
        present=event.present,
        households=event.households,
        female=event.female,
        male=event.male,
        age_bands=dict(event.age_bands),
        capacity=event.capacity,
        occupancy_rate=event.occupancy_rate,
        crowding_level=event.crowding_level,
    )


async def apply_shelter_event(
    event: ShelterEventBase, shelters: Shelters, changed: Changed
) -> bool:
    """Keep the shelter facts of the highest version (registration's shelter events)."""
    applied = await shelters.record_facts(event.shelter_id, facts_of(event))
    if applied:
        await changed(event.shelter_id)
    return applied


async def apply_occupancy(event: OccupancyChanged, shelters: Shelters, changed: Changed) -> bool:
    """Keep the latest counts of a shelter (stats' OccupancyChanged, training never counted)."""
    applied = await shelters.record_occupancy(event.shelter_id, occupancy_of(event))
    if applied:
        await changed(event.shelter_id)
    return applied
