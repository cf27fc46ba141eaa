"""Event handlers of the roster: each applies an event once, whatever the order of arrival."""

from __future__ import annotations

from shelter_contracts.events import EvacueeCheckedIn, EvacueeCheckedOut
from shelter_roster.domain.model import CheckInFacts, CheckOutFacts
from shelter_roster.service_layer.ports import RosterEntries


async def apply_stay_event(
    event: EvacueeCheckedIn | EvacueeCheckedOut, entries: RosterEntries
) -> bool:
    """Record a check-in or check-out in the roster; False when it changed nothing."""
    if isinstance(event, EvacueeCheckedIn):
        return await entries.record_check_in(
            CheckInFacts(
                stay_id=event.stay_id,
                shelter_id=event.shelter_id,
                channel=event.channel,
                personal=event.personal,
                statuses=event.statuses,
                message=event.message,
                checked_in_at=event.checked_in_at,
                training=event.training,
            )
        )
    return await entries.record_check_out(
        CheckOutFacts(
            stay_id=event.stay_id,
            shelter_id=event.shelter_id,
            checked_out_at=event.checked_out_at,
            forced=event.forced,
        )
    )
