"""Virtual cards answering APDUs as the published layouts describe (shared/reference/cards.md).

They follow the public descriptions, not a real card's every quirk: enough to drive the
kiosk's reader through the real PC/SC stack (pcscd + vsmartcard-vpcd).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

OK = b"\x90\x00"
NOT_FOUND = b"\x6a\x82"
SECURITY = b"\x69\x82"
BLOCKED = b"\x69\x84"
WRONG_OFFSET = b"\x6b\x00"
INS_NOT_SUPPORTED = b"\x6d\x00"

MY_NUMBER_AID = bytes.fromhex("D3921000310001010408")
LICENCE_DF1_AID = bytes.fromhex("A0000002310100000000000000000000")
DEFAULT_ATR = bytes.fromhex("3B8880010000000000000000000009")

#: The My Number card-face AP's EF 0002 of a synthetic JPKI test person (cards.md).
MY_NUMBER_TEST_VECTOR = bytes.fromhex(
    "ff2065df2108000e002000590064df220fe9bb92e6a190e38080e5b9b9e4b99fdf2336e69db1e4baace983bde6"
    "b885e780ace5b882e8a6b3e5b883e5ad90e58d97efbc91efbc92efbc8defbc97efbc8defbc92efbc90efbc92df"
    "24083139383030323137df250131"
)


def _tries(n: int) -> bytes:
    return bytes([0x63, 0xC0 | n])


@dataclass
class VirtualCard:
    """Base: records every APDU it was sent (so a test can prove what was never read)."""

    atr: bytes = DEFAULT_ATR
    log: list[bytes] = field(default_factory=list)

    def respond(self, apdu: bytes) -> bytes:
        self.log.append(apdu)
        return self.answer(apdu)

    def answer(self, apdu: bytes) -> bytes:
        return INS_NOT_SUPPORTED


def _read(data: bytes, apdu: bytes) -> bytes:
    offset = int.from_bytes(apdu[2:4], "big")
    length = apdu[4] if len(apdu) > 4 and apdu[4] else 256
    if offset > len(data):
        return WRONG_OFFSET
    chunk = data[offset : offset + length]
    return chunk + (OK if len(chunk) == length else b"\x62\x82")


@dataclass
class MyNumberCard(VirtualCard):
    """The card-face input support AP: PIN (EF 0011) or verification number B (EF 0015)."""

    pin: str = "1234"
    verification_b: str = "55021720352285"
    basic_four: bytes = MY_NUMBER_TEST_VECTOR
    pin_tries: int = 3
    b_tries: int = 10
    _app: bool = False
    _ef: str = ""
    _verified: bool = False

    def answer(self, apdu: bytes) -> bytes:
        ins, p1, p2 = apdu[1], apdu[2], apdu[3]
        if ins == 0xA4 and p1 == 0x04:
            self._app = apdu[5 : 5 + apdu[4]] == MY_NUMBER_AID
            self._ef, self._verified = "", False
            return OK if self._app else NOT_FOUND
        if not self._app:
            return NOT_FOUND
        if ins == 0xA4 and p1 == 0x02:
            fid = apdu[5:7].hex().upper()
            if fid not in ("0011", "0015", "0002", "0001"):
                return NOT_FOUND
            self._ef = fid
            return OK
        if ins == 0x20 and p2 == 0x80:
            return self._verify(apdu)
        if ins == 0xB0:
            if self._ef != "0002" or not self._verified:
                return SECURITY
            return _read(self.basic_four, apdu)
        return INS_NOT_SUPPORTED

    def _verify(self, apdu: bytes) -> bytes:
        if self._ef not in ("0011", "0015"):
            return SECURITY
        is_pin = self._ef == "0011"
        tries = self.pin_tries if is_pin else self.b_tries
        if len(apdu) == 4:
            return _tries(tries) if tries else BLOCKED
        if tries == 0:
            return BLOCKED
        given = apdu[5 : 5 + apdu[4]].decode("ascii", "replace")
        if given == (self.pin if is_pin else self.verification_b):
            tries = 3 if is_pin else 10
            self._verified = True
        else:
            tries -= 1
        if is_pin:
            self.pin_tries = tries
        else:
            self.b_tries = tries
        return OK if self._verified else _tries(tries)


def jis(text: str) -> bytes:
    """Raw two-byte JIS X 0208, as a licence stores text (escape sequences removed)."""
    encoded = text.encode("iso2022_jp")
    return encoded.removeprefix(b"\x1b$B").removesuffix(b"\x1b(B")


def licence_ef01(
    name: str, kana: str, era_birth: str, address: str, *, number: str = "123456789012"
) -> bytes:
    """DF1/EF01 from the tag layout: 1-byte tag, 1-byte length, then filler."""
    records = [
        (0x11, b"\x00\x01"),  # JIS X 0208 edition (ignored by the kiosk)
        (0x12, jis(name)),
        (0x13, jis(kana)),
        (0x14, jis("")),
        (0x16, era_birth.encode("ascii")),
        (0x17, jis(address)),
        (0x1B, b"5120101"),
        (0x21, number.encode("ascii")),
    ]
    body = b"".join(bytes([t, len(v)]) + v for t, v in records)
    return body + b"\xff" * (0x370 - len(body))


@dataclass
class DrivingLicenceCard(VirtualCard):
    """PIN1 at MF level, then DF1/EF01 (printed details)."""

    pin1: str = "4321"
    ef01: bytes = b""
    tries: int = 3
    _df1: bool = False
    _ef: str = ""
    _verified: bool = False

    def answer(self, apdu: bytes) -> bytes:
        ins, p1, p2 = apdu[1], apdu[2], apdu[3]
        if ins == 0xA4 and p1 == 0x00:
            self._df1, self._ef = False, ""
            return OK
        if ins == 0xA4 and p1 == 0x04:
            self._df1 = apdu[5 : 5 + apdu[4]] == LICENCE_DF1_AID
            return OK if self._df1 else NOT_FOUND
        if ins == 0xA4 and p1 == 0x02:
            self._ef = apdu[5:7].hex().upper()
            return OK if self._df1 and self._ef == "0001" else NOT_FOUND
        if ins == 0x20 and p2 == 0x81:
            if len(apdu) == 4:
                return _tries(self.tries) if self.tries else BLOCKED
            if self.tries == 0:
                return BLOCKED
            if apdu[5 : 5 + apdu[4]].decode("ascii", "replace") == self.pin1:
                self.tries, self._verified = 3, True
                return OK
            self.tries -= 1
            return _tries(self.tries)
        if ins == 0xB0:
            if not (self._df1 and self._ef == "0001" and self._verified):
                return SECURITY
            return _read(self.ef01, apdu)
        return INS_NOT_SUPPORTED


@dataclass
class UnknownCard(VirtualCard):
    """A card with neither application (a transit IC card, say)."""

    def answer(self, apdu: bytes) -> bytes:
        return NOT_FOUND


@dataclass
class GarbageCard(MyNumberCard):
    """Selects and verifies like a My Number card, then answers reads with noise."""

    short_answers: bool = False

    def answer(self, apdu: bytes) -> bytes:
        if apdu[1] == 0xB0:
            if self.short_answers:
                return b"\x90"  # not even a status word
            return os.urandom(apdu[4] or 16) + OK
        return super().answer(apdu)


def _tlv(tag: bytes, value: bytes) -> bytes:
    n = len(value)
    length = bytes([n]) if n < 0x80 else bytes([0x81, n]) if n < 0x100 else b"\x82" + n.to_bytes(2)
    return tag + length + value


def my_number_ef0002(name: str, address: str, birth_yyyymmdd: str, sex: str) -> bytes:
    """EF 0002 of the card-face AP for any person, in the layout of the test vector."""
    fields = [name.encode(), address.encode(), birth_yyyymmdd.encode(), sex.encode()]
    offsets, at = b"", 0
    for value in fields:  # DF21: offsets of the four fields (not used by the kiosk)
        offsets += at.to_bytes(2, "big")
        at += len(value)
    body = _tlv(b"\xdf\x21", offsets) + b"".join(
        _tlv(tag, value)
        for tag, value in zip(
            (b"\xdf\x22", b"\xdf\x23", b"\xdf\x24", b"\xdf\x25"), fields, strict=True
        )
    )
    return _tlv(b"\xff\x20", body) + b"\xff" * 32
