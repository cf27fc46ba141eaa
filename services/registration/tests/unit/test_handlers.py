"""The shelter and check-in rules (S10.6, S10.7, S12-S14, S16.2) against fakes of the ports."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING
from uuid import uuid4

import pytest

from shelter_contracts.events import (
    Channel,
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    ShelterClosed,
    ShelterDeleted,
    ShelterOpened,
    ShelterRegistered,
    ShelterTrainingModeChanged,
    ShelterType,
    ShelterUpdated,
)
from shelter_contracts.personal import EvacueePersonal
from shelter_registration.domain import model
from shelter_registration.domain.commands import (
    CheckIn,
    CheckOut,
    CloseShelter,
    DeleteShelter,
    EditShelter,
    OpenShelter,
    RegisterShelter,
    SetStatusItems,
    SetTrainingMode,
)
from shelter_registration.service_layer import handlers
from shelter_registration.service_layer.handlers import Dependencies

if TYPE_CHECKING:
    from services.registration.tests.conftest import Fakes

SHELTER = "13101-0001"


async def _shelter(
    deps: Dependencies, shelter_id: str = SHELTER, *, opened: bool = True
) -> model.Shelter:
    shelter = await handlers.register_shelter(
        RegisterShelter(shelter_id=shelter_id, name="千代田小学校", capacity=200), deps
    )
    if opened:
        shelter = await handlers.open_shelter(OpenShelter(shelter_id=shelter_id), deps)
    return shelter


def _check_in(
    personal: EvacueePersonal,
    shelter_id: str = SHELTER,
    channel: Channel = Channel.STAFF,
    **extra: object,
) -> CheckIn:
    return CheckIn(shelter_id=shelter_id, channel=channel, personal=personal, **extra)  # type: ignore[arg-type]


# --- shelters ---------------------------------------------------------------------------------


async def test_a_new_shelter_starts_closed_and_is_announced_with_its_facts(
    deps: Dependencies, fakes: Fakes
) -> None:
    shelter = await handlers.register_shelter(
        RegisterShelter(
            shelter_id=SHELTER,
            name="千代田小学校",
            capacity=200,
            address="東京都千代田区千代田1-1",
            shelter_type=ShelterType.EMERGENCY,
            latitude=35.68,
            longitude=139.75,
            open_data_id="0001",
            municipality_code="13101",  # repaired with its check digit (S14 open-data id)
            actor="admin-1",
        ),
        deps,
    )
    assert shelter.is_open is False and shelter.version == 1
    (event,) = fakes.shelters.events
    assert isinstance(event, ShelterRegistered)
    assert (event.version, event.actor) == (1, "admin-1")
    assert event.shelter.municipality_code == "131016"
    assert event.shelter.shelter_type is ShelterType.EMERGENCY
    assert event.shelter.is_open is False
    assert ("shelters", SHELTER) in fakes.dispatcher.delivered
    with pytest.raises(model.ShelterAlreadyExistsError):
        await _shelter(deps, opened=False)


async def test_every_change_bumps_the_version_and_carries_the_whole_facts(
    deps: Dependencies, fakes: Fakes
) -> None:
    await _shelter(deps, opened=False)
    opened = await handlers.open_shelter(OpenShelter(shelter_id=SHELTER, actor="staff-a"), deps)
    assert (opened.is_open, opened.opened_at, opened.opened_by) == (True, fakes.clock.at, "staff-a")
    at = fakes.clock.advance(hours=1)
    await handlers.set_training_mode(SetTrainingMode(shelter_id=SHELTER, training=True), deps)
    await handlers.edit_shelter(EditShelter(shelter_id=SHELTER, capacity=250), deps)
    closed = await handlers.close_shelter(CloseShelter(shelter_id=SHELTER, actor="staff-b"), deps)
    assert (closed.closed_at, closed.closed_by) == (at, "staff-b")
    await handlers.delete_shelter(DeleteShelter(shelter_id=SHELTER), deps)

    kinds = [type(e) for e in fakes.shelters.events]
    assert kinds == [
        ShelterRegistered,
        ShelterOpened,
        ShelterTrainingModeChanged,
        ShelterUpdated,
        ShelterClosed,
        ShelterDeleted,
    ]
    versions = [e.version for e in fakes.shelters.events]  # type: ignore[attr-defined]
    assert versions == [1, 2, 3, 4, 5, 6]
    last = fakes.shelters.events[-1]
    assert isinstance(last, ShelterDeleted)
    assert last.shelter.capacity == 250 and last.shelter.training and last.shelter.deleted
    assert last.shelter.closed_at == at


async def test_repeating_open_close_or_training_changes_nothing(
    deps: Dependencies, fakes: Fakes
) -> None:
    await _shelter(deps)
    before = len(fakes.shelters.events)
    again = await handlers.open_shelter(OpenShelter(shelter_id=SHELTER), deps)
    await handlers.set_training_mode(SetTrainingMode(shelter_id=SHELTER, training=False), deps)
    await handlers.edit_shelter(EditShelter(shelter_id=SHELTER, name="千代田小学校"), deps)
    assert again.version == 2 and len(fakes.shelters.events) == before
    await handlers.close_shelter(CloseShelter(shelter_id=SHELTER), deps)
    await handlers.close_shelter(CloseShelter(shelter_id=SHELTER), deps)
    assert len(fakes.shelters.events) == before + 1


async def test_an_edit_on_a_stale_version_is_refused(deps: Dependencies, fakes: Fakes) -> None:
    await _shelter(deps)  # version 2 after opening
    with pytest.raises(model.ConcurrentUpdateError):
        await handlers.edit_shelter(
            EditShelter(shelter_id=SHELTER, name="新しい名前", expected_version=1), deps
        )
    edited = await handlers.edit_shelter(
        EditShelter(shelter_id=SHELTER, name="新しい名前", latitude=None, expected_version=2), deps
    )
    assert (edited.name, edited.version, edited.is_open) == ("新しい名前", 3, True)


async def test_a_write_racing_another_is_refused_by_the_store(
    deps: Dependencies, fakes: Fakes
) -> None:
    shelter = await _shelter(deps)
    # Another request wrote version 3 between our read and our write.
    fakes.shelters.by_id[SHELTER] = replace(shelter, version=3)
    with pytest.raises(model.ConcurrentUpdateError):
        await deps.shelters.update(shelter.close(fakes.clock.at, None), [])


async def test_a_deleted_shelter_is_gone_but_kept(deps: Dependencies, fakes: Fakes) -> None:
    await _shelter(deps)
    await handlers.delete_shelter(DeleteShelter(shelter_id=SHELTER, actor="admin"), deps)
    stored = fakes.shelters.by_id[SHELTER]
    assert stored.deleted and not stored.is_open and stored.name == "千代田小学校"
    for call in (
        handlers.get_shelter(SHELTER, deps),
        handlers.open_shelter(OpenShelter(shelter_id=SHELTER), deps),
        handlers.delete_shelter(DeleteShelter(shelter_id=SHELTER), deps),
    ):
        with pytest.raises(model.UnknownShelterError):
            await call
    assert await deps.shelters.list(0, 10) == ([], 0)


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("131016", "131016"),
        ("92011", "092011"),  # leading zero dropped by a spreadsheet
        ("13101", "131016"),  # 5-digit code without its check digit
        ("０９２０１１", "092011"),
    ],
)
def test_municipality_codes_are_repaired(raw: str, code: str) -> None:
    assert model.municipality_code(raw) == code


@pytest.mark.parametrize("raw", ["131017", "1310", "1310166", "abcdef", ""])
def test_invalid_municipality_codes_are_refused(raw: str) -> None:
    with pytest.raises(model.InvalidMunicipalityCodeError):
        model.municipality_code(raw)


# --- check-in ---------------------------------------------------------------------------------


async def test_check_in_stores_the_stay_and_delivers_its_event(
    deps: Dependencies, fakes: Fakes, hanako: EvacueePersonal
) -> None:
    await _shelter(deps)
    event = await handlers.check_in(
        _check_in(
            hanako,
            channel=Channel.SMARTPHONE,
            statuses=("要介護",),
            message="卵アレルギー",
            consent=True,
        ),
        deps,
    )
    assert isinstance(event, EvacueeCheckedIn)
    assert event.shelter_id == SHELTER
    assert event.personal == hanako
    assert event.age_band == 70  # born 1950-04-01, checked in 2026-11-25: 76 years old
    assert event.sex is hanako.sex
    assert event.household_key == model.household_digest(hanako)
    assert event.statuses == ("要介護",)
    assert event.checked_in_at == fakes.clock.at
    assert (event.training, event.transferred_from) == (False, None)
    stay = await deps.stays.get(event.stay_id)
    assert stay is not None and stay.checked_out_at is None
    assert stay.person_key == model.person_digest(hanako)
    assert fakes.stays.events == [event]
    assert ("stays", event.stay_id) in fakes.dispatcher.delivered


async def test_unknown_shelter_is_refused(
    deps: Dependencies, fakes: Fakes, hanako: EvacueePersonal
) -> None:
    with pytest.raises(model.UnknownShelterError):
        await handlers.check_in(_check_in(hanako, "nowhere"), deps)
    assert fakes.stays.events == []


async def test_closed_and_deleted_shelters_refuse_check_ins(
    deps: Dependencies, fakes: Fakes, hanako: EvacueePersonal
) -> None:
    await _shelter(deps, opened=False)  # S6.1: a shelter accepts people once opened
    with pytest.raises(model.ShelterClosedError):
        await handlers.check_in(_check_in(hanako), deps)
    await handlers.open_shelter(OpenShelter(shelter_id=SHELTER), deps)
    await handlers.delete_shelter(DeleteShelter(shelter_id=SHELTER), deps)
    with pytest.raises(model.ShelterClosedError):
        await handlers.check_in(_check_in(hanako), deps)
    assert fakes.stays.events == []


async def test_smartphone_needs_consent_but_staff_proxy_does_not(
    deps: Dependencies, hanako: EvacueePersonal
) -> None:
    await _shelter(deps)
    with pytest.raises(model.ConsentRequiredError):
        await handlers.check_in(_check_in(hanako, channel=Channel.SMARTPHONE), deps)
    event = await handlers.check_in(_check_in(hanako, remarks="用紙で受付"), deps)
    assert event.channel is Channel.STAFF
    stay = await deps.stays.get(event.stay_id)
    assert stay is not None and stay.remarks == "用紙で受付"


async def test_card_channel_uses_the_same_handler(
    deps: Dependencies, hanako: EvacueePersonal
) -> None:
    await _shelter(deps)
    event = await handlers.check_in(_check_in(hanako, channel=Channel.CARD), deps)
    assert event.channel is Channel.CARD


async def test_training_mode_marks_check_ins(
    deps: Dependencies, hanako: EvacueePersonal, taro: EvacueePersonal
) -> None:
    await _shelter(deps)
    real = await handlers.check_in(_check_in(taro), deps)
    await handlers.set_training_mode(SetTrainingMode(shelter_id=SHELTER, training=True), deps)
    drill = await handlers.check_in(_check_in(hanako), deps)
    assert (real.training, drill.training) == (False, True)
    stay = await deps.stays.get(drill.stay_id)
    assert stay is not None and stay.training


async def test_status_items_must_be_offered(
    deps: Dependencies, fakes: Fakes, hanako: EvacueePersonal
) -> None:
    await _shelter(deps)
    assert await handlers.status_items(deps) == model.DEFAULT_STATUS_ITEMS
    with pytest.raises(model.UnknownStatusError) as refused:
        await handlers.check_in(_check_in(hanako, statuses=("要介護", "空腹", "空腹")), deps)
    assert refused.value.unknown == ("空腹",)

    items = await handlers.set_status_items(SetStatusItems(items=("空腹", "要介護", "空腹")), deps)
    assert items == ("空腹", "要介護")
    event = await handlers.check_in(_check_in(hanako, statuses=("空腹",)), deps)
    assert event.statuses == ("空腹",)
    with pytest.raises(model.UnknownStatusError):
        await handlers.check_in(_check_in(hanako, "x", statuses=("妊娠中",)), deps)


# --- duplicates and transfers (S12) -----------------------------------------------------------


async def test_the_same_person_twice_at_one_shelter_is_refused_with_the_stay(
    deps: Dependencies, fakes: Fakes, hanako: EvacueePersonal
) -> None:
    await _shelter(deps)
    first = await handlers.check_in(_check_in(hanako), deps)
    # Written differently (half-width kana, a trailing space): folded, the same person.
    again = hanako.model_copy(update={"family_name": "山田 ", "given_name": "ﾊﾅｺ"})
    first_again = hanako.model_copy(update={"given_name": "ハナコ"})
    await handlers.check_out(
        CheckOut(shelter_id=SHELTER, stay_id=first.stay_id, channel=Channel.STAFF), deps
    )
    second = await handlers.check_in(_check_in(first_again), deps)  # checked out: welcome back
    with pytest.raises(model.AlreadyCheckedInError) as refused:
        await handlers.check_in(_check_in(again, channel=Channel.SMARTPHONE, consent=True), deps)
    assert refused.value.stay_id == second.stay_id
    assert [type(e) for e in fakes.stays.events] == [
        EvacueeCheckedIn,
        EvacueeCheckedOut,
        EvacueeCheckedIn,
    ]


async def test_another_birthday_is_another_person(
    deps: Dependencies, hanako: EvacueePersonal
) -> None:
    await _shelter(deps)
    await handlers.check_in(_check_in(hanako), deps)
    other = hanako.model_copy(update={"date_of_birth": date(1980, 4, 1)})
    event = await handlers.check_in(_check_in(other), deps)
    assert event.transferred_from is None


async def test_moving_to_another_shelter_is_a_transfer(
    deps: Dependencies, fakes: Fakes, hanako: EvacueePersonal
) -> None:
    await _shelter(deps)
    await _shelter(deps, "13101-0002")
    first = await handlers.check_in(_check_in(hanako), deps)
    fakes.clock.advance(hours=3)
    moved = await handlers.check_in(_check_in(hanako, "13101-0002"), deps)

    assert moved.transferred_from == SHELTER
    old = await deps.stays.get(first.stay_id)
    assert old is not None
    assert (old.checked_out_at, old.transferred_to) == (fakes.clock.at, "13101-0002")
    out = fakes.stays.events[-1]
    assert isinstance(out, EvacueeCheckedOut)
    assert (out.stay_id, out.shelter_id, out.transferred_to, out.forced) == (
        first.stay_id,
        SHELTER,
        "13101-0002",
        False,
    )
    assert ("stays", first.stay_id) in fakes.dispatcher.delivered
    assert ("stays", moved.stay_id) in fakes.dispatcher.delivered
    assert await deps.stays.present(model.person_digest(hanako), False) == [
        await deps.stays.get(moved.stay_id)
    ]


async def test_a_transfer_cut_short_by_a_crash_is_finished_by_the_next_attempt(
    deps: Dependencies, fakes: Fakes, hanako: EvacueePersonal
) -> None:
    """Step 1 of a transfer (new stay) was stored, step 2 (check-out) was not (see check_in)."""
    for shelter_id in (SHELTER, "13101-0002", "13101-0003"):
        await _shelter(deps, shelter_id)
    old = await handlers.check_in(_check_in(hanako), deps)
    crashed = model.Stay(uuid4(), "13101-0002", Channel.STAFF, hanako, fakes.clock.at)
    await deps.stays.add(crashed, [])
    assert len(await deps.stays.present(crashed.person_key, False)) == 2

    # The person tries again at the shelter they moved to: told they are in, and repaired.
    with pytest.raises(model.AlreadyCheckedInError) as refused:
        await handlers.check_in(_check_in(hanako, "13101-0002"), deps)
    assert refused.value.stay_id == crashed.stay_id
    old_stay = await deps.stays.get(old.stay_id)
    assert old_stay is not None and old_stay.transferred_to == "13101-0002"
    assert await deps.stays.present(crashed.person_key, False) == [crashed]


async def test_a_transfer_from_two_present_stays_checks_out_both(
    deps: Dependencies, fakes: Fakes, hanako: EvacueePersonal
) -> None:
    for shelter_id in (SHELTER, "13101-0002", "13101-0003"):
        await _shelter(deps, shelter_id)
    first = await handlers.check_in(_check_in(hanako), deps)
    crashed = model.Stay(uuid4(), "13101-0002", Channel.STAFF, hanako, fakes.clock.advance(hours=1))
    await deps.stays.add(crashed, [])
    moved = await handlers.check_in(_check_in(hanako, "13101-0003"), deps)
    assert moved.transferred_from == "13101-0002"  # the latest stay
    for stay_id in (first.stay_id, crashed.stay_id):
        stay = await deps.stays.get(stay_id)
        assert stay is not None and stay.transferred_to == "13101-0003"


async def test_training_stays_and_real_stays_do_not_meet(
    deps: Dependencies, hanako: EvacueePersonal
) -> None:
    await _shelter(deps)
    await _shelter(deps, "drill-1")
    await handlers.set_training_mode(SetTrainingMode(shelter_id="drill-1", training=True), deps)
    real = await handlers.check_in(_check_in(hanako), deps)
    drill = await handlers.check_in(_check_in(hanako, "drill-1"), deps)
    assert drill.transferred_from is None
    stay = await deps.stays.get(real.stay_id)
    assert stay is not None and stay.checked_out_at is None


async def test_a_racing_duplicate_is_refused_by_the_store(
    deps: Dependencies, fakes: Fakes, hanako: EvacueePersonal
) -> None:
    await _shelter(deps)
    winner = await handlers.check_in(_check_in(hanako), deps)
    original_present = fakes.stays.present
    calls = 0

    async def stale_present(person_key: str, training: bool) -> list[model.Stay]:
        # The first look misses the winner (it was not stored yet when we looked).
        nonlocal calls
        calls += 1
        return [] if calls == 1 else await original_present(person_key, training)

    fakes.stays.present = stale_present  # type: ignore[method-assign]
    with pytest.raises(model.AlreadyCheckedInError) as refused:
        await handlers.check_in(_check_in(hanako), deps)
    assert refused.value.stay_id == winner.stay_id


# --- check-out --------------------------------------------------------------------------------


async def test_check_out_once(deps: Dependencies, hanako: EvacueePersonal) -> None:
    await _shelter(deps)
    checked_in = await handlers.check_in(_check_in(hanako), deps)
    out = CheckOut(
        shelter_id=SHELTER, stay_id=checked_in.stay_id, channel=Channel.STAFF, forced=True
    )
    event = await handlers.check_out(out, deps)
    assert isinstance(event, EvacueeCheckedOut)
    assert event.forced is True and event.stay_id == checked_in.stay_id
    assert event.transferred_to is None
    with pytest.raises(model.AlreadyCheckedOutError):
        await handlers.check_out(out, deps)


async def test_check_out_of_another_shelters_stay_is_unknown(
    deps: Dependencies, hanako: EvacueePersonal
) -> None:
    await _shelter(deps)
    await _shelter(deps, "13101-0002")
    checked_in = await handlers.check_in(_check_in(hanako), deps)
    for shelter_id, stay_id in (("13101-0002", checked_in.stay_id), (SHELTER, uuid4())):
        with pytest.raises(model.UnknownStayError):
            await handlers.check_out(
                CheckOut(shelter_id=shelter_id, stay_id=stay_id, channel=Channel.STAFF), deps
            )


@pytest.mark.parametrize(
    ("born", "on", "band"),
    [
        (date(2026, 1, 1), date(2026, 11, 25), 0),
        (date(2016, 11, 26), date(2026, 11, 25), 0),  # turns 10 tomorrow
        (date(2016, 11, 25), date(2026, 11, 25), 10),  # turns 10 today
        (date(1950, 4, 1), date(2026, 11, 25), 70),
        (date(1936, 11, 25), date(2026, 11, 25), 90),
        (date(1920, 1, 1), date(2026, 11, 25), 90),  # 106: the top band is "90 and over"
        (date(2008, 2, 29), date(2028, 2, 28), 10),  # leap-day birthday: 19 until 1 March
        (date(2008, 2, 29), date(2028, 2, 29), 20),
    ],
)
def test_age_band(born: date, on: date, band: int) -> None:
    assert model.age_band(born, on) == band
