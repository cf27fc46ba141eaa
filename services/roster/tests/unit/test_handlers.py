"""`apply_stay_event` over the in-memory roster (which the contract suite ties to Mongo)."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from typing import Protocol
from uuid import UUID

import pytest

from shelter_contracts.events import Channel, EvacueeCheckedIn, EvacueeCheckedOut
from shelter_roster.domain.model import CheckInFacts, CheckOutFacts
from shelter_roster.service_layer.handlers import apply_stay_event
from shelter_roster.service_layer.ports import RosterEntries
from shelter_runtime.mongo import Document

CheckIn = Callable[..., EvacueeCheckedIn]
CheckOut = Callable[..., EvacueeCheckedOut]


class RosterStore(RosterEntries, Protocol):
    async def get(self, stay_id: UUID) -> Document | None: ...

    async def list_for_shelter(self, shelter_id: str, limit: int, skip: int) -> list[Document]: ...


class RecordingEntries:
    """Captures what the handler hands to the port."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, CheckInFacts | CheckOutFacts]] = []

    async def record_check_in(self, facts: CheckInFacts) -> bool:
        self.calls.append(("check_in", facts))
        return True

    async def record_check_out(self, facts: CheckOutFacts) -> bool:
        self.calls.append(("check_out", facts))
        return True


async def test_check_in_hands_every_roster_fact_to_the_port(check_in: CheckIn) -> None:
    event = check_in("13101-0001", channel=Channel.CARD, training=True)
    port = RecordingEntries()

    assert await apply_stay_event(event, port) is True

    assert port.calls == [
        (
            "check_in",
            CheckInFacts(
                stay_id=event.stay_id,
                shelter_id="13101-0001",
                channel=Channel.CARD,
                personal=event.personal,
                statuses=event.statuses,
                message=event.message,
                checked_in_at=event.checked_in_at,
                training=True,
            ),
        )
    ]


async def test_check_out_hands_time_and_forced_flag_to_the_port(check_out: CheckOut) -> None:
    event = check_out("13101-0001", uuid.uuid4(), minute=15, forced=True)
    port = RecordingEntries()

    await apply_stay_event(event, port)

    assert port.calls == [
        (
            "check_out",
            CheckOutFacts(
                stay_id=event.stay_id,
                shelter_id="13101-0001",
                checked_out_at=event.checked_out_at,
                forced=True,
            ),
        )
    ]


async def test_check_in_creates_an_entry_once(
    fake_entries: RosterStore, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)

    assert await apply_stay_event(event, fake_entries) is True
    stored = await fake_entries.get(event.stay_id)
    assert stored is not None
    assert (stored["shelter_id"], stored["checked_in_at"], stored["channel"]) == (
        shelter_id,
        event.checked_in_at,
        int(event.channel),
    )
    assert stored["personal"]["family_name"] == event.personal.family_name

    assert await apply_stay_event(event, fake_entries) is False
    assert await fake_entries.get(event.stay_id) == stored


async def test_check_out_then_check_in_both_land_on_one_entry(
    fake_entries: RosterStore, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    arrival = check_in(shelter_id, minute=0)
    departure = check_out(shelter_id, arrival.stay_id, minute=20, forced=True)

    assert await apply_stay_event(departure, fake_entries) is True
    assert await fake_entries.list_for_shelter(shelter_id, limit=10, skip=0) == []
    assert await apply_stay_event(arrival, fake_entries) is True

    [entry] = await fake_entries.list_for_shelter(shelter_id, limit=10, skip=0)
    assert entry["_id"] == arrival.stay_id
    assert entry["checked_in_at"] == arrival.checked_in_at
    assert entry["checked_out_at"] == departure.checked_out_at
    assert entry["forced_check_out"] is True


#: Every distinct arrival order of a check-in (I) and a check-out (O), replayed: 2 x I, 3 x O.
ORDERS = sorted({"".join(p) for p in itertools.permutations("IIOOO")})


@pytest.mark.parametrize("order", ORDERS)
async def test_any_arrival_order_with_replays_gives_the_same_entry(
    order: str,
    fake_entries: RosterStore,
    check_in: CheckIn,
    check_out: CheckOut,
    shelter_id: str,
) -> None:
    arrival = check_in(shelter_id, minute=0)
    departure = check_out(shelter_id, arrival.stay_id, minute=40)
    events: dict[str, EvacueeCheckedIn | EvacueeCheckedOut] = {"I": arrival, "O": departure}

    applied = [await apply_stay_event(events[kind], fake_entries) for kind in order]

    assert applied.count(True) == 2  # each fact once, whatever came first
    assert await fake_entries.get(arrival.stay_id) == {
        "_id": arrival.stay_id,
        "shelter_id": shelter_id,
        "channel": int(arrival.channel),
        "personal": arrival.personal.model_dump(mode="json"),
        "statuses": list(arrival.statuses),
        "message": arrival.message,
        "checked_in_at": arrival.checked_in_at,
        "training": False,
        "checked_out_at": departure.checked_out_at,
        "forced_check_out": False,
    }


async def test_first_check_out_wins_over_a_later_one(
    fake_entries: RosterStore, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    arrival = check_in(shelter_id)
    first = check_out(shelter_id, arrival.stay_id, minute=30)
    second = check_out(shelter_id, arrival.stay_id, minute=50, forced=True)
    for event in (arrival, first):
        await apply_stay_event(event, fake_entries)

    assert await apply_stay_event(second, fake_entries) is False

    stored = await fake_entries.get(arrival.stay_id)
    assert stored is not None
    assert (stored["checked_out_at"], stored["forced_check_out"]) == (first.checked_out_at, False)
