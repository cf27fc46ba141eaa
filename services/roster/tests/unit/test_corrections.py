"""Staff corrections (S11.1 edit link) over the in-memory stores: history and replays."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from shelter_contracts.events import EvacueeCheckedIn
from shelter_roster.domain.corrections import InvalidCorrectionError
from shelter_roster.service_layer.handlers import (
    CorrectEntry,
    EditConflictError,
    UnknownEntryError,
    apply_stay_event,
    correct_entry,
)
from shelter_roster.service_layer.views import entry, entry_history
from shelter_runtime.mongo import Document
from shelter_testing.events import T0

from ..conftest import FakeNumbering, FakeRosterEntries

CheckIn = Callable[..., EvacueeCheckedIn]


async def checked_in(store: FakeRosterEntries, event: EvacueeCheckedIn) -> None:
    await apply_stay_event(event, store, FakeNumbering())


def command(
    stay_id: UUID, minute: int = 10, actor: str | None = "staff-1", **kw: Any
) -> CorrectEntry:
    return CorrectEntry(stay_id=stay_id, at=T0 + timedelta(minutes=minute), actor=actor, **kw)


async def test_a_correction_changes_only_the_named_fields_and_records_old_and_new(
    fake_entries: FakeRosterEntries, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)
    await checked_in(fake_entries, event)

    corrected = await correct_entry(
        command(
            event.stay_id,
            personal={"given_name": "華子", "date_of_birth": "1950-04-02", "phone": None},
            others={"remarks": "車椅子を使用", "statuses": ["要介護", "乳幼児"]},
        ),
        fake_entries,
    )

    assert corrected.personal.given_name == "華子"
    assert corrected.personal.date_of_birth == date(1950, 4, 2)
    assert corrected.personal.phone is None
    assert corrected.personal.family_name == event.personal.family_name  # untouched
    assert corrected.message == event.message  # untouched
    assert (corrected.remarks, corrected.statuses) == ("車椅子を使用", ("要介護", "乳幼児"))
    assert corrected.revision == 1
    [edit] = await entry_history(fake_entries, event.stay_id) or []
    assert (edit.at, edit.actor) == (T0 + timedelta(minutes=10), "staff-1")
    assert [(c.field, c.old, c.new) for c in edit.changes] == [
        ("personal.given_name", "花子", "華子"),
        ("personal.date_of_birth", "1950-04-01", "1950-04-02"),
        ("personal.phone", "090-1234-5678", None),
        ("statuses", ["要介護"], ["要介護", "乳幼児"]),
        ("remarks", None, "車椅子を使用"),
    ]
    # The folded names follow the correction, so the name filter finds the new name.
    stored = await fake_entries.get(event.stay_id)
    assert stored is not None and stored["folded"]["given"] == "華子"


async def test_the_history_is_append_only_oldest_first(
    fake_entries: FakeRosterEntries, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)
    await checked_in(fake_entries, event)
    for minute, remark in ((1, "一"), (2, "二"), (3, "三")):
        await correct_entry(
            command(event.stay_id, minute, actor=None, others={"remarks": remark}), fake_entries
        )

    history = await entry_history(fake_entries, event.stay_id) or []
    assert [(e.changes[0].old, e.changes[0].new) for e in history] == [
        (None, "一"),
        ("一", "二"),
        ("二", "三"),
    ]
    assert [e.fields for e in history] == [("remarks",)] * 3


async def test_a_correction_that_changes_nothing_leaves_no_history(
    fake_entries: FakeRosterEntries, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)
    await checked_in(fake_entries, event)

    same = command(
        event.stay_id, personal={"family_name": "山田"}, others={"message": event.message}
    )
    corrected = await correct_entry(same, fake_entries)

    assert corrected.revision == 0
    assert await entry_history(fake_entries, event.stay_id) == []


async def test_a_correction_survives_a_replay_of_the_original_check_in(
    fake_entries: FakeRosterEntries, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)
    await checked_in(fake_entries, event)
    await correct_entry(
        command(event.stay_id, personal={"family_name": "山下"}, others={"remarks": "r"}),
        fake_entries,
    )
    before = await fake_entries.get(event.stay_id)

    assert await apply_stay_event(event, fake_entries, FakeNumbering()) is False

    assert await fake_entries.get(event.stay_id) == before
    after = await entry(fake_entries, event.stay_id)
    assert after is not None and (after.personal.family_name, after.remarks) == ("山下", "r")


async def test_an_invalid_correction_names_the_fields_and_changes_nothing(
    fake_entries: FakeRosterEntries, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)
    await checked_in(fake_entries, event)
    before = await fake_entries.get(event.stay_id)

    with pytest.raises(InvalidCorrectionError) as refused:
        await correct_entry(
            command(event.stay_id, personal={"family_name": "", "phone": "call me"}), fake_entries
        )

    assert set(refused.value.fields) == {"personal.family_name", "personal.phone"}
    assert await fake_entries.get(event.stay_id) == before


async def test_unknown_entries_cannot_be_corrected(fake_entries: FakeRosterEntries) -> None:
    with pytest.raises(UnknownEntryError):
        await correct_entry(command(uuid4(), others={"remarks": "x"}), fake_entries)
    assert await entry_history(fake_entries, uuid4()) is None


class RacingEntries(FakeRosterEntries):
    """Another correction lands between every read and write of the handler."""

    def __init__(self, losses: int) -> None:
        super().__init__()
        self.losses = losses

    async def correct(self, stay_id: UUID, revision: int, fields: Document, edit: Document) -> bool:
        if self.losses:
            self.losses -= 1
            other: Document = {"at": T0, "actor": "other", "changes": []}
            await super().correct(stay_id, revision, {"remarks": "theirs"}, other)
        return await super().correct(stay_id, revision, fields, edit)


async def test_a_correction_that_loses_a_race_re_reads_and_records_the_real_old_value(
    check_in: CheckIn, shelter_id: str
) -> None:
    store = RacingEntries(losses=1)
    event = check_in(shelter_id)
    await checked_in(store, event)

    corrected = await correct_entry(command(event.stay_id, others={"remarks": "mine"}), store)

    assert (corrected.remarks, corrected.revision) == ("mine", 2)
    history = await entry_history(store, event.stay_id) or []
    assert [(c.old, c.new) for c in history[-1].changes] == [("theirs", "mine")]


async def test_a_correction_that_keeps_losing_is_a_conflict(
    check_in: CheckIn, shelter_id: str
) -> None:
    store = RacingEntries(losses=10)
    event = check_in(shelter_id)
    await checked_in(store, event)

    with pytest.raises(EditConflictError):
        await correct_entry(command(event.stay_id, others={"remarks": "mine"}), store)


async def test_a_correction_based_on_a_stale_revision_is_a_conflict(
    fake_entries: FakeRosterEntries, check_in: CheckIn, shelter_id: str
) -> None:
    event = check_in(shelter_id)
    await checked_in(fake_entries, event)
    first = command(event.stay_id, others={"remarks": "一"}, expected_revision=0)
    await correct_entry(first, fake_entries)

    stale = command(event.stay_id, others={"remarks": "二"}, expected_revision=0)
    with pytest.raises(EditConflictError):
        await correct_entry(stale, fake_entries)

    fresh = command(event.stay_id, others={"remarks": "二"}, expected_revision=1)
    assert (await correct_entry(fresh, fake_entries)).remarks == "二"
