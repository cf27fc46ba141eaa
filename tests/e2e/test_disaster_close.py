"""Disaster closed (災害収束, S10.3) through the gateway, across every service.

Check-ins in two shelters; both closed; the button is refused until the administrator
downloads the disaster's file (every shelter's roster and a summary); then it is pressed.
Registration and the roster then hold no personal data (their databases are searched
directly for the test's names), the status confirms each service's deletion, and the audit
trail shows the export and the close. Stats, integration and auth declare they hold no
personal data: their databases are searched for the same names to prove it.

The close deletes the personal data of the whole stack, so every shelter still open (left by
earlier tests) is closed first: that is what the button requires.
"""

from __future__ import annotations

import csv
import io
import json
import secrets
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from shelter_runtime.mongo import Document
from shelter_testing import eventually
from shelter_testing.stack import Stack

from .conftest import open_shelter

SERVICES = ("registration", "roster", "stats", "integration", "auth")
#: Other people in each shelter: the same person checking in elsewhere would be a transfer.
GIVEN = (("花子", "太郎"), ("一郎", "次郎"))


async def documents_naming(
    client: AsyncMongoClient[Document], database: str, needles: list[str]
) -> dict[str, int]:
    """Per collection of `database`, the documents whose stored form contains a needle."""
    db = client[database]
    found: dict[str, int] = {}
    for name in await db.list_collection_names():
        hits = 0
        for doc in await db[name].find({}).to_list():
            stored = json.dumps(doc, default=str, ensure_ascii=False)
            hits += any(needle in stored for needle in needles)
        if hits:
            found[name] = hits
    return found


async def _close_every_open_shelter(admin: httpx.AsyncClient) -> list[str]:
    """Close what is open; the ids closed, to open them again for the tests after this one."""
    closed_ids: list[str] = []
    offset = 0
    while True:
        page = (await admin.get("/api/registration/shelters", params={"offset": offset})).json()
        for shelter in page["items"]:
            if shelter["is_open"]:
                closed = await admin.post(
                    f"/api/registration/shelters/{shelter['shelter_id']}/close"
                )
                assert closed.status_code == 200, closed.text
                closed_ids.append(shelter["shelter_id"])
        offset += page["limit"]
        if offset >= page["total"]:
            return closed_ids


async def _reopen(admin: httpx.AsyncClient, shelter_ids: list[str]) -> None:
    for shelter_id in shelter_ids:
        opened = await admin.post(f"/api/registration/shelters/{shelter_id}/open")
        assert opened.status_code == 200, opened.text


def _csv(archive: zipfile.ZipFile, name: str) -> list[list[str]]:
    text = archive.read(name).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


