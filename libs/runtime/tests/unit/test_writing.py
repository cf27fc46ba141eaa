"""The per-document write lock (`shelter_runtime.mongo.writing`) that FerretDB v1 needs."""

from __future__ import annotations

import asyncio
import gc
from dataclasses import dataclass
from typing import Any, cast

from pymongo.asynchronous.collection import AsyncCollection

from shelter_runtime import mongo
from shelter_runtime.mongo import Document, writing


@dataclass
class Named:
    """Only what the lock reads of a collection: its full name."""

    full_name: str


def collection(name: str) -> AsyncCollection[Document]:
    return cast(AsyncCollection[Document], Named(name))


async def _hold(trace: list[str], label: str, coll: AsyncCollection[Document], *ids: Any) -> None:
    async with writing(coll, *ids):
        trace.append(f"{label}+")
        await asyncio.sleep(0.01)
        trace.append(f"{label}-")


async def test_writers_of_one_document_take_turns() -> None:
    trace: list[str] = []
    shelters = collection("db.shelters")
    await asyncio.gather(*(_hold(trace, str(n), shelters, "s1") for n in range(3)))
    assert trace == ["0+", "0-", "1+", "1-", "2+", "2-"]


async def test_writers_of_other_documents_or_collections_do_not_wait() -> None:
    trace: list[str] = []
    await asyncio.gather(
        _hold(trace, "a", collection("db.shelters"), "s1"),
        _hold(trace, "b", collection("db.shelters"), "s2"),
        _hold(trace, "c", collection("db.stays"), "s1"),
    )
    assert trace[:3] == ["a+", "b+", "c+"]


async def test_holders_of_several_documents_never_wait_in_a_circle() -> None:
    trace: list[str] = []
    shelters = collection("db.shelters")
    async with asyncio.timeout(5):
        await asyncio.gather(
            _hold(trace, "ab", shelters, "a", "b"),
            _hold(trace, "ba", shelters, "b", "a"),
            _hold(trace, "b", shelters, "b"),
        )
    assert sorted(trace) == sorted(["ab+", "ab-", "ba+", "ba-", "b+", "b-"])
    for n in range(0, len(trace), 2):  # each holder of "b" ran alone
        assert trace[n][:-1] == trace[n + 1][:-1]


async def test_a_lock_is_forgotten_once_nobody_holds_it() -> None:
    async with writing(collection("db.forgotten"), "x"):
        assert ("db.forgotten", "x") in mongo._WRITE_LOCKS
    gc.collect()
    assert ("db.forgotten", "x") not in mongo._WRITE_LOCKS
