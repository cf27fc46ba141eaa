"""Command handlers: apply the rules, store the change with its events, publish them."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import uuid4

from shelter_contracts.events import (
    Channel,
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    ShelterFacts,
    ShelterRegistered,
)
from shelter_registration.domain import model
from shelter_registration.domain.commands import CheckIn, CheckOut, RegisterShelter
from shelter_registration.service_layer.ports import Clock, EventDispatcher, Shelters, Stays

PRODUCER = "registration"
SHELTERS = "shelters"
STAYS = "stays"


@dataclass(frozen=True, slots=True)
class Dependencies:
    shelters: Shelters
    stays: Stays
    dispatcher: EventDispatcher
    clock: Clock


async def register_shelter(cmd: RegisterShelter, deps: Dependencies) -> model.Shelter:
    """Create a shelter (S10.6) and announce it."""
    shelter = model.Shelter(shelter_id=cmd.shelter_id, name=cmd.name, capacity=cmd.capacity)
    event = ShelterRegistered(
        occurred_at=deps.clock.now(),
        shelter_id=shelter.shelter_id,
        producer=PRODUCER,
        version=1,
        shelter=ShelterFacts(name=shelter.name, capacity=shelter.capacity, is_open=shelter.is_open),
    )
    await deps.shelters.add(shelter, [event])
    await deps.dispatcher.deliver(SHELTERS, shelter.shelter_id)
    return shelter


async def check_in(cmd: CheckIn, deps: Dependencies) -> EvacueeCheckedIn:
    """Check an evacuee in (入所, S12); the smartphone channel needs consent (S16.2)."""
    if cmd.channel is Channel.SMARTPHONE and not cmd.consent:
        raise model.ConsentRequiredError(cmd.shelter_id)
    shelter = await deps.shelters.get(cmd.shelter_id)
    if shelter is None:
        raise model.UnknownShelterError(cmd.shelter_id)
    if not shelter.is_open:
        raise model.ShelterClosedError(cmd.shelter_id)
    now = deps.clock.now()
    stay = model.Stay(
        stay_id=uuid4(),
        shelter_id=shelter.shelter_id,
        channel=cmd.channel,
        personal=cmd.personal,
        checked_in_at=now,
    )
    event = EvacueeCheckedIn(
        occurred_at=now,
        shelter_id=stay.shelter_id,
        producer=PRODUCER,
        stay_id=stay.stay_id,
        channel=stay.channel,
        personal=stay.personal,
        age_band=model.age_band(stay.personal.date_of_birth, now.date()),
        sex=stay.personal.sex,
        household_key=model.household_digest(stay.personal),
        statuses=cmd.statuses,
        message=cmd.message,
        checked_in_at=now,
        training=stay.training,
    )
    await deps.stays.add(stay, [event])
    await deps.dispatcher.deliver(STAYS, stay.stay_id)
    return event


async def check_out(cmd: CheckOut, deps: Dependencies) -> EvacueeCheckedOut:
    """Check an evacuee out (退所); staff may force it for someone who forgot (S11.1)."""
    stay = await deps.stays.get(cmd.stay_id)
    if stay is None or stay.shelter_id != cmd.shelter_id:
        raise model.UnknownStayError(str(cmd.stay_id))
    now = deps.clock.now()
    left = stay.check_out(now)
    event = EvacueeCheckedOut(
        occurred_at=now,
        shelter_id=stay.shelter_id,
        producer=PRODUCER,
        stay_id=stay.stay_id,
        channel=cmd.channel,
        checked_out_at=now,
        forced=cmd.forced,
    )
    if not await deps.stays.check_out(left, [event]):
        raise model.AlreadyCheckedOutError(str(cmd.stay_id))
    await deps.dispatcher.deliver(STAYS, stay.stay_id)
    return event
