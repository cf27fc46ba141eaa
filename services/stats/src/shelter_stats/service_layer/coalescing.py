"""Coalescing of state changes: at most one send per key per interval, the latest never lost.

Pure bookkeeping over times handed in by the caller (an injectable clock), so it is tested
without sleeping. A value offered while its key is still inside its interval waits; a newer
value replaces it (that replaced value is "coalesced"). When the interval has passed, the
waiting value is due, so the last change of a burst is always sent.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Coalescer(Generic[K, V]):
    def __init__(
        self, interval_seconds: float, on_coalesced: Callable[[int], None] | None = None
    ) -> None:
        if interval_seconds < 0:
            raise ValueError("the interval must not be negative")
        self.interval = interval_seconds
        self._on_coalesced = on_coalesced or (lambda _: None)
        self._pending: dict[K, V] = {}
        self._last_sent: dict[K, float] = {}
        self.coalesced = 0

    def offer(self, key: K, value: V) -> None:
        """The newest value of `key`; replaces a value still waiting to be sent."""
        if key in self._pending:
            self.coalesced += 1
            self._on_coalesced(1)
        self._pending[key] = value

    def take_due(self, now: float) -> list[tuple[K, V]]:
        """The waiting values whose key may be sent at `now`; they count as sent at `now`."""
        due = [
            key
            for key in self._pending
            if key not in self._last_sent or now >= self._last_sent[key] + self.interval
        ]
        taken = []
        for key in due:
            taken.append((key, self._pending.pop(key)))
            self._last_sent[key] = now
        return taken

    def put_back(self, key: K, value: V) -> None:
        """A taken value that could not be sent; kept unless a newer one is already waiting."""
        self._pending.setdefault(key, value)

    def next_due(self) -> float | None:
        """The earliest time a waiting value becomes due; None when nothing waits."""
        if not self._pending:
            return None
        return min(self._last_sent.get(key, float("-inf")) + self.interval for key in self._pending)

    @property
    def waiting(self) -> int:
        return len(self._pending)
