"""Event handlers over the in-memory stores (which the contract suite ties to Mongo).

S12: serial number (通番) and household number (世帯番号) are assigned by the roster, once
per stay: replays and any arrival order keep them.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shelter_contracts.events import Channel, EvacueeCheckedIn, EvacueeCheckedOut
from shelter_roster.domain.model import CheckInFacts, CheckOutFacts, EntryNumbers
from shelter_roster.service_layer.handlers import (
    apply_shelter_event,
    apply_stay_event,
    apply_stay_events,
)
from shelter_roster.service_layer.views import entry
from shelter_runtime.mongo import Document
from shelter_testing.events import HOUSEHOLD

from ..conftest import (
    FakeNumbering,
    FakeRosterEntries,
    FakeShelterDirectory,
    make_check_in,
    make_check_out,
    make_shelter_event,
)

CheckIn = Callable[..., EvacueeCheckedIn]
CheckOut = Callable[..., EvacueeCheckedOut]


class RecordingEntries(FakeRosterEntries):
    """Captures what the handler hands to the port."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[tuple[str, CheckInFacts | CheckOutFacts, EntryNumbers | None]] = []

    async def record_check_in(self, facts: CheckInFacts, numbers: EntryNumbers) -> bool:
        self.calls.append(("check_in", facts, numbers))
        return await super().record_check_in(facts, numbers)

    async def record_check_out(self, facts: CheckOutFacts) -> bool:
        self.calls.append(("check_out", facts, None))
        return await super().record_check_out(facts)


async def test_check_in_hands_every_roster_fact_and_its_numbers_to_the_port(
    check_in: CheckIn, fake_numbering: FakeNumbering
) -> None:
    event = check_in("13101-0001", channel=Channel.CARD, training=True, transferred_from="13101-9")
    port = RecordingEntries()

    assert await apply_stay_event(event, port, fake_numbering) is True

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
                age_band=70,
                household_key=HOUSEHOLD,
                transferred_from="13101-9",
            ),
            EntryNumbers(serial=1, household_number=1),
        )
    ]


async def test_check_out_hands_time_forced_flag_and_transfer_to_the_port(
    check_out: CheckOut, fake_numbering: FakeNumbering
) -> None:
    event = check_out("13101-0001", uuid.uuid4(), minute=15, forced=True, transferred_to="13101-2")
    port = RecordingEntries()

    await apply_stay_event(event, port, fake_numbering)

    assert port.calls == [
        (
            "check_out",
            CheckOutFacts(
                stay_id=event.stay_id,
                shelter_id="13101-0001",
                checked_out_at=event.checked_out_at,
                forced=True,
                transferred_to="13101-2",
            ),
            None,
        )
    ]
    assert fake_numbering.counters == {}  # a check-out draws no number


async def test_a_replayed_check_in_draws_no_new_serial(
    fake_entries: FakeRosterEntries,
    fake_numbering: FakeNumbering,
    check_in: CheckIn,
    shelter_id: str,
) -> None:
    first, second = check_in(shelter_id, minute=1), check_in(shelter_id, minute=2)
    for event in (first, first, second, first, second):
        await apply_stay_event(event, fake_entries, fake_numbering)

    one, two = await entry(fake_entries, first.stay_id), await entry(fake_entries, second.stay_id)
    assert one is not None and two is not None
    assert (one.serial, two.serial) == (1, 2)
    assert fake_numbering.counters[f"serial|False|{shelter_id}"] == 2


