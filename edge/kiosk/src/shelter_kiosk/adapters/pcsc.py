"""The card reader through pcscd (PC/SC) with pyscard; every failure becomes a CardError."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from smartcard.CardRequest import CardRequest  # type: ignore[import-untyped]
from smartcard.CardType import AnyCardType  # type: ignore[import-untyped]
from smartcard.Exceptions import (  # type: ignore[import-untyped]
    CardConnectionException,
    CardRequestTimeoutException,
    NoCardException,
    SmartcardException,
)
from smartcard.System import readers as list_readers  # type: ignore[import-untyped]

from shelter_kiosk.domain import cards
from shelter_kiosk.service_layer.ports import CardChannel

T = TypeVar("T")
log = logging.getLogger(__name__)


class _Channel:
    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def transmit(self, apdu: bytes) -> tuple[bytes, int, int]:
        try:
            data, sw1, sw2 = self._connection.transmit(list(apdu))
        except (CardConnectionException, NoCardException) as exc:
            raise cards.CardRemovedError from exc
        except (SmartcardException, TypeError, ValueError) as exc:
            raise cards.GarbledCardError from exc
        return bytes(data), int(sw1), int(sw2)


class PcscCardReader:
    """The first reader whose name starts with `reader_prefix` (empty: any reader)."""

    def __init__(self, reader_prefix: str = "", wait_seconds: float = 10.0) -> None:
        self._prefix = reader_prefix
        self._wait = wait_seconds

    def _reader(self) -> Any:
        try:
            found = [r for r in list_readers() if str(r).startswith(self._prefix)]
        except Exception as exc:  # pcscd down: pyscard raises its own context exceptions
            log.warning("PC/SC service not available")
            raise cards.ReaderUnavailableError from exc
        if not found:
            raise cards.ReaderUnavailableError
        return found[0]

    def reader_ready(self) -> bool:
        try:
            self._reader()
        except cards.ReaderUnavailableError:
            return False
        return True

    def with_card(self, session: Callable[[CardChannel], T]) -> T:
        reader = self._reader()
        try:
            request = CardRequest(timeout=self._wait, cardType=AnyCardType(), readers=[reader])
        except SmartcardException as exc:
            raise cards.ReaderUnavailableError from exc
        try:
            try:
                service = request.waitforcard()
            except CardRequestTimeoutException as exc:
                raise cards.NoCardError from exc
            except SmartcardException as exc:
                raise cards.ReaderUnavailableError from exc
            connection = service.connection
            try:
                _connect(connection)
                return session(_Channel(connection))
            finally:
                # Release explicitly: pyscard's destructors raise if pcscd went away meanwhile.
                with contextlib.suppress(SmartcardException):
                    connection.disconnect()
                with contextlib.suppress(SmartcardException):
                    connection.release()
        finally:
            with contextlib.suppress(SmartcardException):
                request.pcsccardrequest.release()


def _connect(connection: Any, attempts: int = 5) -> None:
    """Connect; a card that is still settling on the reader gets a few short retries."""
    for attempt in range(attempts):
        try:
            connection.connect()
            return
        except (CardConnectionException, NoCardException) as exc:
            if attempt == attempts - 1:
                raise cards.CardRemovedError from exc
            time.sleep(0.2)
