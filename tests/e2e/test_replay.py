"""The same event published twice changes neither the roster nor the counts."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from uuid import uuid4

import httpx
from aiokafka import AIOKafkaProducer

from shelter_contracts.events import Channel, EvacueeCheckedIn, EvacueeCheckedOut, Event
from shelter_contracts.personal import EvacueePersonal, Sex
from shelter_contracts.topics import EVACUEE_STAYS
from shelter_testing import eventually
from shelter_testing.stack import Stack


def _check_in(shelter_id: str) -> EvacueeCheckedIn:
    now = datetime.now(UTC).replace(microsecond=0)
    return EvacueeCheckedIn(
        occurred_at=now,
        shelter_id=shelter_id,
        producer="e2e-test",
        stay_id=uuid4(),
        channel=Channel.STAFF,
        personal=EvacueePersonal(
            family_name="佐藤",
            given_name="一郎",
            address="東京都千代田区1-1",
            date_of_birth=date(1980, 1, 1),
            sex=Sex.MALE,
        ),
        age_band=40,
        sex=Sex.MALE,
        household_key="0123456789abcdef0123456789abcdef",
        checked_in_at=now,
    )


async def _publish(stack: Stack, *events: Event) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=stack.kafka_bootstrap, enable_idempotence=True, acks="all"
    )
    await producer.start()
    try:
        for event in events:
            await producer.send_and_wait(
                EVACUEE_STAYS.name(stack.topic_namespace),
                event.model_dump_json().encode(),
                key=event.shelter_id.encode(),
            )
    finally:
        await producer.stop()


async def _get(gateway: httpx.AsyncClient, path: str) -> Any:
    response = await gateway.get(path)
    return response.json() if response.status_code == 200 else None


async def test_replayed_events_change_nothing(
    stack: Stack, admin: httpx.AsyncClient, shelter_id: str
) -> None:
    check_in = _check_in(shelter_id)
    check_out = EvacueeCheckedOut(
        occurred_at=check_in.occurred_at,
        shelter_id=shelter_id,
        producer="e2e-test",
        stay_id=check_in.stay_id,
        channel=Channel.STAFF,
        checked_out_at=check_in.occurred_at,
    )
    await _publish(stack, check_in)
    first = await eventually(
        lambda: _get(admin, f"/api/roster/entries/{check_in.stay_id}"), lambda e: e is not None
    )
    await eventually(
        lambda: _get(admin, f"/api/stats/shelters/{shelter_id}"), lambda s: s["present"] == 1
    )

    # The same check-in again, then a later check-in of someone else as a sentinel: the
    # shelter's events keep their order (one key, one partition), so once the sentinel is in
    # both services, the replay has been consumed.
    sentinel = _check_in(shelter_id)
    await _publish(stack, check_in, sentinel)
    await eventually(
        lambda: _get(admin, f"/api/roster/entries/{sentinel.stay_id}"), lambda e: e is not None
    )
    stats = await eventually(
        lambda: _get(admin, f"/api/stats/shelters/{shelter_id}"), lambda s: s["checked_in"] == 2
    )
    assert (stats["present"], stats["checked_in"]) == (2, 2)
    assert await _get(admin, f"/api/roster/entries/{check_in.stay_id}") == first
    page = await _get(admin, f"/api/roster/shelters/{shelter_id}/entries")
    assert sorted(i["stay_id"] for i in page["items"]) == sorted(
        [str(check_in.stay_id), str(sentinel.stay_id)]
    )

    # A check-out delivered twice counts once.
    second_sentinel = _check_in(shelter_id)
    await _publish(stack, check_out, check_out, second_sentinel)
    stats = await eventually(
        lambda: _get(admin, f"/api/stats/shelters/{shelter_id}"), lambda s: s["checked_in"] == 3
    )
    assert (stats["present"], stats["checked_out"]) == (2, 1)
