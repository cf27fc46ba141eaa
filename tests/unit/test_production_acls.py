"""Production Kafka users get exactly the topic rights the topic catalogue gives them.

The catalogue (shelter_contracts.topics) names who produces and who consumes each topic. Three
things must agree with it: what each service really subscribes to (its app's broker), the
Strimzi KafkaUsers (deploy/k8s) and the compose cluster's init script (deploy/compose). Least
privilege: a service that may write every shelter.* topic could forge check-ins or audit
records; the kiosks' shared credential may only add card reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from faststream.kafka import KafkaBroker

from shelter_auth import bootstrap as auth
from shelter_auth.config import Settings as AuthSettings
from shelter_contracts.topics import CATALOGUE
from shelter_integration import bootstrap as integration
from shelter_integration.config import Settings as IntegrationSettings
from shelter_registration import bootstrap as registration
from shelter_registration.config import Settings as RegistrationSettings
from shelter_roster import bootstrap as roster
from shelter_roster.config import Settings as RosterSettings
from shelter_runtime.settings import offline_settings
from shelter_stats import bootstrap as stats
from shelter_stats.config import Settings as StatsSettings

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("registration", "roster", "stats", "integration", "auth")
USERS = (*SERVICES, "kiosk")
DEAD_LETTERS = ".dlq"

Rights = dict[str, frozenset[str]]  # topic -> operations


def expected_rights(user: str) -> Rights:
    """Write what it produces; Read what it consumes and Write that topic's dead letters."""
    rights: dict[str, set[str]] = {}
    for topic in CATALOGUE:
        if user in topic.producers:
            rights.setdefault(topic.base_name, set()).update({"Describe", "Write"})
        if user in topic.consumers:
            rights.setdefault(topic.base_name, set()).update({"Describe", "Read"})
            rights.setdefault(topic.base_name + DEAD_LETTERS, set()).update({"Describe", "Write"})
    return {name: frozenset(ops) for name, ops in rights.items()}


APPS: dict[str, Callable[[], Any]] = {
    "registration": lambda: registration.bootstrap(offline_settings(RegistrationSettings)),
    "roster": lambda: roster.bootstrap(offline_settings(RosterSettings)),
    "stats": lambda: stats.bootstrap(offline_settings(StatsSettings)),
    "integration": lambda: integration.bootstrap(offline_settings(IntegrationSettings)),
    "auth": lambda: auth.bootstrap(offline_settings(AuthSettings)),
}


def test_every_topic_has_a_producer_and_a_consumer_that_exist() -> None:
    for topic in CATALOGUE:
        assert topic.producers and topic.consumers, topic.base_name
        assert set(topic.producers) | set(topic.consumers) <= set(USERS), topic.base_name


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_subscribes_to_what_the_catalogue_says_it_consumes(service: str) -> None:
    broker: KafkaBroker = APPS[service]().state.broker
    # FastStream's Kafka subscribers name their topics in `topic_names` (not on the base type).
    subscribed = {name for s in broker.subscribers for name in getattr(s, "topic_names", ())}
    assert subscribed  # the attribute exists: an empty set here would hide a renamed API
    assert subscribed == {t.base_name for t in CATALOGUE if service in t.consumers}


def _strimzi_users() -> dict[str, tuple[Rights, list[str]]]:
    manifest = (ROOT / "deploy/k8s/kafka-strimzi/users.yaml").read_text(encoding="utf-8")
    users: dict[str, tuple[Rights, list[str]]] = {}
    for block in manifest.split("\n---\n"):
        named = re.search(r"^  name: (\S+)$", block, re.M)
        if named is None or "kind: KafkaUser" not in block:
            continue
        if named.group(1) == "shelter-topic-admin":  # creates and configures, never reads
            assert "operations: [Create, Describe, DescribeConfigs, Alter, AlterConfigs]" in block
            continue
        acls = re.findall(
            r"- resource: \{ type: (\w+), name: (\S+), patternType: (\w+) \}\n"
            r"\s+operations: \[([^\]]*)\]",
            block,
        )
        rights: dict[str, frozenset[str]] = {}
        groups: list[str] = []
        for kind, name, pattern, operations in acls:
            if kind == "topic":
                assert pattern == "literal", (named.group(1), name)
                assert name not in rights, f"{name} listed twice for {named.group(1)}"
                rights[name] = frozenset(op.strip() for op in operations.split(","))
            elif kind == "group":
                groups.append(f"{name}:{pattern}:{operations}")
            else:
                raise AssertionError(f"unexpected ACL on a {kind} for {named.group(1)}")
        users[named.group(1)] = (rights, groups)
    return users


def test_the_strimzi_users_have_exactly_the_catalogue_rights() -> None:
    users = _strimzi_users()
    assert set(users) == {f"shelter-{u}" for u in USERS}
    for user in USERS:
        rights, groups = users[f"shelter-{user}"]
        assert rights == expected_rights(user), user
        consumes = any(user in t.consumers for t in CATALOGUE)
        assert groups == ([f"shelter-{user}:prefix:Describe, Read"] if consumes else []), user


def _bash_table(script: str, name: str) -> dict[str, list[str]]:
    body = re.search(rf"declare -A {name}=\(\n(.*?)\n\)", script, re.S)
    assert body is not None, name
    return {
        user: topics.split()
        for user, topics in re.findall(r'^\s+\[(\w+)\]="([^"]*)"$', body.group(1), re.M)
    }


def test_the_compose_init_script_grants_the_catalogue_rights() -> None:
    script = (ROOT / "deploy/compose/kafka/init-kafka.sh").read_text(encoding="utf-8")
    writes, reads = _bash_table(script, "writes"), _bash_table(script, "reads")
    for user in USERS:
        assert set(writes.get(user, [])) == {t.base_name for t in CATALOGUE if user in t.producers}
        assert set(reads.get(user, [])) == {t.base_name for t in CATALOGUE if user in t.consumers}
    assert "for service in $services kiosk; do" in script
    # No right on a whole prefix is granted (only taken back from earlier versions).
    grants = [line for line in script.splitlines() if line.lstrip().startswith("acl --")]
    assert grants and not any('"${prefix}shelter."' in line for line in grants)