class FailingOnce(FakeRosterEntries):
    """The database fails the first check-in write (the consumer then redelivers)."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = False

    async def record_check_in(self, facts: CheckInFacts, numbers: EntryNumbers) -> bool:
        if not self.failed:
            self.failed = True
            raise ConnectionError("database down")
        return await super().record_check_in(facts, numbers)


async def test_a_redelivery_after_a_failed_write_keeps_the_numbers_drawn(
    fake_numbering: FakeNumbering, check_in: CheckIn, shelter_id: str
) -> None:
    store = FailingOnce()
    first, second = check_in(shelter_id, minute=1), check_in(shelter_id, minute=2)
    with pytest.raises(ConnectionError):
        await apply_stay_event(first, store, fake_numbering)
    for event in (first, second):
        await apply_stay_event(event, store, fake_numbering)

    got = [await entry(store, e.stay_id) for e in (first, second)]
    assert [e.serial for e in got if e] == [1, 2]  # no gap


async def test_households_are_numbered_in_order_of_first_appearance(
    fake_entries: FakeRosterEntries,
    fake_numbering: FakeNumbering,
    check_in: CheckIn,
    shelter_id: str,
) -> None:
    keys = ["b" * 32, "a" * 32, "b" * 32, "c" * 32, "a" * 32]
    events = [check_in(shelter_id, minute=i, household_key=k) for i, k in enumerate(keys)]
    for event in events:
        await apply_stay_event(event, fake_entries, fake_numbering)
    # Another shelter numbers its own households from 1.
    elsewhere = check_in(f"{shelter_id}-x", household_key="c" * 32)
    await apply_stay_event(elsewhere, fake_entries, fake_numbering)

    numbers = [(await entry(fake_entries, e.stay_id)) for e in events]
    assert [n.household_number for n in numbers if n] == [1, 2, 1, 3, 2]
    assert [n.serial for n in numbers if n] == [1, 2, 3, 4, 5]
    other = await entry(fake_entries, elsewhere.stay_id)
    assert other is not None and (other.serial, other.household_number) == (1, 1)


async def test_training_entries_are_numbered_apart_from_real_ones(
    fake_entries: FakeRosterEntries,
    fake_numbering: FakeNumbering,
    check_in: CheckIn,
    shelter_id: str,
) -> None:
    real = check_in(shelter_id, minute=1)
    drill = check_in(shelter_id, minute=2, training=True)
    real_again = check_in(shelter_id, minute=3, household_key="f" * 32)
    for event in (real, drill, real_again):
        await apply_stay_event(event, fake_entries, fake_numbering)

    got = [await entry(fake_entries, e.stay_id) for e in (real, drill, real_again)]
    assert [(e.serial, e.household_number) for e in got if e] == [(1, 1), (1, 1), (2, 2)]


#: Every distinct arrival order of a check-in (I) and a check-out (O), replayed: 2 x I, 3 x O.
ORDERS = sorted({"".join(p) for p in itertools.permutations("IIOOO")})


@pytest.mark.parametrize("order", ORDERS)
async def test_any_arrival_order_with_replays_gives_the_same_entry(
    order: str,
    fake_entries: FakeRosterEntries,
    fake_numbering: FakeNumbering,
    check_in: CheckIn,
    check_out: CheckOut,
    shelter_id: str,
) -> None:
    arrival = check_in(shelter_id, minute=0)
    departure = check_out(shelter_id, arrival.stay_id, minute=40)
    events: dict[str, EvacueeCheckedIn | EvacueeCheckedOut] = {"I": arrival, "O": departure}

    applied = [await apply_stay_event(events[k], fake_entries, fake_numbering) for k in order]

    assert applied.count(True) == 2  # each fact once, whatever came first
    stored = await fake_entries.get(arrival.stay_id)
    assert stored is not None
    expected: Document = {
        "serial": 1,
        "household_number": 1,
        "checked_in_at": arrival.checked_in_at,
        "checked_out_at": departure.checked_out_at,
        "forced_check_out": False,
        "transferred_to": None,
    }
    assert {k: stored[k] for k in expected} == expected


async def test_first_check_out_wins_over_a_later_one(
    fake_entries: FakeRosterEntries,
    fake_numbering: FakeNumbering,
    check_in: CheckIn,
    check_out: CheckOut,
    shelter_id: str,
) -> None:
    arrival = check_in(shelter_id)
    first = check_out(shelter_id, arrival.stay_id, minute=30)
    second = check_out(shelter_id, arrival.stay_id, minute=50, forced=True)
    for event in (arrival, first):
        await apply_stay_event(event, fake_entries, fake_numbering)

    assert await apply_stay_event(second, fake_entries, fake_numbering) is False

    got = await entry(fake_entries, arrival.stay_id)
    assert got is not None
    assert (got.checked_out_at, got.forced_check_out) == (first.checked_out_at, False)


async def test_the_newest_shelter_version_names_the_shelter() -> None:
    shelters = FakeShelterDirectory()
    v2 = make_shelter_event("13101-0001", "千代田小学校（新）", 2)
    v1 = make_shelter_event("13101-0001", "千代田小学校", 1)

    assert await apply_shelter_event(v2, shelters) is True
    assert await apply_shelter_event(v1, shelters) is False  # late, older
    assert await apply_shelter_event(v2, shelters) is False  # replay
    assert await shelters.names(["13101-0001", "13101-0002"]) == {
        "13101-0001": "千代田小学校（新）"
    }


# --- property: household grouping and serials under any order with replays (S12) ----------

keys = st.sampled_from([c * 32 for c in "abcde"])


@settings(max_examples=60, deadline=None)
@given(
    households=st.lists(keys, min_size=1, max_size=12),
    replays=st.lists(st.integers(min_value=0, max_value=11), max_size=12),
)
def test_household_numbers_follow_first_appearance_whatever_the_replays(
    households: list[str], replays: list[int]
) -> None:
    import asyncio

    shelter = "13101-0001"
    events = [make_check_in(shelter, minute=i, household_key=k) for i, k in enumerate(households)]
    # Replays of already-delivered check-ins, interleaved after their first delivery.
    deliveries: list[EvacueeCheckedIn] = []
    for i, event in enumerate(events):
        deliveries.append(event)
        deliveries.extend(events[r] for r in replays if r <= i)

    async def run() -> list[tuple[int | None, int | None]]:
        store, numbering = FakeRosterEntries(), FakeNumbering()
        for event in deliveries:
            await apply_stay_event(event, store, numbering)
        got = [await entry(store, e.stay_id) for e in events]
        return [(e.serial, e.household_number) for e in got if e]

    numbers = asyncio.run(run())

    first_seen = list(dict.fromkeys(households))
    assert numbers == [(i + 1, first_seen.index(k) + 1) for i, k in enumerate(households)]


@settings(max_examples=40, deadline=None)
@given(
    households=st.lists(st.sampled_from(["a" * 32, "b" * 32, "c" * 32]), min_size=1, max_size=8),
    cuts=st.lists(st.integers(min_value=0, max_value=20), max_size=4),
    replays=st.lists(st.integers(min_value=0, max_value=7), max_size=6),
    left=st.lists(st.integers(min_value=0, max_value=7), max_size=4),
)
def test_batches_give_the_entries_and_numbers_of_one_by_one_delivery(
    households: list[str], cuts: list[int], replays: list[int], left: list[int]
) -> None:
    """S12: however the events are cut into batches, replays included, the roster is the same."""
    import asyncio

    shelters = ("13101-0001", "13101-0002")
    events: list[EvacueeCheckedIn | EvacueeCheckedOut] = [
        make_check_in(shelters[i % 2], minute=i, household_key=k, training=i % 3 == 2)
        for i, k in enumerate(households)
    ]
    arrivals = list(events)
    events += [arrivals[r] for r in replays if r < len(arrivals)]
    events += [
        make_check_out(arrivals[r].shelter_id, arrivals[r].stay_id, minute=30)
        for r in left
        if r < len(arrivals)
    ]
    bounds = [0, *sorted(c for c in cuts if c < len(events)), len(events)]

    async def run(batched: bool) -> list[Document | None]:
        store, numbering = FakeRosterEntries(), FakeNumbering()
        if batched:
            for start, end in itertools.pairwise(bounds):
                if start < end:
                    await apply_stay_events(events[start:end], store, numbering)
        else:
            for event in events:
                await apply_stay_event(event, store, numbering)
        return [await store.get(e.stay_id) for e in arrivals]

    assert asyncio.run(run(batched=True)) == asyncio.run(run(batched=False))


async def test_a_batch_reports_the_stays_it_changed_and_nothing_on_replay(
    check_in: CheckIn, check_out: CheckOut, fake_numbering: FakeNumbering, shelter_id: str
) -> None:
    arrival = check_in(shelter_id, minute=1)
    departure = check_out(shelter_id, arrival.stay_id, minute=2)
    store = FakeRosterEntries()
    batch: list[EvacueeCheckedIn | EvacueeCheckedOut] = [arrival, arrival, departure]
    assert await apply_stay_events(batch, store, fake_numbering) == {arrival.stay_id}
    assert await apply_stay_events(batch, store, fake_numbering) == set()
    doc = await store.get(arrival.stay_id)
    assert doc is not None and doc["serial"] == 1 and "checked_out_at" in doc
