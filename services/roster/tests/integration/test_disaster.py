"""The roster on the test stack when the disaster is closed (災害収束, S10.3).

Real check-ins on Kafka build the roster; the disaster's file is downloaded from it (and
reported with `DisasterExported`); then `DisasterClosed` arrives and every entry, its name
keys, numbers and corrections are deleted, counted and reported with `PersonalDataDeleted`.
Delivered twice, the closure is reported twice and deleted once; stay events from before the
closure that arrive after it do not bring entries back.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import zipfile
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient

from shelter_contracts.events import (
    DisasterClosed,
    DisasterExported,
    EvacueeCheckedIn,
    PersonalDataDeleted,
)
from shelter_contracts.topics import DISASTER, EVACUEE_STAYS, SHELTERS
from shelter_roster.adapters.mongo import MongoRosterEntries, MongoShelterDirectory
from shelter_roster.adapters.purge import personal_data
from shelter_roster.domain.model import EntryNumbers
from shelter_roster.service_layer.handlers import (
    CorrectEntry,
    UnknownEntryError,
    check_in_facts,
    correct_entry,
)
from shelter_runtime.disaster import Purged
from shelter_runtime.mongo import Document
from shelter_testing import Stack, eventually
from shelter_testing.events import T0, check_in_event, check_out_event, personal
from shelter_text import fold_name

from ..conftest import make_shelter_event

NAME = "災害収束テスト"
A, B = "dc-0001", "dc-0002"


async def documents_naming(db: Any, needle: str) -> dict[str, int]:
    found: dict[str, int] = {}
    for name in await db.list_collection_names():
        hits = sum(
            needle in json.dumps(doc, default=str, ensure_ascii=False)
            for doc in await db[name].find({}).to_list()
        )
        if hits:
            found[name] = hits
    return found


@pytest.fixture
async def disaster_topic(stack: Stack, namespace: str) -> AsyncIterator[AIOKafkaConsumer]:
    consumer = AIOKafkaConsumer(
        DISASTER.name(namespace),
        bootstrap_servers=stack.kafka_bootstrap,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    yield consumer
    await consumer.stop()


async def _reports(consumer: AIOKafkaConsumer, seen: list[Any]) -> list[PersonalDataDeleted]:
    for messages in (await consumer.getmany(timeout_ms=200)).values():
        for m in messages:
            seen.append(DISASTER.payload.validate_json(m.value))
    return [e for e in seen if isinstance(e, PersonalDataDeleted)]


async def test_the_file_first_then_every_entry_deleted_and_reported(
    roster_api: httpx.AsyncClient,
    kafka_producer: KafkaBroker,
    namespace: str,
    disaster_topic: AIOKafkaConsumer,
    mongo_client: AsyncMongoClient[Document],
    database_name: str,
) -> None:
    stays = [
        check_in_event(A, minute=0, who=personal(NAME, "花子")),
        check_in_event(B, minute=1, who=personal(NAME, "太郎"), household_key="k" * 16),
    ]
    for shelter_id in (A, B):
        await kafka_producer.publish(
            make_shelter_event(shelter_id, f"避難所{shelter_id}", 1).model_dump_json().encode(),
            topic=SHELTERS.name(namespace),
            key=shelter_id.encode(),
        )
    for event in [*stays, check_out_event(A, stays[0].stay_id)]:
        await kafka_producer.publish(
            event.model_dump_json().encode(),
            topic=EVACUEE_STAYS.name(namespace),
            key=event.shelter_id.encode(),
        )
    await eventually(
        lambda: roster_api.get("/entries", params={"status": "checked_out"}),
        lambda r: r.status_code == 200 and r.json()["total"] == 1,
        within=60,
    )
    await eventually(
        lambda: roster_api.get("/entries"),
        lambda r: r.json()["total"] == 2,
        within=60,
    )

    exported = await roster_api.get("/disaster/export.zip")
    assert exported.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(exported.content))
    assert archive.read("roster.csv").decode("utf-8-sig").count(NAME) == 2
    db = mongo_client[database_name]
    assert await documents_naming(db, NAME)  # stored before
    # The folded names too: in the entries, the name keys and the shelters' listings.
    folded = await documents_naming(db, fold_name(NAME))
    assert {name.rsplit("_", 1)[0] for name in folded} >= {"check_ins", "shelter_entries"}

    closed = DisasterClosed.model_validate(
        {
            "occurred_at": "2026-11-25T09:00:00Z",
            "producer": "registration",
            "closure_id": "00000000-0000-0000-0000-000000000007",
            "actor": "admin-1",
        }
    )
    for _ in range(2):  # at least once: delivered twice
        await kafka_producer.publish(
            closed.model_dump_json().encode(), topic=DISASTER.name(namespace), key=b"disaster"
        )
    seen: list[Any] = []
    reports = await eventually(
        lambda: _reports(disaster_topic, seen), lambda r: len(r) >= 2, within=60
    )
    first, second = reports
    assert first == second  # deleted once, the same report sent again
    assert (first.service, first.closure_id) == ("roster", closed.closure_id)
    assert first.documents_deleted > 0 and first.documents_remaining == 0
    assert any(c.startswith("check_ins") for c in first.collections)
    assert any(c.startswith("name_keys") for c in first.collections)
    (export,) = [e for e in seen if isinstance(e, DisasterExported)]
    assert (export.entries, export.shelters, export.producer) == (2, 2, "roster")

    assert await documents_naming(db, NAME) == {}
    assert await documents_naming(db, fold_name(NAME)) == {}
    assert any(c.startswith("shelter_entries") for c in first.collections)  # names, numbers
    assert (await roster_api.get("/entries")).json()["total"] == 0
    # The shelter directory is master data: kept for the next disaster.
    assert await MongoShelterDirectory(db).shelters.count_documents({}) == 2

    # Stay events from before the closure, still on their way (a slow outbox), then one after.
    late = check_in_event(A, minute=5, who=personal(NAME, "遅延"))
    assert late.occurred_at < closed.occurred_at
    fresh = check_in_event(A, minute=0, who=personal("次の災害", "一郎")).model_copy(
        update={"occurred_at": closed.occurred_at + timedelta(minutes=1)}
    )
    for event in (late, fresh):
        await kafka_producer.publish(
            event.model_dump_json().encode(),
            topic=EVACUEE_STAYS.name(namespace),
            key=event.shelter_id.encode(),
        )
    after = await eventually(
        lambda: roster_api.get("/entries"), lambda r: r.json()["total"] >= 1, within=60
    )
    # One shelter, one partition, in order: the fresh one applied means the late one was seen.
    assert after.json()["total"] == 1
    assert await documents_naming(db, NAME) == {}
    assert await documents_naming(db, fold_name(NAME)) == {}
    assert any(c.startswith("shelter_entries") for c in first.collections)  # names, numbers


async def test_a_correction_made_while_the_purge_runs_never_brings_personal_data_back(
    mongo_client: AsyncMongoClient[Document], database_name: str
) -> None:
    """Corrections take the purge's lock: one that read its entry before the deletion used to
    write its name keys and history after it, once the purge had counted 0 left (S10.3)."""
    db = mongo_client[database_name]
    personal_writes = asyncio.Lock()
    entries = MongoRosterEntries(db, personal_writes=personal_writes)
    data = personal_data(db)
    stays = [check_in_event(A, minute=n, who=personal(NAME, f"花子{n}")) for n in range(20)]
    for n, event in enumerate(stays):
        await entries.record_many(
            [(check_in_facts(event), EntryNumbers(serial=n + 1, household_number=n + 1))], []
        )

    async def correct(event: EvacueeCheckedIn) -> None:
        command = CorrectEntry(
            stay_id=event.stay_id,
            at=T0,
            actor="staff-1",
            personal={"family_name": "訂正後", "given_name": "花子"},
        )
        with contextlib.suppress(UnknownEntryError):  # deleted before it got its turn
            await correct_entry(command, entries)

    async def purge() -> Purged:
        async with personal_writes:
            return await data.purge()

    corrections = [asyncio.create_task(correct(e)) for e in stays]
    purged = await purge()
    await asyncio.gather(*corrections)
    assert purged.remaining == 0
    assert await documents_naming(db, NAME) == {}
    assert await documents_naming(db, "訂正後") == {}
    assert await documents_naming(db, fold_name("訂正後")) == {}
