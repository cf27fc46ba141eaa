"""Reading the broker's answer about a service's topics (shelter_runtime.kafka.ensure_topics)."""

from __future__ import annotations

from typing import Any

from shelter_runtime.kafka import listed_with_leaders

UNKNOWN_TOPIC = 3
LEADER_NOT_AVAILABLE = 5


def _topic(name: str, leaders: list[int], error_code: int = 0) -> dict[str, Any]:
    partitions = [
        {"error_code": 0, "partition": n, "leader": leader} for n, leader in enumerate(leaders)
    ]
    return {"error_code": error_code, "topic": name, "partitions": partitions}


def test_every_topic_listed_with_a_leader_for_each_partition() -> None:
    described = [_topic("a", [1, 1, 1]), _topic("a.dlq", [1])]
    assert listed_with_leaders(described, ["a", "a.dlq"])


def test_a_topic_not_known_yet_is_not_ready() -> None:
    described = [_topic("a", [1]), _topic("a.dlq", [], UNKNOWN_TOPIC)]
    assert not listed_with_leaders(described, ["a", "a.dlq"])
    assert not listed_with_leaders([_topic("a", [1])], ["a", "a.dlq"])  # not in the answer


def test_a_partition_without_a_leader_is_not_ready() -> None:
    assert not listed_with_leaders([_topic("a", [1, -1])], ["a"])
    assert not listed_with_leaders([_topic("a", [], LEADER_NOT_AVAILABLE)], ["a"])
    assert not listed_with_leaders([_topic("a", [])], ["a"])  # no partitions yet
