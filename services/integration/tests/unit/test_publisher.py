"""Contract tests: the publisher against the fake NGSI-LD broker (rules and faults noted there)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from shelter_contracts.events import CrowdingLevel
from shelter_integration.adapters.ngsi_ld import BrokerUnavailableError, NgsiLdBroker
from shelter_integration.domain import entities
from shelter_integration.domain.model import Facts, Occupancy
from shelter_integration.service_layer.ports import Shelters
from shelter_integration.service_layer.publisher import (
    MAX_ENTITY_ATTEMPTS,
    Publisher,
    PublisherMetrics,
)
from shelter_testing.ngsi_ld_broker import CONTEXT_REL, FakeBroker
from shelter_testing.polling import eventually

CODE = "131016"
T0 = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
CONTEXT_URL = "http://integration.test/ngsi-ld/context.jsonld"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def fake() -> FakeBroker:
    return FakeBroker()


@pytest.fixture
def clock() -> Clock:
    return Clock()


Make = Callable[..., Publisher]


@pytest.fixture
async def make(fake: FakeBroker, shelters: Shelters, clock: Clock) -> AsyncIterator[Make]:
    clients: list[NgsiLdBroker] = []

    def build(*, mode: str = "inline", tenant: str | None = None, **options: Any) -> Publisher:
        client = NgsiLdBroker(
            "http://broker",
            tenant=tenant,
            context_mode=mode,  # type: ignore[arg-type]
            context_url=CONTEXT_URL,
            timeout_seconds=options.pop("timeout_seconds", 2.0),
            transport=fake.transport(),
        )
        clients.append(client)
        return Publisher(
            shelters,
            client,
            local_government_code=CODE,
            clock=options.pop("clock", clock),
            **options,
        )

    yield build
    for client in clients:
        await client.close()


async def _shelter(shelters: Shelters, n: int, present: int = 0, version: int = 1) -> str:
    shelter_id = f"13101-{n:04d}"
    await shelters.record_facts(
        shelter_id,
        Facts(version=version, name=f"避難所{n}", capacity=10, is_open=True, opened_at=T0),
    )
    await shelters.record_occupancy(shelter_id, _counts(present, T0 + timedelta(seconds=present)))
    return shelter_id


def _counts(present: int, at: datetime) -> Occupancy:
    level = CrowdingLevel.FULL if present >= 10 else CrowdingLevel.VACANT
    return Occupancy(
        at,
        present=present,
        households=present,
        capacity=10,
        occupancy_rate=present / 10,
        crowding_level=level,
    )


def _overlay(fake: FakeBroker, shelter_id: str, tenant: str = "") -> dict[str, Any]:
    found = fake.entity(entities.evacuation_shelter_id(shelter_id), tenant)
    assert found is not None, f"no overlay of {shelter_id}"
    return found


async def test_publishes_both_entities_and_the_summary_inline(
    make: Make, fake: FakeBroker, shelters: Shelters
) -> None:
    sent: list[int] = []
    lags: list[float] = []
    publisher = make(now=lambda: T0 + timedelta(seconds=10))
    publisher.metrics = PublisherMetrics(sent=sent.append, lag=lags.append)
    shelter_id = await _shelter(shelters, 1, present=3)
    publisher.touch(shelter_id)
    assert await publisher.publish_due() == 1
    assert _overlay(fake, shelter_id)["evacueeTotal"]["value"] == 3
    assert fake.entity(entities.designated_shelter_id(shelter_id)) is not None
    assert fake.entity(entities.summary_id(CODE)) is not None
    headers = fake.stats.last_upsert_headers
    assert headers["content-type"] == "application/ld+json" and "link" not in headers
    assert "ngsild-tenant" not in headers
    assert sum(sent) == 3  # two shelter entities and the summary
    assert lags == [7.0]  # counted at T0 + 3 s, sent at T0 + 10 s


async def test_failures_are_counted_by_kind(
    make: Make, fake: FakeBroker, shelters: Shelters, clock: Clock
) -> None:
    failed: list[tuple[int, str]] = []
    publisher = make()
    publisher.metrics = PublisherMetrics(failed=lambda n, kind: failed.append((n, kind)))
    shelter_id = await _shelter(shelters, 1)
    fake.faults.down = True
    publisher.touch(shelter_id)
    with pytest.raises(BrokerUnavailableError):
        await publisher.publish_due()
    fake.faults.down = False
    fake.faults.entity_errors = {entities.evacuation_shelter_id(shelter_id)}
    await publisher.publish_due()
    assert failed == [(1, "unavailable"), (1, "entity")]


async def test_link_header_mode_and_tenant(
    make: Make, fake: FakeBroker, shelters: Shelters
) -> None:
    publisher = make(mode="link", tenant="city")
    shelter_id = await _shelter(shelters, 1)
    publisher.touch(shelter_id)
    await publisher.publish_due()
    headers = fake.stats.last_upsert_headers
    assert headers["content-type"] == "application/json"
    assert headers["link"] == f'<{CONTEXT_URL}>; rel="{CONTEXT_REL}"; type="application/ld+json"'
    assert headers["ngsild-tenant"] == "city"
    assert _overlay(fake, shelter_id, "city")["openingStatus"]["value"] == "open"


async def test_coalesces_to_one_update_per_interval_and_keeps_the_latest(
    make: Make, fake: FakeBroker, shelters: Shelters, clock: Clock
) -> None:
    publisher = make(interval_seconds=1.0)
    shelter_id = await _shelter(shelters, 1)
    publisher.touch(shelter_id)
    await publisher.publish_due()
    upserts = fake.stats.upserts
    for present in range(1, 11):  # a burst within the interval
        await shelters.record_occupancy(
            shelter_id, _counts(present, T0 + timedelta(minutes=present))
        )
        publisher.touch(shelter_id)
        assert await publisher.publish_due() == 0
    assert fake.stats.upserts == upserts
    clock.now = 1.0
    assert await publisher.publish_due() == 1
    overlay = _overlay(fake, shelter_id)
    assert overlay["evacueeTotal"]["value"] == 10
    assert overlay["openingStatus"]["value"] == "full"
    assert overlay["crowdingLevel"]["value"] == "full"


async def test_the_summary_is_coalesced_too_and_never_starved(
    make: Make, fake: FakeBroker, shelters: Shelters, clock: Clock
) -> None:
    publisher = make(interval_seconds=1.0, batch_shelters=1)
    first, second = await _shelter(shelters, 1, present=2), await _shelter(shelters, 2, present=3)
    publisher.touch(first)
    publisher.touch(second)
    await publisher.publish_due()  # the first shelter and the summary; the second still waits
    assert publisher.waiting == 1
    summary = fake.entity(entities.summary_id(CODE)) or {}
    assert summary["evacueeTotal"]["value"] == 5
    await publisher.publish_due()  # the second shelter (the summary already counted it)
    assert publisher.seconds_until_due() is None
    await shelters.record_occupancy(second, _counts(4, T0 + timedelta(minutes=1)))
    publisher.touch(second)
    assert publisher.seconds_until_due() == 1.0  # shelter and summary wait for the interval
    upserts = fake.stats.upserts
    clock.now = 1.0
    await publisher.publish_due()
    assert fake.stats.upserts == upserts + 2  # the shelter's batch, then the summary
    assert (fake.entity(entities.summary_id(CODE)) or {})["evacueeTotal"]["value"] == 6


async def test_a_207_retries_only_the_refused_shelter(
    make: Make, fake: FakeBroker, shelters: Shelters, clock: Clock
) -> None:
    publisher = make(interval_seconds=1.0)
    good, bad = await _shelter(shelters, 1), await _shelter(shelters, 2)
    fake.faults.entity_errors = {entities.evacuation_shelter_id(bad)}
    publisher.touch(good)
    publisher.touch(bad)
    assert await publisher.publish_due() == 1
    assert fake.entity(entities.evacuation_shelter_id(bad)) is None
    assert publisher.waiting == 1 and publisher.link.attempts[bad] == 1
    fake.faults.entity_errors = set()
    clock.now = 1.0
    assert await publisher.publish_due() == 1
    assert _overlay(fake, bad)["evacueeTotal"]["value"] == 0


async def test_a_shelter_refused_every_time_waits_for_its_next_change(
    make: Make, fake: FakeBroker, shelters: Shelters, clock: Clock
) -> None:
    publisher = make(interval_seconds=1.0)
    bad = await _shelter(shelters, 2)
    fake.faults.entity_errors = {entities.evacuation_shelter_id(bad)}
    publisher.touch(bad)
    for attempt in range(MAX_ENTITY_ATTEMPTS):
        clock.now = float(attempt)
        await publisher.publish_due()
    assert publisher.waiting == 0


async def test_a_400_for_the_whole_batch_is_split_per_shelter(
    make: Make, fake: FakeBroker, shelters: Shelters
) -> None:
    publisher = make()
    first, second = await _shelter(shelters, 1), await _shelter(shelters, 2)
    fake.faults.status, fake.faults.times = 400, 2  # the batch, then the first shelter alone
    publisher.touch(first)
    publisher.touch(second)
    assert await publisher.publish_due() == 1
    assert fake.entity(entities.evacuation_shelter_id(first)) is None
    assert _overlay(fake, second)["evacueeTotal"]["value"] == 0


@pytest.mark.parametrize("fault", ["down", "500", "slow"])
async def test_an_unavailable_broker_keeps_everything_for_later(
    make: Make, fake: FakeBroker, shelters: Shelters, fault: str
) -> None:
    publisher = make(timeout_seconds=0.2)
    shelter_id = await _shelter(shelters, 1, present=2)
    if fault == "down":
        fake.faults.down = True
    elif fault == "500":
        fake.faults.status = 500
    else:
        fake.faults.delay_seconds = 0.5
    publisher.touch(shelter_id)
    with pytest.raises(BrokerUnavailableError):
        await publisher.publish_due()
    assert publisher.waiting == 1 and not publisher.link.up
    fake.faults = type(fake.faults)()
    assert await publisher.publish_due() == 1
    assert publisher.link.up
    assert _overlay(fake, shelter_id)["evacueeTotal"]["value"] == 2


async def test_the_broker_converges_after_an_outage_that_lost_its_data(
    make: Make, fake: FakeBroker, shelters: Shelters
) -> None:
    publisher = make(
        interval_seconds=0.05,
        retry_initial_seconds=0.05,
        retry_max_seconds=0.2,
        clock=asyncio.get_running_loop().time,
    )
    ids = [await _shelter(shelters, n) for n in range(1, 121)]
    task = asyncio.create_task(publisher.run())
    try:
        await eventually(lambda: _count(fake), lambda n: n == 2 * len(ids) + 1, within=10)
        fake.faults.down = True
        for n, shelter_id in enumerate(ids):  # check-ins while the broker is down
            await shelters.record_occupancy(
                shelter_id, _counts(5, T0 + timedelta(hours=1, seconds=n))
            )
            publisher.touch(shelter_id)
        await eventually(lambda: _false(publisher.link.up), lambda down: down, within=5)
        fake.reset()  # it comes back empty
        await eventually(lambda: _totals(fake, ids), lambda total: total == 5 * len(ids), within=15)
        assert fake.entity(entities.summary_id(CODE)) is not None
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def _count(fake: FakeBroker) -> int:
    return len(fake.tenants[""])


async def _false(value: bool) -> bool:
    return not value


async def _totals(fake: FakeBroker, ids: list[str]) -> int:
    found = [fake.entity(entities.evacuation_shelter_id(s)) for s in ids]
    return sum(e["evacueeTotal"]["value"] for e in found if e is not None)
