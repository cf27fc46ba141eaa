"""Event handlers of the statistics service: store each fact once, then ask for a recount."""

from __future__ import annotations

from collections.abc import Sequence

from shelter_contracts.events import (
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    EvacueeCorrected,
    ShelterEventBase,
)
from shelter_stats.domain.counting import StayCheckIn, StayCheckOut, StayCorrection
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


async def apply_stay_events(
    events: Sequence[EvacueeCheckedIn | EvacueeCheckedOut], stats: Statistics, refresh: Refresh
) -> None:
    """Record a batch of check-ins and check-outs (each once), then touch their shelters."""
    check_ins: list[StayCheckIn] = []
    check_outs: list[StayCheckOut] = []
    for event in events:
        if isinstance(event, EvacueeCheckedIn):
            check_ins.append(
                StayCheckIn(
                    event.stay_id,
                    event.shelter_id,
                    event.training,
                    event.age_band,
                    event.sex.value,
                    event.household_key,
                )
            )
        else:
            check_outs.append(StayCheckOut(event.stay_id, event.shelter_id))
    await stats.record_stays(check_ins, check_outs)
    for shelter_id in dict.fromkeys(event.shelter_id for event in events):
        refresh.touch(shelter_id)


async def apply_correction_events(
    events: Sequence[EvacueeCorrected], stats: Statistics, refresh: Refresh
) -> None:
    """Record staff corrections of sex or age band (S11.1), then touch their shelters."""
    await stats.record_corrections(
        [
            StayCorrection(e.stay_id, e.shelter_id, e.revision, e.age_band, e.sex.value)
            for e in events
        ]
    )
    for shelter_id in dict.fromkeys(event.shelter_id for event in events):
        refresh.touch(shelter_id)


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


async def apply_shelter_events(
    events: Sequence[ShelterEventBase], stats: Statistics, refresh: Refresh
) -> set[str]:
    """A batch of shelter events: the highest version of each shelter is kept, with one read
    and one write per shard (importing and opening 1,000 shelters is 2,000 events)."""
    newest: dict[str, ShelterEventBase] = {}
    for event in events:
        kept = newest.get(event.shelter_id)
        if kept is None or event.version > kept.version:
            newest[event.shelter_id] = event
    applied = await stats.record_shelters(
        {shelter_id: shelter_profile(event) for shelter_id, event in newest.items()}
    )
    for shelter_id in newest:
        refresh.touch(shelter_id)
    return applied
