"""The public search never shows what the disclosure settings hide (S10 admin 7, S16.1).

Property-based over every combination of settings and arbitrary records; names, addresses and
shelter names are drawn from disjoint alphabets so that "the value appears in the answer" can
only mean "the field was disclosed".
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from uuid import uuid4

from hypothesis import given
from hypothesis import strategies as st

from shelter_contracts.events import Channel
from shelter_contracts.personal import EvacueePersonal, Sex
from shelter_roster.domain.disclosure import AgeFormat, DisclosureSettings, public_view
from shelter_roster.domain.model import RosterEntry, age_band, age_on
from shelter_roster.entrypoints.schemas import PublicSearchHit

TODAY = date(2026, 9, 1)

names = st.text(alphabet="あいうえおかきくけこさしすせそアイウエオ", min_size=1, max_size=8)
addresses = st.text(alphabet="東京都千代田区大阪府北", min_size=3, max_size=20)
settings_strategy = st.builds(
    DisclosureSettings,
    name=st.booleans(),
    sex=st.booleans(),
    age=st.booleans(),
    address=st.booleans(),
    age_format=st.sampled_from(AgeFormat),
)
people = st.builds(
    EvacueePersonal,
    family_name=names,
    given_name=names,
    family_name_kana=st.none() | names,
    given_name_kana=st.none() | names,
    address=addresses,
    date_of_birth=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    sex=st.sampled_from(Sex),
    phone=st.none() | st.just("090-1234-5678"),
    email=st.none() | st.just("someone@example.jp"),
)


def roster_entry(person: EvacueePersonal) -> RosterEntry:
    return RosterEntry(
        stay_id=uuid4(),
        shelter_id="13101-0001",
        serial=1,
        channel=Channel.SMARTPHONE,
        household_number=1,
        personal=person,
        age_band=None,
        statuses=("要介護",),
        message="持病あり",
        remarks="職員メモ",
        checked_in_at=datetime(2026, 9, 1, tzinfo=UTC),
        checked_out_at=None,
        forced_check_out=False,
        transferred_from=None,
        transferred_to=None,
        training=False,
    )


@given(settings=settings_strategy, person=people)
def test_the_public_answer_holds_only_what_the_settings_allow(
    settings: DisclosureSettings, person: EvacueePersonal
) -> None:
    hit = public_view(roster_entry(person), "ＸＹＺ避難所", settings, TODAY)
    # What the API sends: the response model, fields not set left out.
    sent = PublicSearchHit.model_validate(hit).model_dump(mode="json", exclude_unset=True)
    text = json.dumps({k: v for k, v in sent.items() if k != "shelter_name"}, ensure_ascii=False)

    allowed = {"shelter_id", "shelter_name"}
    if settings.name:
        allowed |= {"family_name", "given_name", "family_name_kana", "given_name_kana"}
    if settings.sex:
        allowed.add("sex")
    if settings.age:
        allowed.add("age_band" if settings.age_format is AgeFormat.BAND else "age")
    if settings.address:
        allowed.add("address")
    assert set(sent) == allowed

    if not settings.name:
        for value in (person.family_name, person.given_name):
            assert value not in text
    if not settings.sex:
        assert person.sex.value not in text
    if not settings.address:
        assert person.address not in text
    # Never disclosed, whatever the settings: the birth date, contacts, staff and health data.
    for never in (person.date_of_birth.isoformat(), "090-1234", "example.jp", "職員メモ", "持病"):
        assert never not in text
    assert sent["shelter_name"] == "ＸＹＺ避難所"


@given(settings=settings_strategy, person=people)
def test_a_disclosed_field_holds_the_true_value(
    settings: DisclosureSettings, person: EvacueePersonal
) -> None:
    hit = public_view(roster_entry(person), None, settings, TODAY)
    age = age_on(person.date_of_birth, TODAY)
    if settings.name:
        assert (hit["family_name"], hit["given_name"]) == (person.family_name, person.given_name)
    if settings.age and settings.age_format is AgeFormat.YEARS:
        assert hit["age"] == age
    if settings.age and settings.age_format is AgeFormat.BAND:
        assert hit["age_band"] == age_band(age)


def test_age_in_years_counts_the_birthday_and_bands_stop_at_ninety() -> None:
    assert age_on(date(1950, 9, 1), TODAY) == 76
    assert age_on(date(1950, 9, 2), TODAY) == 75
    assert age_on(date(2024, 2, 29), date(2025, 2, 28)) == 0
    assert [age_band(a) for a in (0, 9, 10, 75, 99, 120)] == [0, 0, 10, 70, 90, 90]


def test_the_defaults_disclose_the_name_only() -> None:
    assert DisclosureSettings() == DisclosureSettings(
        name=True, sex=False, age=False, address=False
    )
