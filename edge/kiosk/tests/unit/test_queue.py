"""The store-and-forward queue: durable, ordered, encrypted at rest, deleted once delivered."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from shelter_kiosk.adapters.queue import CardReadQueue, QueueKeyError, load_or_create_key


def test_reads_come_back_in_order_after_a_restart(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path / "k", create=True)
    queue = CardReadQueue(tmp_path / "q.sqlite3", key)
    seqs = [queue.append(lambda seq: f"read {seq} 黒桐".encode()) for _ in range(3)]
    assert seqs == [1, 2, 3]
    queue.close()
    reopened = CardReadQueue(
        tmp_path / "q.sqlite3", load_or_create_key(tmp_path / "k", create=False)
    )
    assert [p.decode() for _, p in reopened.oldest()] == [
        "read 1 黒桐",
        "read 2 黒桐",
        "read 3 黒桐",
    ]
    reopened.delete(1)
    assert len(reopened) == 2
    # Sequence numbers keep increasing after deletes: a later read never takes an old number.
    reopened.delete(2)
    reopened.delete(3)
    assert reopened.append(lambda seq: b"x") == 4


def test_nothing_readable_on_disk_and_the_key_is_not_in_the_database(tmp_path: Path) -> None:
    key = load_or_create_key(tmp_path / "k", create=True)
    queue = CardReadQueue(tmp_path / "q.sqlite3", key)
    queue.append(lambda seq: "黒桐　幹也 東京都清瀬市".encode())
    queue.close()
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("q.sqlite3*"))
    assert "黒桐".encode() not in raw and "東京都".encode() not in raw
    assert key not in raw
    assert (tmp_path / "k").stat().st_mode & 0o077 == 0


def test_a_wrong_key_cannot_read_the_queue(tmp_path: Path) -> None:
    queue = CardReadQueue(tmp_path / "q.sqlite3", b"k" * 32)
    queue.append(lambda seq: b"secret")
    queue.close()
    with pytest.raises(InvalidTag):
        CardReadQueue(tmp_path / "q.sqlite3", b"x" * 32).oldest()


def test_a_missing_key_file_is_refused_where_it_may_not_be_created(tmp_path: Path) -> None:
    with pytest.raises(QueueKeyError):
        load_or_create_key(tmp_path / "absent", create=False)
    with pytest.raises(QueueKeyError):
        CardReadQueue(tmp_path / "q.sqlite3", b"short")
