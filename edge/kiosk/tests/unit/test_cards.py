"""Decoding card faces (pure): the My Number test vector, licence records, era dates."""

from __future__ import annotations

from datetime import date

import pytest

from shelter_contracts.personal import Sex
from shelter_kiosk.domain import cards
from shelter_kiosk.simulator.cards import MY_NUMBER_TEST_VECTOR, jis, licence_ef01


def test_my_number_test_vector() -> None:
    face = cards.decode_my_number_basic_four(MY_NUMBER_TEST_VECTOR + b"\xff" * 20)
    assert (face.family_name, face.given_name) == ("黒桐", "幹也")
    assert face.address == "東京都清瀬市観布子南１２－７－２０２"
    assert face.date_of_birth == date(1980, 2, 17)
    assert face.sex is Sex.MALE


def test_ber_long_form_length() -> None:
    assert cards.parse_ber_length(b"\x81\xc8", 0) == (200, 2)
    assert cards.parse_ber_length(b"\x82\x01\x00", 0) == (256, 3)
    assert cards.ber_header_length(b"\xff\x20\x81\xc8\x00\x00\x00") == 204


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"\x00\x00\x00",
        MY_NUMBER_TEST_VECTOR[:50],
        MY_NUMBER_TEST_VECTOR.replace(b"\xdf\x24\x0819800217", b"\xdf\x24\x0819801317"),
        MY_NUMBER_TEST_VECTOR.replace(b"\xdf\x25\x01\x31", b"\xdf\x25\x01\x37"),
        b"\xff\x20\x84\x00\x00\x00\x01",
    ],
)
def test_garbled_my_number_data_is_a_clear_error(data: bytes) -> None:
    with pytest.raises(cards.GarbledCardError):
        cards.decode_my_number_basic_four(data)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("3550217", date(1980, 2, 17)),  # 昭和55年
        ("4010108", date(1989, 1, 8)),  # 平成元年
        ("5010501", date(2019, 5, 1)),  # 令和元年
        ("2150101", date(1926, 1, 1)),  # 大正15年
    ],
)
def test_era_dates(code: str, expected: date) -> None:
    assert cards.era_date(code) == expected


@pytest.mark.parametrize("code", ["9550217", "35502", "3551317", "abcdefg"])
def test_bad_era_dates(code: str) -> None:
    with pytest.raises(cards.GarbledCardError):
        cards.era_date(code)


def test_verification_number_b_in_either_calendar() -> None:
    birth = date(1980, 2, 17)
    assert cards.verification_number_b(birth, 2035, "2285", era=True) == "55021720352285"
    assert cards.verification_number_b(birth, 2035, "2285", era=False) == "80021720352285"


def test_licence_records_in_jis_x0208() -> None:
    data = licence_ef01("山田　太郎", "ヤマダ　タロウ", "4020304", "大阪府大阪市北区１−２")
    face = cards.decode_licence(data)
    assert (face.family_name, face.given_name) == ("山田", "太郎")
    assert face.name_kana == "ヤマダ　タロウ"
    assert face.address == "大阪府大阪市北区１−２"
    assert face.date_of_birth == date(1990, 3, 4)
    assert face.sex is None


def test_licence_without_a_name_is_garbled() -> None:
    data = bytes([0x16, 7]) + b"3550217" + bytes([0x17, 2]) + jis("東")
    with pytest.raises(cards.GarbledCardError):
        cards.decode_licence(data)


def test_odd_length_jis_is_garbled() -> None:
    with pytest.raises(cards.GarbledCardError):
        cards.jis_x0208(b"\x30\x21\x30")
