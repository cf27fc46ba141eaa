"""What the kiosk's handlers need from the outside world."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol, TypeVar

T = TypeVar("T")


class CardChannel(Protocol):
    def transmit(self, apdu: bytes) -> tuple[bytes, int, int]:
        """Send one command APDU; the response data and the two status bytes."""


class CardReader(Protocol):
    def with_card(self, session: Callable[[CardChannel], T]) -> T:
        """Wait for a card, run `session` on it, disconnect; CardError subclasses on failure."""


class Clock(Protocol):
    def now(self) -> datetime: ...