async def test_disaster_closed_exports_then_deletes_personal_data_everywhere(
    admin: httpx.AsyncClient,
    gateway: httpx.AsyncClient,
    stack: Stack,
    mongo_client: AsyncMongoClient[Document],
    person: dict[str, Any],
) -> None:
    since = (datetime.now(UTC) - timedelta(minutes=5)).isoformat()
    marker = secrets.token_hex(4)
    family = f"収束{marker}"
    phone = f"090-{secrets.randbelow(10_000):04d}-{secrets.randbelow(10_000):04d}"
    shelters = [await open_shelter(admin, "収束小学校"), await open_shelter(admin, "収束中学校")]
    stays: list[str] = []
    for n, shelter_id in enumerate(shelters):
        for given in GIVEN[n]:
            checked_in = await gateway.post(
                f"/api/registration/shelters/{shelter_id}/check-ins",
                json={
                    "personal": {
                        **person,
                        "family_name": family,
                        "given_name": given,
                        "phone": phone,
                    },
                    "consent": True,
                    "message": f"伝言{marker}{n}",
                },
            )
            assert checked_in.status_code == 201, checked_in.text
            stays.append(checked_in.json()["stay_id"])
    forced = await admin.post(
        f"/api/registration/shelters/{shelters[0]}/stays/{stays[0]}/forced-check-out"
    )
    assert forced.status_code == 200, forced.text

    async def roster_total(shelter_id: str, status: str) -> int:
        answer = await admin.get(
            f"/api/roster/shelters/{shelter_id}/entries", params={"status": status}
        )
        assert answer.status_code == 200, answer.text
        return int(answer.json()["total"])

    async def roster_counts() -> list[int]:
        return [
            await roster_total(s, status) for s in shelters for status in ("all", "checked_out")
        ]

    await eventually(roster_counts, lambda counts: counts == [2, 1, 2, 0], within=60)

    needles = [family, phone, f"伝言{marker}"]
    before = {
        s: await documents_naming(mongo_client, f"{stack.name}-{s}", needles) for s in SERVICES
    }
    assert before["registration"] and before["roster"]  # the search finds what is there
    for service in ("stats", "integration", "auth"):
        assert before[service] == {}, f"{service} holds personal data: {before[service]}"

    refused = await admin.post(
        "/api/registration/disaster/close", json={"confirmation": "災害収束"}
    )
    assert refused.status_code == 409
    assert set(shelters) <= set(refused.json()["open_shelters"])
    others = [s for s in await _close_every_open_shelter(admin) if s not in shelters]
    try:

        async def close() -> httpx.Response:
            return await admin.post(
                "/api/registration/disaster/close", json={"confirmation": "災害収束"}
            )

        def problem_type(response: httpx.Response) -> str:
            return str(response.json().get("type", "")).rsplit("/", 1)[-1]

        # Every shelter closed, but no export since the last one closed: refused (once the
        # check-ins and closings above are all out of registration's outbox).
        unexported = await eventually(
            close, lambda r: r.status_code == 409 and problem_type(r) == "export-required"
        )
        assert unexported.json()["title_ja"] and unexported.json()["last_shelter_closed_at"]
        exported = await admin.get("/api/roster/disaster/export.zip")
        assert exported.status_code == 200, exported.text
        archive = zipfile.ZipFile(io.BytesIO(exported.content))
        roster = [r for r in _csv(archive, "roster.csv")[1:] if r[0] in shelters]
        assert sorted((r[0], r[4]) for r in roster) == sorted(
            (s, f"{family} {given}") for n, s in enumerate(shelters) for given in GIVEN[n]
        )
        assert sum(1 for r in roster if r[-1]) == 1  # the forced check-out, with its time
        summary = {r[0]: r for r in _csv(archive, "shelters.csv")[1:]}
        assert summary[shelters[0]][1:5] == ["収束小学校", "2", "1", "1"]
        assert summary[shelters[1]][1:5] == ["収束中学校", "2", "2", "0"]

        wrong = await admin.post("/api/registration/disaster/close", json={"confirmation": "yes"})
        assert wrong.status_code == 422
        # The roster reports the export on Kafka: registration knows of it shortly after.
        closed = await eventually(
            close,
            lambda r: r.status_code != 409,
            within=60,
            interval=0.5,
        )
        assert closed.status_code == 202, closed.text
        closure_id = closed.json()["closure_id"]

        async def status() -> dict[str, Any]:
            answer = await admin.get("/api/registration/disaster/status")
            assert answer.status_code == 200, answer.text
            body: dict[str, Any] = answer.json()
            return body

        final = await eventually(status, lambda s: s["complete"], within=120, interval=1.0)
        assert final["closure"]["closure_id"] == closure_id
        by_service = {s["service"]: s for s in final["services"]}
        assert set(by_service) == set(SERVICES)
        for service in ("registration", "roster"):
            assert by_service[service]["deletion"] == "confirmed"
            assert by_service[service]["documents_deleted"] > 0
        for service in ("stats", "integration", "auth"):
            assert by_service[service]["deletion"] == "not_applicable"

        after = {
            s: await documents_naming(mongo_client, f"{stack.name}-{s}", needles) for s in SERVICES
        }
        assert after == {service: {} for service in SERVICES}
        assert (await roster_total(shelters[0], "all"), await roster_total(shelters[1], "all")) == (
            0,
            0,
        )
        kept = (await admin.get(f"/api/registration/shelters/{shelters[0]}")).json()
        assert (kept["name"], kept["is_open"]) == ("収束小学校", False)  # master data stays

        async def trail() -> list[dict[str, Any]]:
            answer = await admin.get("/api/auth/audit", params={"from": since})
            assert answer.status_code == 200, answer.text
            records: list[dict[str, Any]] = answer.json()
            return records

        records = await eventually(
            trail,
            lambda rs: {"disaster.exported", "disaster.closed"} <= {r["action"] for r in rs},
            within=30,
            interval=0.5,
        )
        export_record = next(r for r in records if r["action"] == "disaster.exported")
        close_record = next(r for r in records if r["action"] == "disaster.closed")
        assert (export_record["service"], export_record["actor"]) == ("roster", "admin")
        assert (close_record["service"], close_record["actor"]) == ("registration", "admin")
        assert close_record["target_id"] == closure_id
        assert family not in json.dumps(records, ensure_ascii=False)

        # A new disaster: a shelter opens again and takes check-ins.
        reopened = await admin.post(f"/api/registration/shelters/{shelters[1]}/open")
        assert reopened.status_code == 200, reopened.text
        again = await gateway.post(
            f"/api/registration/shelters/{shelters[1]}/check-ins",
            json={"personal": {**person, "family_name": family}, "consent": True},
        )
        assert again.status_code == 201, again.text
        await eventually(lambda: roster_total(shelters[1], "all"), lambda t: t == 1, within=60)
        closed_again = await admin.post(f"/api/registration/shelters/{shelters[1]}/close")
        assert closed_again.status_code == 200
    finally:
        await _reopen(admin, others)
