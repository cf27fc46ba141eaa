"""Locks by key (`shelter_runtime.locks`) and the per-document write lock built on them."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Hashable
from dataclasses import dataclass
from typing import cast

from pymongo.asynchronous.collection import AsyncCollection

from shelter_runtime.locks import KeyedLocks
from shelter_runtime.mongo import Document, writing


async def _hold(locks: KeyedLocks, trace: list[str], label: str, *keys: Hashable) -> None:
    async with locks.hold(*keys):
        trace.append(f"{label}+")
        await asyncio.sleep(0.01)
        trace.append(f"{label}-")


async def test_holders_of_one_key_take_turns_in_arrival_order() -> None:
    locks, trace = KeyedLocks(), list[str]()
    await asyncio.gather(*(_hold(locks, trace, str(n), "s1") for n in range(3)))
    assert trace == ["0+", "0-", "1+", "1-", "2+", "2-"]


async def test_holders_of_other_keys_do_not_wait() -> None:
    locks, trace = KeyedLocks(), list[str]()
    await asyncio.gather(*(_hold(locks, trace, key, key) for key in ("a", "b", "c")))
    assert trace[:3] == ["a+", "b+", "c+"]


async def test_holders_of_several_keys_never_wait_in_a_circle() -> None:
    locks, trace = KeyedLocks(), list[str]()
    async with asyncio.timeout(5):
        await asyncio.gather(
            _hold(locks, trace, "ab", "a", "b"),
            _hold(locks, trace, "ba", "b", "a"),
            _hold(locks, trace, "b", "b"),
        )
    assert sorted(trace) == sorted(["ab+", "ab-", "ba+", "ba-", "b+", "b-"])
    for n in range(0, len(trace), 2):  # every holder held "b": each ran alone
        assert trace[n][:-1] == trace[n + 1][:-1]


async def test_a_lock_is_forgotten_once_nobody_holds_it() -> None:
    locks = KeyedLocks()
    async with locks.hold("x"):
        assert "x" in locks
    gc.collect()
    assert "x" not in locks


@dataclass
class Named:
    """Only what the write lock reads of a collection: its full name."""

    full_name: str


async def test_a_document_write_lock_is_named_by_collection_and_id() -> None:
    trace: list[str] = []

    async def write(label: str, collection: str, doc_id: str) -> None:
        async with writing(cast(AsyncCollection[Document], Named(collection)), doc_id):
            trace.append(f"{label}+")
            await asyncio.sleep(0.01)
            trace.append(f"{label}-")

    await asyncio.gather(
        write("a", "db.shelters", "s1"),
        write("b", "db.shelters", "s2"),  # another document
        write("c", "db.stays", "s1"),  # another collection
        write("d", "db.shelters", "s1"),  # waits for "a"
    )
    assert trace[:3] == ["a+", "b+", "c+"] and trace.index("d+") > trace.index("a-")
