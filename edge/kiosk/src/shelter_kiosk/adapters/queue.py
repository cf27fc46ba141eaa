"""The kiosk's store-and-forward queue: SQLite on local disk, every read sealed with AES-GCM.

A card read is committed here (synchronous=FULL) before the screen says done, and deleted only
after Kafka acknowledged it (acks=all). The key lives outside the database (settings or a key
file); the row's sequence number is the associated data, so rows cannot be swapped unnoticed.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_SCHEMA = """
CREATE TABLE IF NOT EXISTS card_reads (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    nonce BLOB NOT NULL,
    sealed BLOB NOT NULL
)
"""


class QueueKeyError(Exception):
    """The queue key is missing or not a 256-bit AES key."""


def load_or_create_key(path: Path, *, create: bool) -> bytes:
    """A 32-byte key from `path`; created (mode 0600) when missing and `create` is set."""
    if not path.exists():
        if not create:
            raise QueueKeyError(f"queue key file {path} is missing")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(AESGCM.generate_key(bit_length=256))
    key = path.read_bytes()
    if len(key) != 32:
        raise QueueKeyError("the queue key must be 32 bytes")
    return key


class CardReadQueue:
    """Ordered, durable, encrypted; safe to use from the reader thread and the event loop."""

    def __init__(self, path: Path, key: bytes) -> None:
        if len(key) != 32:
            raise QueueKeyError("the queue key must be 32 bytes")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._aead = AESGCM(key)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(_SCHEMA)

    def append(self, make_payload: Callable[[int], bytes]) -> int:
        """Store one read; `make_payload(seq)` builds its plaintext. Returns the sequence."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                row = self._db.execute(
                    "SELECT seq FROM sqlite_sequence WHERE name = 'card_reads'"
                ).fetchone()
                seq = (row[0] if row else 0) + 1
                nonce = os.urandom(12)
                sealed = self._aead.encrypt(nonce, make_payload(seq), _aad(seq))
                self._db.execute(
                    "INSERT INTO card_reads (seq, nonce, sealed) VALUES (?, ?, ?)",
                    (seq, nonce, sealed),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return seq

    def oldest(self, limit: int = 100) -> list[tuple[int, bytes]]:
        """The oldest undelivered reads, decrypted, in order."""
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, nonce, sealed FROM card_reads ORDER BY seq LIMIT ?", (limit,)
            ).fetchall()
        return [(seq, self._aead.decrypt(nonce, sealed, _aad(seq))) for seq, nonce, sealed in rows]

    def delete(self, seq: int) -> None:
        with self._lock:
            self._db.execute("DELETE FROM card_reads WHERE seq = ?", (seq,))

    def __len__(self) -> int:
        with self._lock:
            (count,) = self._db.execute("SELECT count(*) FROM card_reads").fetchone()
        return int(count)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _aad(seq: int) -> bytes:
    return f"card-read:{seq}".encode()
