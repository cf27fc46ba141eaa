"""The roster repository contract, run against the in-memory fake and the real Mongo adapter.

Every test runs twice (`roster_store` is parametrized): once on `FakeRosterEntries`, once on
`MongoRosterEntries` over a fresh FerretDB database. Identical expectations on both prove the
fake used by the unit tests behaves like the adapter, documents included.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Protocol
from uuid import UUID

from shelter_contracts.events import EvacueeCheckedIn, EvacueeCheckedOut
from shelter_roster.service_layer.handlers import apply_stay_event
from shelter_roster.service_layer.ports import RosterEntries
from shelter_runtime.mongo import Document

CheckIn = Callable[..., EvacueeCheckedIn]
CheckOut = Callable[..., EvacueeCheckedOut]


class RosterStore(RosterEntries, Protocol):
    """The port plus the reads of the HTTP API: what both implementations offer."""

    async def get(self, stay_id: UUID) -> Document | None: ...

    async def list_for_shelter(self, shelter_id: str, limit: int, skip: int) -> list[Document]: ...


def check_in_document(event: EvacueeCheckedIn) -> Document:
    return {
        "_id": event.stay_id,
        "shelter_id": event.shelter_id,
        "channel": int(event.channel),
        "personal": event.personal.model_dump(mode="json"),
        "statuses": list(event.statuses),
        "message": event.message,
        "checked_in_at": event.checked_in_at,
        "training": event.training,
    }


def check_out_fields(event: EvacueeCheckedOut) -> Document:
    return {
        "shelter_id": event.shelter_id,
        "checked_out_at": event.checked_out_at,
        "forced_check_out": event.forced,
    }


async def test_check_in_is_recorded_once_and_a_replay_changes_nothing(
    roster_store: RosterStore, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)

    assert await apply_stay_event(event, roster_store) is True
    assert await roster_store.get(event.stay_id) == check_in_document(event)

    assert await apply_stay_event(event, roster_store) is False
    assert await roster_store.get(event.stay_id) == check_in_document(event)
    assert await roster_store.list_for_shelter(shelter_id, limit=10, skip=0) == [
        check_in_document(event)
    ]


async def test_a_different_check_in_of_a_recorded_stay_is_ignored(
    roster_store: RosterStore, check_in: CheckIn, shelter_id: str
) -> None:
    first = check_in(shelter_id, minute=1)
    other = check_in(
        shelter_id,
        stay_id=first.stay_id,
        minute=5,
        family_name="佐藤",
        message=None,
        statuses=(),
        training=True,
    )
    await apply_stay_event(first, roster_store)

    assert await apply_stay_event(other, roster_store) is False
    assert await roster_store.get(first.stay_id) == check_in_document(first)


async def test_check_out_before_check_in_then_check_in_keeps_both(
    roster_store: RosterStore, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    arrival = check_in(shelter_id, minute=0)
    departure = check_out(shelter_id, arrival.stay_id, minute=30, forced=True)

    assert await apply_stay_event(departure, roster_store) is True
    assert await roster_store.get(arrival.stay_id) == {
        "_id": arrival.stay_id,
        **check_out_fields(departure),
    }
    # A stay known only by its check-out is not on the roster yet.
    assert await roster_store.list_for_shelter(shelter_id, limit=10, skip=0) == []

    assert await apply_stay_event(arrival, roster_store) is True
    both = {**check_in_document(arrival), **check_out_fields(departure)}
    assert await roster_store.get(arrival.stay_id) == both
    assert await roster_store.list_for_shelter(shelter_id, limit=10, skip=0) == [both]


async def test_check_out_is_recorded_once_and_the_first_one_wins(
    roster_store: RosterStore, check_in: CheckIn, check_out: CheckOut, shelter_id: str
) -> None:
    arrival = check_in(shelter_id, minute=0)
    departure = check_out(shelter_id, arrival.stay_id, minute=45)
    later_forced = check_out(shelter_id, arrival.stay_id, minute=90, forced=True)
    await apply_stay_event(arrival, roster_store)

    assert await apply_stay_event(departure, roster_store) is True
    assert await apply_stay_event(departure, roster_store) is False
    assert await apply_stay_event(later_forced, roster_store) is False
    # A check-in replayed after the check-out does not wipe it either.
    assert await apply_stay_event(arrival, roster_store) is False

    assert await roster_store.get(arrival.stay_id) == {
        **check_in_document(arrival),
        **check_out_fields(departure),
    }


async def test_unknown_stay_is_none(roster_store: RosterStore, check_in: CheckIn) -> None:
    assert await roster_store.get(check_in("13101-0001").stay_id) is None


async def test_roster_lists_one_shelter_oldest_check_in_first_then_by_stay_id(
    roster_store: RosterStore, check_in: CheckIn, shelter_id: str
) -> None:
    low = UUID("10000000-0000-4000-8000-000000000000")
    high = UUID("f0000000-0000-4000-8000-000000000000")
    late = check_in(shelter_id, minute=3)
    tie_high = check_in(shelter_id, stay_id=high, minute=2)
    early = check_in(shelter_id, minute=1)
    tie_low = check_in(shelter_id, stay_id=low, minute=2)
    elsewhere = check_in(f"{shelter_id}-x", minute=0)
    for event in (late, tie_high, early, tie_low, elsewhere):
        await apply_stay_event(event, roster_store)

    in_order = [check_in_document(e) for e in (early, tie_low, tie_high, late)]
    assert await roster_store.list_for_shelter(shelter_id, limit=10, skip=0) == in_order
    assert await roster_store.list_for_shelter(shelter_id, limit=2, skip=1) == in_order[1:3]
    assert await roster_store.list_for_shelter(shelter_id, limit=10, skip=4) == []


async def test_times_are_stored_in_utc_at_millisecond_precision(
    roster_store: RosterStore, check_in: CheckIn, shelter_id: str
) -> None:
    jst = timezone(timedelta(hours=9))
    event = check_in(shelter_id).model_copy(
        update={"checked_in_at": datetime(2026, 9, 1, 18, 0, 0, 123456, tzinfo=jst)}
    )
    await apply_stay_event(event, roster_store)

    stored = await roster_store.get(event.stay_id)
    assert stored is not None
    assert stored["checked_in_at"] == datetime(2026, 9, 1, 9, 0, 0, 123000, tzinfo=UTC)
    assert stored["checked_in_at"].utcoffset() == timedelta(0)
