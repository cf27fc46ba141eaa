"""Reading a card: the APDU sequences of each card, status words turned into clear errors.

Runs in a worker thread (PC/SC calls block). The Individual Number (EF 0001) and the licence
number are never selected or read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shelter_contracts.kiosk import CardKind
from shelter_kiosk.domain import cards
from shelter_kiosk.service_layer.ports import CardChannel

OK = (0x90, 0x00)
MY_NUMBER_AID = bytes.fromhex("D3921000310001010408")
LICENCE_DF1_AID = bytes.fromhex("A0000002310100000000000000000000")
CHUNK = 0xF0


class SecretKind(StrEnum):
    PIN = "pin"  # 4 digits (My Number card AP PIN, or the licence's PIN1)
    VERIFICATION_B = "verification_b"  # 照合番号B, 14 digits (My Number card only)


@dataclass(frozen=True, slots=True)
class Secret:
    """What the evacuee typed on the keypad; never logged, never stored."""

    kind: SecretKind
    digits: str

    def __post_init__(self) -> None:
        wanted = 4 if self.kind is SecretKind.PIN else 14
        if len(self.digits) != wanted or not self.digits.isascii() or not self.digits.isdigit():
            raise ValueError(f"{self.kind.value} must be {wanted} digits")

    def __repr__(self) -> str:
        return f"Secret({self.kind.value}, ****)"


def _apdu(header: str, data: bytes = b"") -> bytes:
    body = bytes([len(data)]) + data if data else b""
    return bytes.fromhex(header) + body


def _select_ef(channel: CardChannel, fid: str) -> None:
    _, sw1, sw2 = channel.transmit(_apdu("00A4020C", bytes.fromhex(fid)))
    if (sw1, sw2) != OK:
        raise cards.GarbledCardError


def _verify(channel: CardChannel, p2: int, digits: str) -> None:
    """Check the tries left without spending one, then verify."""
    header = f"002000{p2:02X}"
    _, sw1, sw2 = channel.transmit(_apdu(header))
    if (sw1, sw2) in ((0x69, 0x83), (0x69, 0x84)) or (sw1 == 0x63 and sw2 == 0xC0):
        raise cards.CardBlockedError
    _, sw1, sw2 = channel.transmit(_apdu(header, digits.encode("ascii")))
    if (sw1, sw2) == OK:
        return
    if sw1 == 0x63 and sw2 & 0xF0 == 0xC0:
        left = sw2 & 0x0F
        raise cards.CardBlockedError if left == 0 else cards.WrongPinError(left)
    if (sw1, sw2) in ((0x69, 0x83), (0x69, 0x84)):
        raise cards.CardBlockedError
    raise cards.GarbledCardError


def _read_binary(channel: CardChannel, length: int | None) -> bytes:
    """Read the selected EF: `length` bytes, or until the card says the file ended."""
    out = b""
    while length is None or len(out) < length:
        want = CHUNK if length is None else min(CHUNK, length - len(out))
        if len(out) > 0x7FFF:
            raise cards.GarbledCardError
        data, sw1, sw2 = channel.transmit(_apdu(f"00B0{len(out):04X}") + bytes([want]))
        if (sw1, sw2) in ((0x6B, 0x00), (0x6A, 0x82)) and length is None and out:
            break  # past the end of the file
        if (sw1, sw2) not in (OK, (0x62, 0x82)) or len(data) > want:
            raise cards.GarbledCardError
        out += data
        if len(data) < want or (sw1, sw2) == (0x62, 0x82):
            if length is not None and len(out) < length:
                raise cards.GarbledCardError
            break
    return out


def _select_application(channel: CardChannel, aid: bytes) -> bool:
    _, sw1, sw2 = channel.transmit(_apdu("00A4040C", aid))
    return (sw1, sw2) == OK


def read_my_number(channel: CardChannel, secret: Secret) -> cards.CardFacts:
    """The basic four facts via the AP's PIN (EF 0011) or verification number B (EF 0015)."""
    if secret.kind is SecretKind.PIN:
        _select_ef(channel, "0011")
    else:
        _select_ef(channel, "0015")
    _verify(channel, 0x80, secret.digits)
    _select_ef(channel, "0002")
    header = _read_binary(channel, 7)
    total = cards.ber_header_length(header)
    data = header + _read_binary_from(channel, 7, total - 7)
    return cards.CardFacts(CardKind.MY_NUMBER, cards.decode_my_number_basic_four(data))


def _read_binary_from(channel: CardChannel, offset: int, length: int) -> bytes:
    out = b""
    while len(out) < length:
        want = min(CHUNK, length - len(out))
        data, sw1, sw2 = channel.transmit(_apdu(f"00B0{offset + len(out):04X}") + bytes([want]))
        if (sw1, sw2) != OK or len(data) != want:
            raise cards.GarbledCardError
        out += data
    return out


def read_licence(channel: CardChannel, secret: Secret) -> cards.CardFacts:
    """Name, kana, address, birth date of a driving licence, after PIN1 (at MF level)."""
    if secret.kind is not SecretKind.PIN:
        raise cards.UnknownCardError  # verification number B exists only on My Number cards
    _, sw1, sw2 = channel.transmit(bytes.fromhex("00A40000"))  # back to the MF
    if (sw1, sw2) != OK:
        raise cards.GarbledCardError
    _verify(channel, 0x81, secret.digits)
    if not _select_application(channel, LICENCE_DF1_AID):
        raise cards.GarbledCardError
    _select_ef(channel, "0001")
    return cards.CardFacts(
        CardKind.DRIVING_LICENCE, cards.decode_licence(_read_binary(channel, None))
    )


def read_card(channel: CardChannel, secret: Secret) -> cards.CardFacts:
    """Whichever supported card is on the reader."""
    if _select_application(channel, MY_NUMBER_AID):
        return read_my_number(channel, secret)
    if _select_application(channel, LICENCE_DF1_AID):
        return read_licence(channel, secret)
    raise cards.UnknownCardError
