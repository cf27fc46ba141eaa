"""The roster service in-process: real events on Kafka in, the roster out of its HTTP API.

Each test has its own topic namespace, consumer group and database. Events of one shelter share
a partition (the key is the shelter id), so once a later event of that shelter is visible, every
event published before it has been consumed.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shelter_contracts.events import EvacueeCheckedIn, EvacueeCheckedOut, Event
from shelter_contracts.topics import EVACUEE_STAYS, SHELTERS
from shelter_roster.bootstrap import bootstrap
from shelter_roster.entrypoints.schemas import RosterEntryPublic
from shelter_runtime.consumer import dead_letter_topic
from shelter_testing import Stack, eventually

from ..conftest import make_shelter_event, running, service_settings

CheckIn = Callable[..., EvacueeCheckedIn]
CheckOut = Callable[..., EvacueeCheckedOut]

#: Bounds a failing wait only: the first event also waits for the consumer group to form.
CONSUMED_WITHIN = 60.0


async def publish(
    producer: KafkaBroker, namespace: str, shelter_id: str, value: Event | bytes
) -> None:
    """One message on the stays topic, keyed by shelter id like the registration relay."""
    await producer.publish(
        value if isinstance(value, bytes) else value.model_dump_json().encode(),
        topic=EVACUEE_STAYS.name(namespace),
        key=shelter_id.encode(),
    )


async def entry_once_present(api: httpx.AsyncClient, stay_id: uuid.UUID) -> Any:
    response = await eventually(
        lambda: api.get(f"/entries/{stay_id}"),
        lambda r: r.status_code == 200,
        within=CONSUMED_WITHIN,
    )
    return response.json()


async def test_check_in_appears_on_the_roster_with_its_facts(
    roster_api: httpx.AsyncClient,
    kafka_producer: KafkaBroker,
    namespace: str,
    shelter_id: str,
    check_in: CheckIn,
) -> None:
    event = check_in(shelter_id)
    await publish(kafka_producer, namespace, shelter_id, event)

    entry = RosterEntryPublic.model_validate(await entry_once_present(roster_api, event.stay_id))

    assert entry == RosterEntryPublic(
        stay_id=event.stay_id,
        shelter_id=shelter_id,
        serial=1,
        channel=event.channel,
        household_number=1,
        personal=event.personal,
        age_band=event.age_band,
        statuses=list(event.statuses),
        message=event.message,
        remarks=None,
        checked_in_at=event.checked_in_at,
        checked_out_at=None,
        forced_check_out=False,
        transferred_from=None,
        transferred_to=None,
        training=False,
        revision=0,
    )
    listing = (await roster_api.get(f"/shelters/{shelter_id}/entries")).json()
    assert listing == {
        "items": [entry.model_dump(mode="json")],
        "total": 1,
        "limit": 100,
        "offset": 0,
    }
    # Another shelter's roster does not show it.
    other = (await roster_api.get(f"/shelters/{shelter_id}-x/entries")).json()
    assert other["items"] == []


async def test_replayed_events_change_nothing(
    roster_api: httpx.AsyncClient,
    kafka_producer: KafkaBroker,
    namespace: str,
    shelter_id: str,
    check_in: CheckIn,
    check_out: CheckOut,
) -> None:
    arrival = check_in(shelter_id, minute=0)
    departure = check_out(shelter_id, arrival.stay_id, minute=30)
    await publish(kafka_producer, namespace, shelter_id, arrival)
    await entry_once_present(roster_api, arrival.stay_id)
    await publish(kafka_producer, namespace, shelter_id, departure)
    settled = (
        await eventually(
            lambda: roster_api.get(f"/entries/{arrival.stay_id}"),
            lambda r: r.json()["checked_out_at"] is not None,
            within=CONSUMED_WITHIN,
        )
    ).json()
    assert RosterEntryPublic.model_validate(settled).checked_out_at == departure.checked_out_at

    # Replays: the same check-in, the same check-out twice, and a later staff check-out of the
    # same stay; then a sentinel check-in of the same shelter (same partition, so after them).
    forced_later = check_out(shelter_id, arrival.stay_id, minute=90, forced=True)
    for replay in (arrival, departure, departure, forced_later, arrival):
        await publish(kafka_producer, namespace, shelter_id, replay)
    sentinel = check_in(shelter_id, minute=60, family_name="佐藤")
    await publish(kafka_producer, namespace, shelter_id, sentinel)
    sentinel_entry = await entry_once_present(roster_api, sentinel.stay_id)

    assert (await roster_api.get(f"/entries/{arrival.stay_id}")).json() == settled
    listing = (await roster_api.get(f"/shelters/{shelter_id}/entries")).json()
    assert listing["items"] == [settled, sentinel_entry]


async def test_unknown_stay_and_bad_shelter_id_are_refused(
    roster_api: httpx.AsyncClient,
    kafka_producer: KafkaBroker,
    namespace: str,
    shelter_id: str,
    check_in: CheckIn,
    check_out: CheckOut,
) -> None:
    # A stay known only by its check-out is not a roster entry (yet).
    early_departure = check_out(shelter_id, uuid.uuid4(), minute=5)
    await publish(kafka_producer, namespace, shelter_id, early_departure)
    sentinel = check_in(shelter_id, minute=10)
    await publish(kafka_producer, namespace, shelter_id, sentinel)
    await entry_once_present(roster_api, sentinel.stay_id)

    missing = await roster_api.get(f"/entries/{early_departure.stay_id}")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    bad_id = await roster_api.get("/shelters/not a shelter!/entries")
    assert bad_id.status_code == 422


async def test_a_message_breaking_the_contract_goes_to_the_dead_letter_topic(
    roster_api: httpx.AsyncClient,
    kafka_producer: KafkaBroker,
    stack: Stack,
    namespace: str,
    shelter_id: str,
    check_in: CheckIn,
) -> None:
    garbage = b"\xff\xfe not an event \x00"
    unknown_type = b'{"event_type": "EvacueeTeleported", "shelter_id": "13101-0001"}'
    await publish(kafka_producer, namespace, shelter_id, garbage)
    await publish(kafka_producer, namespace, shelter_id, unknown_type)
    after = check_in(shelter_id)
    await publish(kafka_producer, namespace, shelter_id, after)

    # The partition is not blocked: the next event is applied.
    await entry_once_present(roster_api, after.stay_id)

    dlq = AIOKafkaConsumer(
        dead_letter_topic(EVACUEE_STAYS.name(namespace)),
        bootstrap_servers=stack.kafka_bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await dlq.start()
    try:
        received: list[tuple[bytes, bytes]] = []

        async def drain() -> list[tuple[bytes, bytes]]:
            batches = await dlq.getmany(timeout_ms=500)
            received.extend((m.key, m.value) for records in batches.values() for m in records)
            return received

        await eventually(drain, lambda got: len(got) >= 2, within=CONSUMED_WITHIN)
        # Nothing else arrives: the valid check-in was not dead-lettered.
        await drain()
    finally:
        await dlq.stop()

    assert received == [(shelter_id.encode(), garbage), (shelter_id.encode(), unknown_type)]


async def test_serials_and_households_survive_replays_and_a_correction_survives_too(
    roster_api: httpx.AsyncClient,
    kafka_producer: KafkaBroker,
    namespace: str,
    shelter_id: str,
    check_in: CheckIn,
) -> None:
    """S11.1, S12: staff corrections and the assigned numbers outlive a replayed check-in."""
    mother = check_in(shelter_id, minute=1, household_key="a" * 32)
    stranger = check_in(shelter_id, minute=2, household_key="b" * 32, family_name="佐藤")
    child = check_in(shelter_id, minute=3, household_key="a" * 32, given_name="太郎")
    for event in (mother, stranger, child):
        await publish(kafka_producer, namespace, shelter_id, event)
    await entry_once_present(roster_api, child.stay_id)

    corrected = await roster_api.patch(
        f"/entries/{mother.stay_id}",
        json={"personal": {"given_name": "華子"}, "remarks": "2階"},
    )  # as the administrator "staff-1" of `running`
    assert corrected.status_code == 200, corrected.text
    settled = corrected.json()

    for replay in (mother, stranger, mother):
        await publish(kafka_producer, namespace, shelter_id, replay)
    sentinel = check_in(shelter_id, minute=4, household_key="c" * 32)
    await publish(kafka_producer, namespace, shelter_id, sentinel)
    last = await entry_once_present(roster_api, sentinel.stay_id)

    assert (await roster_api.get(f"/entries/{mother.stay_id}")).json() == settled
    assert (settled["personal"]["given_name"], settled["remarks"]) == ("華子", "2階")
    listing = (await roster_api.get(f"/shelters/{shelter_id}/entries")).json()
    assert [(i["serial"], i["household_number"]) for i in listing["items"]] == [
        (1, 1),
        (2, 2),
        (3, 1),
        (4, 3),
    ]
    assert last["serial"] == 4
    history = (await roster_api.get(f"/entries/{mother.stay_id}/history")).json()
    assert [(h["actor"], h["fields"]) for h in history["items"]] == [
        ("staff-1", ["personal.given_name", "remarks"])
    ]


async def test_public_search_names_the_shelter_from_the_shelters_topic(
    roster_api: httpx.AsyncClient,
    kafka_producer: KafkaBroker,
    namespace: str,
    shelter_id: str,
    check_in: CheckIn,
) -> None:
    """S16.1: hits carry the shelter's latest name (by version) and only the disclosed fields."""
    sentinel_shelter = f"{shelter_id}-z"
    # A newer version, then an older one arriving late, then a sentinel on the same partition
    # (same key): once the sentinel's name is known, the late old version has been consumed.
    for event in (
        make_shelter_event(shelter_id, "千代田小学校", 2),
        make_shelter_event(shelter_id, "旧・千代田小", 1),
        make_shelter_event(sentinel_shelter, "番兵", 1),
    ):
        await kafka_producer.publish(
            event.model_dump_json().encode(),
            topic=SHELTERS.name(namespace),
            key=shelter_id.encode(),
        )
    family = f"試験{uuid.uuid4().hex[:6]}"
    person = check_in(shelter_id, minute=1, family_name=family, family_name_kana=None)
    other = check_in(sentinel_shelter, minute=2, family_name=family, family_name_kana=None)
    await publish(kafka_producer, namespace, shelter_id, person)
    await publish(kafka_producer, namespace, sentinel_shelter, other)
    saved = await roster_api.put("/settings/disclosure", json={"name": True, "sex": True})
    assert saved.status_code == 200

    def both_named(response: httpx.Response) -> bool:
        items = response.json().get("items", []) if response.status_code == 200 else []
        return len(items) == 2 and all(i["shelter_name"] for i in items)

    found = await eventually(
        lambda: roster_api.get("/public/search", params={"family_name": family}),
        both_named,
        within=CONSUMED_WITHIN,
    )

    assert found.json()["items"] == [
        {
            "shelter_id": shelter_id,
            "shelter_name": "千代田小学校",
            "family_name": family,
            "given_name": "花子",
            "family_name_kana": None,
            "given_name_kana": "ハナコ",
            "sex": "female",
        },
        {
            "shelter_id": sentinel_shelter,
            "shelter_name": "番兵",
            "family_name": family,
            "given_name": "花子",
            "family_name_kana": None,
            "given_name_kana": "ハナコ",
            "sex": "female",
        },
    ]
    missing = await roster_api.get("/public/search")
    assert missing.status_code == 422
    assert missing.headers["content-type"].startswith("application/problem+json")


async def test_query_strings_never_reach_the_spans_of_the_real_app(
    stack: Stack, namespace: str, database_name: str
) -> None:
    """Names in query strings are personal data: the wired app keeps them out of spans."""
    exporter = InMemorySpanExporter()
    app = bootstrap(
        service_settings(stack, namespace, database_name), SimpleSpanProcessor(exporter)
    )
    async with running(app) as api:
        searched = await api.get("/public/search", params={"family_name": "秘密"})
        listed = await api.get("/entries", params={"name": "ひみつ"})
    assert (searched.status_code, listed.status_code) == (200, 200)

    recorded = repr([(s.name, dict(s.attributes or {})) for s in exporter.get_finished_spans()])
    assert "/public/search" in recorded
    for secret in ("秘密", "ひみつ", "family_name=", "name="):
        assert secret not in recorded
