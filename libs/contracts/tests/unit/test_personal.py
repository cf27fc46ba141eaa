"""Personal data is checked on the way in and lives in one nested model only."""

from __future__ import annotations

import typing
from typing import Any

import pytest
from pydantic import ValidationError

from shelter_contracts.events import EvacueeCheckedIn, EvacueeCheckedOut
from shelter_contracts.personal import EvacueePersonal, Sex

#: Parts of a field name that would mean it holds a person's identity or contacts.
STATISTICAL_COPIES = {"sex"}
PERSONAL_WORDS = ("name", "kana", "address", "birth", "dob", "phone", "tel", "mail", "sex")


def _personal(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "family_name": "山田",
        "given_name": "花子",
        "address": "東京都千代田区千代田1-1",
        "date_of_birth": "1950-04-01",
        "sex": "female",
    }
    fields.update(overrides)
    return fields


def test_the_minimal_personal_data_is_accepted_and_stripped() -> None:
    person = EvacueePersonal.model_validate(_personal(family_name="  山田 "))
    assert person.family_name == "山田"
    assert person.sex is Sex.FEMALE
    assert person.phone is None
    assert person.email is None


@pytest.mark.parametrize("field", ["family_name", "given_name", "address"])
@pytest.mark.parametrize("value", ["", "   ", "\u3000"])
def test_names_and_address_may_not_be_empty(field: str, value: str) -> None:
    with pytest.raises(ValidationError, match=field):
        EvacueePersonal.model_validate(_personal(**{field: value}))


@pytest.mark.parametrize("field", ["family_name", "given_name", "address", "date_of_birth", "sex"])
def test_required_personal_fields_are_required(field: str) -> None:
    data = _personal()
    del data[field]
    with pytest.raises(ValidationError, match=field):
        EvacueePersonal.model_validate(data)


def test_names_have_a_maximum_length() -> None:
    assert EvacueePersonal.model_validate(_personal(family_name="山" * 100))
    with pytest.raises(ValidationError, match="family_name"):
        EvacueePersonal.model_validate(_personal(family_name="山" * 101))


@pytest.mark.parametrize("phone", ["090-1234-5678", "+81-90-1234-5678", "0312345678"])
def test_phone_numbers_are_accepted(phone: str) -> None:
    assert EvacueePersonal.model_validate(_personal(phone=phone)).phone == phone


@pytest.mark.parametrize(
    "phone", ["", "12345", "090 1234 5678", "abc-defg-hijk", "+81-90-1234-5678-00000", "++81123456"]
)
def test_bad_phone_numbers_are_refused(phone: str) -> None:
    with pytest.raises(ValidationError, match="phone"):
        EvacueePersonal.model_validate(_personal(phone=phone))


def test_an_email_address_is_accepted() -> None:
    person = EvacueePersonal.model_validate(_personal(email="hanako@example.jp"))
    assert person.email == "hanako@example.jp"


@pytest.mark.parametrize("email", ["", "hanako", "hanako@", "@example.jp", "a b@example.jp"])
def test_bad_email_addresses_are_refused(email: str) -> None:
    with pytest.raises(ValidationError, match="email"):
        EvacueePersonal.model_validate(_personal(email=email))


def test_an_unknown_sex_is_refused() -> None:
    with pytest.raises(ValidationError, match="sex"):
        EvacueePersonal.model_validate(_personal(sex="unknown"))


def test_extra_fields_are_refused() -> None:
    with pytest.raises(ValidationError, match="blood_type"):
        EvacueePersonal.model_validate(_personal(blood_type="A"))


def test_a_check_in_keeps_personal_data_in_one_nested_model() -> None:
    hints = typing.get_type_hints(EvacueeCheckedIn)
    holders = [name for name, hint in hints.items() if hint is EvacueePersonal]
    assert holders == ["personal"]


@pytest.mark.parametrize("event_type", [EvacueeCheckedIn, EvacueeCheckedOut])
def test_no_field_outside_personal_can_hold_identity_or_contacts(event_type: type[Any]) -> None:
    # `sex` is copied out of `personal` on purpose: statistics count it (S14, NGSI-LD
    # evacueeFemale/evacueeMale) and must still work once `personal` is sealed.
    outside = set(event_type.model_fields) - {"personal"} - STATISTICAL_COPIES
    assert outside, "the event has envelope fields"
    for field in outside:
        assert not any(word in field for word in PERSONAL_WORDS), field
    # The personal facts themselves are only reachable through `personal`.
    assert not outside & set(EvacueePersonal.model_fields)


def test_the_personal_model_holds_every_identity_field() -> None:
    fields = set(EvacueePersonal.model_fields)
    assert {"family_name", "given_name", "address", "date_of_birth", "phone", "email"} <= fields
    for field in fields:
        assert any(word in field for word in PERSONAL_WORDS), field
