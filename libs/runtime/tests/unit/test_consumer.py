"""The batch helpers of shelter_runtime.consumer, without Kafka."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from shelter_runtime.consumer import dead_letter_topic, in_order_per_shelter


@dataclass(frozen=True)
class Fact:
    shelter_id: str
    n: int


def test_dead_letters_go_to_a_topic_next_to_the_source() -> None:
    assert dead_letter_topic("ns.shelter.evacuee-stays.v1") == "ns.shelter.evacuee-stays.v1.dlq"


async def test_each_shelter_in_order_and_shelters_at_once() -> None:
    seen: list[Fact] = []
    running = 0
    most = 0

    async def handle(fact: Fact) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01 if fact.shelter_id == "a" else 0)
        seen.append(fact)
        running -= 1

    facts = [Fact("a", 1), Fact("b", 1), Fact("a", 2), Fact("c", 1), Fact("b", 2), Fact("a", 3)]
    await in_order_per_shelter(handle)(facts)

    assert sorted(seen, key=lambda f: (f.shelter_id, f.n)) == sorted(
        facts, key=lambda f: (f.shelter_id, f.n)
    )
    for shelter in ("a", "b", "c"):
        assert [f.n for f in seen if f.shelter_id == shelter] == sorted(
            f.n for f in facts if f.shelter_id == shelter
        )
    assert most > 1  # different shelters overlapped


async def test_concurrency_is_bounded() -> None:
    running = 0
    most = 0

    async def handle(fact: Fact) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.001)
        running -= 1

    await in_order_per_shelter(handle, max_concurrency=3)([Fact(f"s{n}", n) for n in range(20)])
    assert most == 3


async def test_a_failure_fails_the_batch() -> None:
    async def handle(fact: Fact) -> None:
        if fact.shelter_id == "bad":
            raise RuntimeError("database down")

    with pytest.raises(ExceptionGroup) as raised:
        await in_order_per_shelter(handle)([Fact("ok", 1), Fact("bad", 1), Fact("ok", 2)])
    assert raised.group_contains(RuntimeError)
