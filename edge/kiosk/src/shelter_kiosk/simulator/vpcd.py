"""A virtual card's side of vsmartcard-vpcd: a TCP client of the reader driver.

Protocol (vsmartcard's vpcd): every message is a 2-byte big-endian length and a payload.
One-byte payloads are control codes (0 power off, 1 power on, 2 reset, 4 send the ATR);
longer payloads are command APDUs, answered with response data + SW1 SW2. Closing the
connection is the card leaving the reader.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

from shelter_kiosk.simulator.cards import VirtualCard

POWER_OFF, POWER_ON, RESET, ATR = 0, 1, 2, 4


class InsertedCard:
    """A card placed on the virtual reader at `port`, served from a thread until removed."""

    def __init__(
        self, card: VirtualCard, port: int, *, remove_after_apdus: int | None = None
    ) -> None:
        self.card = card
        self._remove_after = remove_after_apdus
        self._sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self._sock.settimeout(None)
        # Small messages both ways: without this, Nagle + delayed ACKs add ~40 ms per APDU.
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _recv(self, n: int) -> bytes:
        data = b""
        while len(data) < n:
            # vpcd writes the length and the APDU separately: acknowledge at once so its
            # Nagle wait does not meet our delayed ACK (Linux only; the flag is not sticky).
            if hasattr(socket, "TCP_QUICKACK"):
                self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
            chunk = self._sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError
            data += chunk
        return data

    def _send(self, payload: bytes) -> None:
        self._sock.sendall(len(payload).to_bytes(2, "big") + payload)

    def _serve(self) -> None:
        apdus = 0
        with contextlib.suppress(OSError, ConnectionError):
            while True:
                length = int.from_bytes(self._recv(2), "big")
                payload = self._recv(length)
                if length == 1:
                    if payload[0] == ATR:
                        self._send(self.card.atr)
                    continue
                apdus += 1
                if self._remove_after is not None and apdus > self._remove_after:
                    self.remove()  # taken off the reader in the middle of the read
                    return
                self._send(self.card.respond(payload))

    def remove(self) -> None:
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()

    def __enter__(self) -> InsertedCard:
        return self

    def __exit__(self, *_: object) -> None:
        self.remove()
        self._thread.join(timeout=5)
        time.sleep(0.5)  # let pcscd notice the removal before the next card


class CardSimulator:
    """The development kiosk's 'place a card' control: one virtual card on its own reader.

    The card stays on the reader (tries left and all) until it is replaced or taken off, so a
    wrong PIN and then the right one are two reads of the same card, as at a real kiosk.
    """

    def __init__(self, port: int) -> None:
        self.port = port
        self._placed: InsertedCard | None = None
        self._lock = threading.Lock()

    @property
    def card_present(self) -> bool:
        return self._placed is not None

    def place(self, card: VirtualCard) -> None:
        with self._lock:
            self._take_off()
            self._placed = InsertedCard(card, self.port)

    def take_off(self) -> None:
        with self._lock:
            self._take_off()

    def _take_off(self) -> None:
        placed, self._placed = self._placed, None
        if placed is not None:
            placed.__exit__()
