"""Cards read through the real PC/SC stack: pcscd + vsmartcard-vpcd + virtual cards (S6.5, S9)."""

from __future__ import annotations

import subprocess
from datetime import date

import pytest

from shelter_contracts.kiosk import CardKind
from shelter_contracts.personal import Sex
from shelter_kiosk.adapters.pcsc import PcscCardReader
from shelter_kiosk.domain import cards
from shelter_kiosk.service_layer.reading import Secret, SecretKind, read_card
from shelter_kiosk.simulator.cards import (
    DrivingLicenceCard,
    GarbageCard,
    MyNumberCard,
    UnknownCard,
    licence_ef01,
)
from shelter_kiosk.simulator.pcscd import READER_NAME
from shelter_kiosk.simulator.vpcd import InsertedCard

PIN = Secret(SecretKind.PIN, "1234")


def _read(reader: PcscCardReader, secret: Secret = PIN) -> cards.CardFacts:
    return reader.with_card(lambda channel: read_card(channel, secret))


def test_my_number_test_vector_with_the_pin(reader: PcscCardReader, pcscd: int) -> None:
    card = MyNumberCard(pin="1234")
    with InsertedCard(card, pcscd):
        facts = _read(reader)
    assert facts.card is CardKind.MY_NUMBER
    face = facts.face
    assert (face.family_name, face.given_name) == ("黒桐", "幹也")
    assert face.address == "東京都清瀬市観布子南１２－７－２０２"
    assert face.date_of_birth == date(1980, 2, 17)
    assert face.sex is Sex.MALE
    # The Individual Number (EF 0001) is never selected, let alone read.
    assert not any(apdu.startswith(bytes.fromhex("00A4020C020001")) for apdu in card.log)


def test_my_number_with_verification_number_b(reader: PcscCardReader, pcscd: int) -> None:
    card = MyNumberCard(verification_b=cards.verification_number_b(
        date(1980, 2, 17), 2035, "2285", era=True))  # fmt: skip
    assert card.verification_b == "55021720352285"  # 昭和55年 as in cards.md
    with InsertedCard(card, pcscd):
        facts = _read(reader, Secret(SecretKind.VERIFICATION_B, card.verification_b))
    assert facts.face.family_name == "黒桐"


def test_wrong_pin_reports_the_tries_left(reader: PcscCardReader, pcscd: int) -> None:
    card = MyNumberCard(pin="1234")
    with InsertedCard(card, pcscd), pytest.raises(cards.WrongPinError) as first:
        _read(reader, Secret(SecretKind.PIN, "0000"))
    assert first.value.tries_left == 2
    assert "残り2回" in first.value.title_ja
    with InsertedCard(card, pcscd), pytest.raises(cards.WrongPinError) as second:
        _read(reader, Secret(SecretKind.PIN, "9999"))
    assert second.value.tries_left == 1
    with InsertedCard(card, pcscd):
        assert _read(reader).face.given_name == "幹也"  # the right PIN resets the counter
    assert card.pin_tries == 3


def test_a_blocked_card_is_refused_without_spending_a_try(
    reader: PcscCardReader, pcscd: int
) -> None:
    card = MyNumberCard(pin="1234", pin_tries=1)
    with InsertedCard(card, pcscd), pytest.raises(cards.CardBlockedError):
        _read(reader, Secret(SecretKind.PIN, "0000"))  # the last try: now blocked
    sent_before = len(card.log)
    with InsertedCard(card, pcscd), pytest.raises(cards.CardBlockedError):
        _read(reader)  # even the right PIN: the card is locked
    verifies = [a for a in card.log[sent_before:] if a[:2] == b"\x00\x20" and len(a) > 4]
    assert verifies == []  # only the tries-left query was sent


def test_driving_licence_from_the_tag_layout(reader: PcscCardReader, pcscd: int) -> None:
    card = DrivingLicenceCard(
        pin1="4321",
        ef01=licence_ef01("山田　太郎", "ヤマダ　タロウ", "3550217", "東京都千代田区千代田１−１"),
    )
    with InsertedCard(card, pcscd):
        facts = _read(reader, Secret(SecretKind.PIN, "4321"))
    assert facts.card is CardKind.DRIVING_LICENCE
    face = facts.face
    assert (face.family_name, face.given_name, face.name_kana) == ("山田", "太郎", "ヤマダ　タロウ")
    assert face.address == "東京都千代田区千代田１−１"
    assert face.date_of_birth == date(1980, 2, 17)  # 昭和55年2月17日
    assert face.sex is None  # a licence carries no sex
    # The licence number (tag 21) is in EF01 but never leaves the decoder.
    assert "123456789012" not in face.model_dump_json()


def test_licence_wrong_pin(reader: PcscCardReader, pcscd: int) -> None:
    card = DrivingLicenceCard(
        pin1="4321", ef01=licence_ef01("山田　太郎", "ヤマダ", "4010101", "東京")
    )
    with InsertedCard(card, pcscd), pytest.raises(cards.WrongPinError) as wrong:
        _read(reader, Secret(SecretKind.PIN, "1111"))
    assert wrong.value.tries_left == 2


def test_unknown_card(reader: PcscCardReader, pcscd: int) -> None:
    with InsertedCard(UnknownCard(), pcscd), pytest.raises(cards.UnknownCardError):
        _read(reader)


@pytest.mark.parametrize("short", [False, True])
def test_garbage_responses(reader: PcscCardReader, pcscd: int, short: bool) -> None:
    with InsertedCard(GarbageCard(short_answers=short), pcscd), pytest.raises(cards.CardError):
        _read(reader)


@pytest.mark.parametrize("after", [1, 3, 6])
def test_card_removed_mid_read(reader: PcscCardReader, pcscd: int, after: int) -> None:
    card = MyNumberCard()
    with InsertedCard(card, pcscd, remove_after_apdus=after), pytest.raises(cards.CardError) as e:
        _read(reader)
    assert isinstance(e.value, cards.CardRemovedError | cards.NoCardError)


def test_no_card_placed_times_out_cleanly(pcscd: int) -> None:
    reader = PcscCardReader(READER_NAME.replace("00 00", "00 01"), wait_seconds=0.5)
    with pytest.raises(cards.NoCardError):
        _read(reader)


def test_unplugged_reader(pcscd: int) -> None:
    assert not PcscCardReader("USB reader that is not there").reader_ready()
    with pytest.raises(cards.ReaderUnavailableError):
        _read(PcscCardReader("USB reader that is not there"))


def test_reader_service_down_is_a_clear_error(pcscd: int) -> None:
    # pcscd still runs for the other tests; point the client library at a socket with no server.
    script = (
        "from shelter_kiosk.adapters.pcsc import PcscCardReader\n"
        "from shelter_kiosk.domain.cards import ReaderUnavailableError\n"
        "try:\n    PcscCardReader().with_card(lambda c: None)\n"
        "except ReaderUnavailableError:\n    print('unavailable')\n"
    )
    out = subprocess.run(  # noqa: S603
        ["python", "-c", script],  # noqa: S607
        env={"PCSCLITE_CSOCK_NAME": "/nonexistent/pcscd.comm", "PATH": "/work/main/.venv/bin"},
        capture_output=True, timeout=60, check=False,
    )  # fmt: skip
    assert out.stdout.decode().strip() == "unavailable", out.stderr.decode()[-500:]
