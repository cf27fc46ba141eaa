"""Locks of this process named by keys: one per key while anyone holds or awaits it."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Hashable
from contextlib import AsyncExitStack, asynccontextmanager


class KeyedLocks:
    """An asyncio lock per key, created on first use and forgotten when nobody needs it.

    Unlike a fixed set of striped locks, two keys never share a lock, so a holder waits only
    for holders of its own keys. Several keys are taken in one order (sorted by their text),
    so holders of overlapping sets never wait on each other in a circle.
    """

    def __init__(self) -> None:
        self._locks: weakref.WeakValueDictionary[Hashable, asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )

    def __contains__(self, key: Hashable) -> bool:
        return key in self._locks

    @asynccontextmanager
    async def hold(self, *keys: Hashable) -> AsyncIterator[None]:
        async with AsyncExitStack() as held:
            for key in sorted(set(keys), key=str):
                lock = self._locks.get(key)
                if lock is None:
                    lock = self._locks[key] = asyncio.Lock()
                await held.enter_async_context(lock)
            yield
