"""The topic catalogue: one name per topic, prefixed by a namespace when there is one."""

from __future__ import annotations

import dataclasses
import re

import pytest

from shelter_contracts.topics import (
    AUDIT,
    CARD_READS,
    CATALOGUE,
    DISASTER,
    EVACUEE_CORRECTIONS,
    EVACUEE_STAYS,
    OCCUPANCY,
    SHELTERS,
    Topic,
)


def test_a_topic_without_namespace_is_named_by_its_base_name() -> None:
    assert EVACUEE_STAYS.name() == "shelter.evacuee-stays.v1"
    assert SHELTERS.name("") == "shelter.shelters.v1"


def test_a_namespace_prefixes_the_topic_name() -> None:
    assert EVACUEE_STAYS.name("t1a2b3") == "t1a2b3.shelter.evacuee-stays.v1"
    assert SHELTERS.name("staging") == "staging.shelter.shelters.v1"


def test_different_namespaces_give_different_names() -> None:
    names = {topic.name(ns) for topic in CATALOGUE for ns in ("", "a", "b")}
    assert len(names) == 3 * len(CATALOGUE)


def test_the_catalogue_holds_every_topic_with_unique_names() -> None:
    assert set(CATALOGUE) == {
        EVACUEE_STAYS,
        SHELTERS,
        OCCUPANCY,
        CARD_READS,
        AUDIT,
        EVACUEE_CORRECTIONS,
        DISASTER,
    }
    names = [topic.base_name for topic in CATALOGUE]
    assert len(names) == len(set(names))


def test_topic_names_are_versioned_and_valid_for_kafka() -> None:
    for topic in CATALOGUE:
        assert re.fullmatch(r"shelter\.[a-z][a-z-]*\.v[1-9][0-9]*", topic.base_name)
        assert len(topic.name("t" + "0" * 12)) <= 249
        assert topic.description


def test_topics_are_immutable() -> None:
    field = "base_name"
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(EVACUEE_STAYS, field, "other")
    assert isinstance(EVACUEE_STAYS, Topic)
    assert EVACUEE_STAYS.base_name == "shelter.evacuee-stays.v1"
