"""The production topic lists (deploy/k8s) name every topic of the catalogue and its dead letters.

Production brokers do not create topics on first use, so a topic missing from these lists is a
service that cannot start (or a dead-letter topic that refuses the message it should keep).
"""

from __future__ import annotations

import re
from pathlib import Path

from shelter_contracts.topics import CATALOGUE

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {t.base_name for t in CATALOGUE}


def test_the_topics_job_creates_every_catalogue_topic() -> None:
    script = (ROOT / "deploy/k8s/base/kafka-topics/create-topics.sh").read_text(encoding="utf-8")
    listed = re.search(r"base_topics=\(\n(.*?)\n\)", script, re.S)
    assert listed is not None
    assert set(listed.group(1).split()) == EXPECTED


def test_the_strimzi_topics_are_every_catalogue_topic_and_its_dead_letters() -> None:
    manifest = (ROOT / "deploy/k8s/kafka-strimzi/topics.yaml").read_text(encoding="utf-8")
    names = re.findall(r"^  topicName: (\S+)$", manifest, re.M)
    assert len(names) == len(set(names))
    assert set(names) == EXPECTED | {f"{name}.dlq" for name in EXPECTED}
