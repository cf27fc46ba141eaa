"""shelter_runtime.consumer without Kafka."""

from __future__ import annotations

from shelter_runtime.consumer import dead_letter_topic


def test_dead_letters_go_to_a_topic_next_to_the_source() -> None:
    assert dead_letter_topic("ns.shelter.evacuee-stays.v1") == "ns.shelter.evacuee-stays.v1.dlq"
