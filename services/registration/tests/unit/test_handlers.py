"""The check-in rules (S12, S16.2) against fakes of the ports."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from shelter_contracts.events import Channel, EvacueeCheckedIn, EvacueeCheckedOut
from shelter_contracts.personal import EvacueePersonal
from shelter_registration.domain import model
from shelter_registration.domain.commands import CheckIn, CheckOut, RegisterShelter
from shelter_registration.service_layer import handlers
from shelter_registration.service_layer.handlers import Dependencies


async def _shelter(deps: Dependencies, shelter_id: str = "13101-0001") -> model.Shelter:
    return await handlers.register_shelter(
        RegisterShelter(shelter_id=shelter_id, name="千代田小学校", capacity=200), deps
    )


async def test_check_in_stores_the_stay_and_delivers_its_event(
    deps: Dependencies, hanako: EvacueePersonal
) -> None:
    await _shelter(deps)
    event = await handlers.check_in(
        CheckIn(
            shelter_id="13101-0001",
            channel=Channel.SMARTPHONE,
            personal=hanako,
            statuses=("要介護",),
            message="卵アレルギー",
            consent=True,
        ),
        deps,
    )
    assert isinstance(event, EvacueeCheckedIn)
    assert event.shelter_id == "13101-0001"
    assert event.personal == hanako
    assert event.age_band == 70  # born 1950-04-01, checked in 2026-11-25: 76 years old
    assert event.statuses == ("要介護",)
    assert event.checked_in_at == deps.clock.now()
    stay = await deps.stays.get(event.stay_id)
    assert stay is not None and stay.checked_out_at is None
    assert deps.stays.events == [event]  # type: ignore[attr-defined]
    assert ("stays", event.stay_id) in deps.dispatcher.delivered  # type: ignore[attr-defined]


async def test_registering_a_shelter_announces_it(deps: Dependencies) -> None:
    shelter = await _shelter(deps)
    (event,) = deps.shelters.events  # type: ignore[attr-defined]
    assert (event.shelter_id, event.shelter.name, event.shelter.capacity) == (
        shelter.shelter_id,
        "千代田小学校",
        200,
    )
    with pytest.raises(model.ShelterAlreadyExistsError):
        await _shelter(deps)


async def test_unknown_shelter_is_refused(deps: Dependencies, hanako: EvacueePersonal) -> None:
    with pytest.raises(model.UnknownShelterError):
        await handlers.check_in(
            CheckIn(shelter_id="nowhere", channel=Channel.STAFF, personal=hanako), deps
        )
    assert deps.stays.events == []  # type: ignore[attr-defined]


async def test_closed_shelter_is_refused(deps: Dependencies, hanako: EvacueePersonal) -> None:
    deps.shelters.by_id["closed-1"] = model.Shelter("closed-1", "閉鎖中", 10, is_open=False)  # type: ignore[attr-defined]
    with pytest.raises(model.ShelterClosedError):
        await handlers.check_in(
            CheckIn(shelter_id="closed-1", channel=Channel.STAFF, personal=hanako), deps
        )


async def test_smartphone_needs_consent_but_staff_proxy_does_not(
    deps: Dependencies, hanako: EvacueePersonal
) -> None:
    await _shelter(deps)
    with pytest.raises(model.ConsentRequiredError):
        await handlers.check_in(
            CheckIn(shelter_id="13101-0001", channel=Channel.SMARTPHONE, personal=hanako), deps
        )
    event = await handlers.check_in(
        CheckIn(shelter_id="13101-0001", channel=Channel.STAFF, personal=hanako), deps
    )
    assert event.channel is Channel.STAFF


async def test_check_out_once(deps: Dependencies, hanako: EvacueePersonal) -> None:
    await _shelter(deps)
    checked_in = await handlers.check_in(
        CheckIn(shelter_id="13101-0001", channel=Channel.STAFF, personal=hanako), deps
    )
    out = CheckOut(
        shelter_id="13101-0001", stay_id=checked_in.stay_id, channel=Channel.STAFF, forced=True
    )
    event = await handlers.check_out(out, deps)
    assert isinstance(event, EvacueeCheckedOut)
    assert event.forced is True and event.stay_id == checked_in.stay_id
    with pytest.raises(model.AlreadyCheckedOutError):
        await handlers.check_out(out, deps)


async def test_check_out_of_another_shelters_stay_is_unknown(
    deps: Dependencies, hanako: EvacueePersonal
) -> None:
    await _shelter(deps)
    await _shelter(deps, "13101-0002")
    checked_in = await handlers.check_in(
        CheckIn(shelter_id="13101-0001", channel=Channel.STAFF, personal=hanako), deps
    )
    for shelter_id, stay_id in (("13101-0002", checked_in.stay_id), ("13101-0001", uuid4())):
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
