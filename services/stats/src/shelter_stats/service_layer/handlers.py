"""Event handlers of the statistics service."""

from __future__ import annotations

from shelter_contracts.events import EvacueeCheckedIn, EvacueeCheckedOut, ShelterEventBase
from shelter_stats.service_layer.ports import Statistics


async def apply_stay_event(event: EvacueeCheckedIn | EvacueeCheckedOut, stats: Statistics) -> bool:
    """Count a check-in or check-out once; False when it changed nothing."""
    if isinstance(event, EvacueeCheckedIn):
        return await stats.record_check_in(
            event.stay_id, event.shelter_id, event.age_band, event.training, event.checked_in_at
        )
    return await stats.record_check_out(event.stay_id, event.shelter_id, event.checked_out_at)


async def apply_shelter_event(event: ShelterEventBase, stats: Statistics) -> bool:
    """Keep the shelter's capacity for the occupancy rate."""
    return await stats.record_shelter(event.shelter_id, event.shelter.capacity, event.occurred_at)
