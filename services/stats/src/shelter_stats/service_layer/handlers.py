"""Event handlers of the statistics service: store each fact once, then ask for a recount."""

from __future__ import annotations

from shelter_contracts.events import EvacueeCheckedIn, EvacueeCheckedOut, ShelterEventBase
from shelter_stats.domain.model import ShelterProfile
from shelter_stats.service_layer.ports import Refresh, Statistics


async def apply_stay_event(
    event: EvacueeCheckedIn | EvacueeCheckedOut, stats: Statistics, refresh: Refresh
) -> bool:
    """Record a check-in or check-out once; False when it was already recorded."""
    if isinstance(event, EvacueeCheckedIn):
        applied = await stats.record_check_in(
            event.stay_id,
            event.shelter_id,
            at=event.checked_in_at,
            training=event.training,
            age_band=event.age_band,
            sex=event.sex.value,
            household_key=event.household_key,
        )
    else:
        applied = await stats.record_check_out(
            event.stay_id, event.shelter_id, event.checked_out_at
        )
    # Recount even after a replay: the recount of the first delivery may have been lost.
    refresh.touch(event.shelter_id)
    return applied


def shelter_profile(event: ShelterEventBase) -> ShelterProfile:
    facts = event.shelter
    return ShelterProfile(
        version=event.version,
        name=facts.name,
        capacity=facts.capacity,
        address=facts.address,
        shelter_type=facts.shelter_type,
        is_open=facts.is_open,
        training=facts.training,
        deleted=facts.deleted,
    )


async def apply_shelter_event(event: ShelterEventBase, stats: Statistics, refresh: Refresh) -> bool:
    """Keep the shelter facts of the highest version (S14: capacity, open, training, deleted)."""
    applied = await stats.record_shelter(event.shelter_id, shelter_profile(event))
    refresh.touch(event.shelter_id)
    return applied
