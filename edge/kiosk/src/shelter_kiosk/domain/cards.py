"""Decoding the card faces of Japanese ID cards (pure; no I/O).

Layouts from the public references collected in shared/reference/cards.md: the My Number
card's card-face input support application (券面事項入力補助AP, EF 0002, checked against the
published test vector) and the driving licence's DF1/EF01 tag records (IC card licence
specification v009). Not yet verified on a physical card: marked where it matters.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from shelter_contracts.kiosk import CardFace, CardKind
from shelter_contracts.personal import Sex

IDEOGRAPHIC_SPACE = "\u3000"


class CardError(Exception):
    """A card could not be read; `title`/`title_ja` are safe to show on the kiosk screen."""

    slug = "card-error"
    title = "The card could not be read. Place it again."
    title_ja = "カードを読み取れませんでした。もう一度置いてください。"


class GarbledCardError(CardError):
    slug = "card-garbled"
    title = "The card answered with unexpected data. Please go to the desk."
    title_ja = "カードの内容を読み取れませんでした。受付にお越しください。"


class UnknownCardError(CardError):
    slug = "card-unknown"
    title = "This card is not supported. Use a My Number card or a driving licence."
    title_ja = "このカードには対応していません。マイナンバーカードか運転免許証をお使いください。"


class WrongPinError(CardError):
    slug = "pin-wrong"

    def __init__(self, tries_left: int) -> None:
        super().__init__(tries_left)
        self.tries_left = tries_left
        self.title = f"Wrong PIN. {tries_left} tries left."
        self.title_ja = f"暗証番号が違います。残り{tries_left}回です。"


class CardBlockedError(CardError):
    slug = "card-blocked"
    title = "This card's PIN is locked. Please go to the desk (the city office can unlock it)."
    title_ja = "暗証番号がロックされています。受付にお越しください（解除は市区町村窓口です）。"


class CardRemovedError(CardError):
    slug = "card-removed"
    title = "The card was removed while reading. Place it again and leave it until done."
    title_ja = "読み取り中にカードが離れました。終わるまでカードを置いたままにしてください。"


class NoCardError(CardError):
    slug = "card-absent"
    title = "No card was placed in time."
    title_ja = "カードが置かれませんでした。"


class ReaderUnavailableError(CardError):
    slug = "reader-unavailable"
    title = "The card reader is not connected. Please call staff."
    title_ja = "カードリーダーが接続されていません。係員をお呼びください。"


class Era(StrEnum):
    """Japanese eras (元号) as the licence codes them (one digit), with their first day."""

    MEIJI = "1"
    TAISHO = "2"
    SHOWA = "3"
    HEISEI = "4"
    REIWA = "5"


ERA_STARTS: dict[Era, date] = {
    Era.MEIJI: date(1868, 1, 25),
    Era.TAISHO: date(1912, 7, 30),
    Era.SHOWA: date(1926, 12, 25),
    Era.HEISEI: date(1989, 1, 8),
    Era.REIWA: date(2019, 5, 1),
}


def era_date(code: str) -> date:
    """An era date as the licence stores it: era digit + YYMMDD (e.g. `3550217` = S55.2.17)."""
    if len(code) != 7 or not code.isascii() or not code.isdigit():
        raise GarbledCardError
    try:
        era = Era(code[0])
        year = ERA_STARTS[era].year + int(code[1:3]) - 1
        return date(year, int(code[3:5]), int(code[5:7]))
    except ValueError as exc:
        raise GarbledCardError from exc


def to_era(day: date) -> tuple[Era, int]:
    """The era and era year of a Gregorian date (for verification number B on 和暦 cards)."""
    for era in reversed(Era):
        if day >= ERA_STARTS[era]:
            return era, day.year - ERA_STARTS[era].year + 1
    raise ValueError("before the Meiji era")


def verification_number_b(birth: date, expiry_year: int, security_code: str, *, era: bool) -> str:
    """照合番号B: birth date YYMMDD as printed (era or Western) + expiry year + 4-digit code."""
    yy = to_era(birth)[1] if era else birth.year % 100
    number = f"{yy:02d}{birth.month:02d}{birth.day:02d}{expiry_year:04d}{security_code}"
    if len(number) != 14 or not number.isdigit():
        raise ValueError("verification number B is 14 digits")
    return number


def parse_ber_length(data: bytes, at: int) -> tuple[int, int]:
    """A BER length at `at`: (length, offset of the value). Long form up to 3 bytes."""
    if at >= len(data):
        raise GarbledCardError
    first = data[at]
    if first < 0x80:
        return first, at + 1
    count = first & 0x7F
    if count == 0 or count > 3 or at + 1 + count > len(data):
        raise GarbledCardError
    return int.from_bytes(data[at + 1 : at + 1 + count], "big"), at + 1 + count


def ber_header_length(header: bytes) -> int:
    """Total length of a TLV (tag FF20 expected) from its first bytes."""
    if len(header) < 3 or header[:2] != b"\xff\x20":
        raise GarbledCardError
    length, start = parse_ber_length(header, 2)
    return start + length


def _ber_fields(data: bytes) -> dict[int, bytes]:
    """The two-byte-tag fields inside the FF20 template of EF 0002."""
    total = ber_header_length(data)
    if total > len(data):
        raise GarbledCardError
    _, at = parse_ber_length(data, 2)
    fields: dict[int, bytes] = {}
    while at < total:
        if at + 2 > total:
            raise GarbledCardError
        tag = int.from_bytes(data[at : at + 2], "big")
        length, start = parse_ber_length(data, at + 2)
        if start + length > total:
            raise GarbledCardError
        fields[tag] = data[start : start + length]
        at = start + length
    return fields


def _utf8(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GarbledCardError from exc


def _split_name(full: str) -> tuple[str, str]:
    family, sep, given = full.strip().partition(IDEOGRAPHIC_SPACE)
    if not sep:
        family, sep, given = full.strip().partition(" ")
    # A name without a separator (some foreign residents) is kept whole as the family name.
    return family.strip(), (given.strip() or "-")


_SEX = {"1": Sex.MALE, "2": Sex.FEMALE, "9": Sex.OTHER, "0": Sex.OTHER}


def decode_my_number_basic_four(data: bytes) -> CardFace:
    """EF 0002 of the card-face input support AP: name, address, birth date, sex (基本4情報)."""
    fields = _ber_fields(data)
    try:
        name, address = _utf8(fields[0xDF22]), _utf8(fields[0xDF23])
        raw_birth, raw_sex = fields[0xDF24].decode("ascii"), fields[0xDF25].decode("ascii")
    except (KeyError, UnicodeDecodeError) as exc:
        raise GarbledCardError from exc
    if len(raw_birth) != 8 or not raw_birth.isdigit() or raw_sex not in _SEX:
        raise GarbledCardError
    family, given = _split_name(name)
    try:
        birth = date(int(raw_birth[:4]), int(raw_birth[4:6]), int(raw_birth[6:]))
        return CardFace(
            family_name=family, given_name=given, address=address,
            date_of_birth=birth, sex=_SEX[raw_sex],
        )  # fmt: skip
    except ValueError as exc:
        raise GarbledCardError from exc


LICENCE_NAME, LICENCE_KANA, LICENCE_BIRTH, LICENCE_ADDRESS = 0x12, 0x13, 0x16, 0x17


def licence_records(data: bytes) -> dict[int, bytes]:
    """DF1/EF01 of a driving licence: 1-byte tag + 1-byte length records, then filler."""
    records: dict[int, bytes] = {}
    at = 0
    while at + 2 <= len(data):
        tag, length = data[at], data[at + 1]
        if tag in (0x00, 0xFF):  # filler after the last record
            break
        if at + 2 + length > len(data):
            raise GarbledCardError
        records[tag] = data[at + 2 : at + 2 + length]
        at += 2 + length
    return records


def jis_x0208(raw: bytes) -> str:
    """Raw two-byte JIS X 0208 (no escape sequences), as the licence stores its text."""
    if len(raw) % 2:
        raise GarbledCardError
    try:
        return (b"\x1b$B" + raw + b"\x1b(B").decode("iso2022_jp").strip(IDEOGRAPHIC_SPACE)
    except UnicodeDecodeError as exc:
        raise GarbledCardError from exc


def decode_licence(data: bytes) -> CardFace:
    """Name, kana reading, address and birth date of a driving licence (no sex on it)."""
    records = licence_records(data)
    try:
        name = jis_x0208(records[LICENCE_NAME])
        address = jis_x0208(records[LICENCE_ADDRESS])
        birth = era_date(records[LICENCE_BIRTH].decode("ascii"))
    except (KeyError, UnicodeDecodeError) as exc:
        raise GarbledCardError from exc
    kana = jis_x0208(records[LICENCE_KANA]) if LICENCE_KANA in records else None
    family, given = _split_name(name)
    try:
        return CardFace(
            family_name=family, given_name=given, name_kana=kana or None,
            address=address, date_of_birth=birth, sex=None,
        )  # fmt: skip
    except ValueError as exc:
        raise GarbledCardError from exc


@dataclass(frozen=True, slots=True)
class CardFacts:
    """A card read: which card and its face."""

    card: CardKind
    face: CardFace
