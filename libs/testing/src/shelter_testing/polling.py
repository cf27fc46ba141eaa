"""Waiting for asynchronous effects (a consumer catching up) without fixed sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T]],
    until: Callable[[T], bool],
    within: float = 20.0,
    interval: float = 0.1,
) -> T:
    """Call `probe` until `until(result)` holds; fail with the last result after `within` seconds.

    The limit only bounds a failing test; it is not a speed target (those are benchmarks).
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await probe()
        if until(result):
            return result
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {within}s; last value: {result!r}")
        await asyncio.sleep(interval)
