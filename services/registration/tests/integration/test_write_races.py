"""A request's write and the outbox relay's pull of the same document both survive (FerretDB).

FerretDB v1 applies an update as "read the document, apply, write it back": without the
per-document write lock (`shelter_runtime.mongo.writing`) a shelter opened (S14) or a stay
checked out (S12) while the relay pulled the document's published events lost one of the two
writes, and an accepted change with it ("nothing accepted is ever lost").
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import cast
from uuid import uuid4

from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient

from shelter_contracts.events import (
    Channel,
    EvacueeCheckedIn,
    EvacueeCheckedOut,
    Event,
    ShelterFacts,
    ShelterOpened,
    ShelterRegistered,
)
from shelter_contracts.personal import EvacueePersonal
from shelter_registration.adapters.mongo import (
    SHELTERS_SOURCE,
    STAYS_SOURCE,
    MongoLinks,
    MongoShelters,
    MongoStatusItems,
    MongoStays,
)
from shelter_registration.domain import model
from shelter_registration.domain.links import DisasterLink
from shelter_registration.domain.model import Shelter, Stay
from shelter_runtime.mongo import Document
from shelter_runtime.outbox import OUTBOX_FIELD, OutboxRelay
from shelter_testing.brokers import RecordingBroker

AT = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
#: Documents raced at once: without the lock most of them lost a write.
RACES = 30


def _relay(shelters: MongoShelters, stays: MongoStays) -> tuple[OutboxRelay, RecordingBroker]:
    broker = RecordingBroker()
    relay = OutboxRelay(
        cast(KafkaBroker, broker),
        {SHELTERS_SOURCE: shelters.collection, STAYS_SOURCE: stays.collection},
    )
    return relay, broker


def _facts(shelter: Shelter) -> ShelterFacts:
    return ShelterFacts(name=shelter.name, capacity=shelter.capacity, is_open=shelter.is_open)


def _harm(kept: bool, event: Event, published: set[str], doc: Document | None) -> list[str]:
    """What a race did to one document: its change or its event lost, published events back."""
    assert doc is not None
    left = {str(e["event_id"]) for e in doc.get(OUTBOX_FIELD, [])}
    return [
        *([] if kept else ["change lost"]),
        *([] if str(event.event_id) in published | left else ["event neither published nor kept"]),
        *(["published event back in the outbox"] if published & left else []),
    ]


async def test_shelters_opened_while_the_relay_pulls_their_events_stay_open(
    mongo_client: AsyncMongoClient[Document], database_name: str, namespace: str
) -> None:
    """Created (or imported) and opened at once: the open and its event are kept (S14)."""
    db = mongo_client[database_name]
    shelters, stays = MongoShelters(db, namespace), MongoStays(db, namespace)
    relay, broker = _relay(shelters, stays)
    opened: dict[str, Event] = {}
    created = [Shelter(f"13101-{n:04d}", f"避難所{n}", 100) for n in range(RACES)]
    for shelter in created:
        registered = ShelterRegistered(
            occurred_at=AT,
            shelter_id=shelter.shelter_id,
            producer="t",
            version=1,
            shelter=_facts(shelter),
        )
        await shelters.add(shelter, [registered])  # its event waits in the outbox

    async def open_(shelter: Shelter) -> None:
        now_open = shelter.open(AT, "staff-1")
        event = ShelterOpened(
            occurred_at=AT,
            shelter_id=shelter.shelter_id,
            producer="t",
            version=now_open.version,
            shelter=_facts(now_open),
        )
        opened[shelter.shelter_id] = event
        await shelters.update(now_open, [event])

    # The request's write of each shelter meets the relay's delivery of its first event.
    await asyncio.gather(
        *(relay.deliver(SHELTERS_SOURCE, s.shelter_id) for s in created),
        *(open_(s) for s in created),
    )

    published, harmed = set(broker.published), {}
    for shelter in created:
        stored = await shelters.get(shelter.shelter_id)
        doc = await shelters.collection.find_one(shelter.shelter_id)
        kept = stored is not None and stored.is_open
        event = opened[shelter.shelter_id]
        harmed[shelter.shelter_id] = _harm(kept, event, published, doc)
    assert {k: v for k, v in harmed.items() if v} == {}
    await relay.deliver_all()
    assert {str(e.event_id) for e in opened.values()} <= set(broker.published)


async def test_stays_checked_out_while_the_relay_pulls_their_check_ins_are_checked_out(
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
    namespace: str,
    hanako: EvacueePersonal,
) -> None:
    """A check-out right after its check-in: the stay leaves and EvacueeCheckedOut is kept (S12)."""
    db = mongo_client[database_name]
    shelters, stays = MongoShelters(db, namespace), MongoStays(db, namespace)
    relay, broker = _relay(shelters, stays)
    checked_in: list[Stay] = []
    for n in range(RACES):
        person = hanako.model_copy(update={"given_name": f"花子{n}"})
        stay = Stay(
            uuid4(), "13101-0001", Channel.STAFF, person, AT, person_key=model.person_digest(person)
        )
        event = EvacueeCheckedIn(
            occurred_at=AT,
            shelter_id=stay.shelter_id,
            producer="t",
            stay_id=stay.stay_id,
            channel=stay.channel,
            personal=person,
            age_band=model.age_band(person.date_of_birth, AT.date()),
            sex=person.sex,
            household_key=model.household_digest(person),
            checked_in_at=AT,
        )
        await stays.add(stay, [event])  # its event waits in the outbox
        checked_in.append(stay)
    left_at = AT.replace(hour=18)
    checked_out = {
        stay.stay_id: EvacueeCheckedOut(
            occurred_at=left_at,
            shelter_id=stay.shelter_id,
            producer="t",
            stay_id=stay.stay_id,
            channel=stay.channel,
            checked_out_at=left_at,
        )
        for stay in checked_in
    }

    # The check-out claims first (its write comes later), so the two writes tend to meet.
    results = await asyncio.gather(
        *(stays.check_out(s.check_out(left_at), [checked_out[s.stay_id]]) for s in checked_in),
        *(relay.deliver(STAYS_SOURCE, str(stay.stay_id)) for stay in checked_in),
    )
    assert all(results[:RACES])

    published, harmed = set(broker.published), {}
    for stay in checked_in:
        stored = await stays.get(stay.stay_id)
        doc = await stays.collection.find_one(str(stay.stay_id))
        kept = stored is not None and stored.checked_out_at == left_at
        harmed[str(stay.stay_id)] = _harm(kept, checked_out[stay.stay_id], published, doc)
    assert {k: v for k, v in harmed.items() if v} == {}
    await relay.deliver_all()
    assert {str(e.event_id) for e in checked_out.values()} <= set(broker.published)


async def test_first_saves_of_settings_at_once_both_succeed(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    """Two administrators saving a setting for the first time at once: no error, one wins."""
    db = mongo_client[database_name]
    items, links = MongoStatusItems(db), MongoLinks(db)
    first = (DisasterLink("https://www.jma.go.jp/", "気象庁", "JMA"),)
    second = (DisasterLink("https://www.bousai.go.jp/", "内閣府防災", "Cabinet Office"),)
    for _ in range(10):
        await db["settings"].delete_many({})
        await asyncio.gather(
            items.set(("要介護",)),
            items.set(("妊娠中",)),
            links.set(first),
            links.set(second),
        )
        assert await items.get() in {("要介護",), ("妊娠中",)}
        assert await links.get() in {first, second}
