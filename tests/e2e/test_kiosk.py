"""The kiosk end to end (S1.3, S6): staff sign-in opens the shelter, a card is read through
PC/SC, the read travels Kafka -> registration -> roster (channel 1) and the count rises."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from pydantic import SecretStr

from shelter_kiosk.adapters.pcsc import PcscCardReader
from shelter_kiosk.bootstrap import bootstrap
from shelter_kiosk.config import Settings
from shelter_kiosk.simulator.cards import DrivingLicenceCard, MyNumberCard, licence_ef01
from shelter_kiosk.simulator.pcscd import VirtualReader, running_pcscd
from shelter_kiosk.simulator.vpcd import InsertedCard
from shelter_runtime.settings import Environment
from shelter_testing import eventually
from shelter_testing.stack import Stack


@pytest.fixture(scope="module")
def virtual_reader() -> Iterator[VirtualReader]:
    """A private pcscd with its vpcd reader (simulator/pcscd.py): no other stack sees it."""
    with running_pcscd() as virtual:
        yield virtual


@pytest.fixture
def pcscd(virtual_reader: VirtualReader) -> int:
    return virtual_reader.port


async def _new_shelter(admin: httpx.AsyncClient) -> str:
    """Registered but closed: the kiosk's sign-in sends the open notice."""
    shelter_id = f"kiosk-{uuid.uuid4().hex[:10]}"
    response = await admin.post(
        "/api/registration/shelters",
        json={"shelter_id": shelter_id, "name": "キオスク避難所", "capacity": 10},
    )
    assert response.status_code == 201, response.text
    return shelter_id


@pytest.fixture
async def kiosk(
    stack: Stack, admin: httpx.AsyncClient, virtual_reader: VirtualReader, tmp_path: Path
) -> AsyncIterator[tuple[FastAPI, str]]:
    shelter_id = await _new_shelter(admin)
    issued = await admin.post(
        "/api/auth/kiosk-tokens", json={"shelter_id": shelter_id, "label": "入口キオスク"}
    )
    assert issued.status_code == 201, issued.text
    settings = Settings(
        environment=Environment.TEST,
        shelter_id=shelter_id,
        device_token=SecretStr(issued.json()["token"]),
        api_base_url=stack.gateway_url,
        kafka_bootstrap_servers=stack.kafka_bootstrap,
        kafka_topic_namespace=stack.topic_namespace,
        data_dir=tmp_path / "kiosk",
        forward_retry_seconds=0.5,
    )
    app = bootstrap(settings, reader=PcscCardReader(virtual_reader.name, wait_seconds=5))
    async with LifespanManager(app):
        yield app, shelter_id


async def _json(client: httpx.AsyncClient, path: str) -> Any:
    response = await client.get(path)
    return response.json() if response.status_code == 200 else None


async def test_card_check_in_reaches_roster_with_channel_1_and_the_count(
    kiosk: tuple[FastAPI, str],
    stack: Stack,
    admin: httpx.AsyncClient,
    gateway: httpx.AsyncClient,
    pcscd: int,
) -> None:
    app, shelter_id = kiosk
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kiosk") as screen:
        refused = await screen.post(
            "/api/session", json={"user_id": "admin", "password": "wrong-password-1"}
        )
        assert refused.status_code == 401
        signed_in = await screen.post(
            "/api/session", json={"user_id": "admin", "password": stack.admin_password()}
        )
        assert signed_in.status_code == 200, signed_in.text
        shelter = await _json(admin, f"/api/registration/shelters/{shelter_id}")
        assert shelter["is_open"] is True  # the sign-in sent the open notice (S6.1)
        before = await _json(gateway, f"/api/stats/shelters/{shelter_id}")
        assert before is None or before["present"] == 0

        with InsertedCard(MyNumberCard(pin="1234"), pcscd):
            read = await screen.post(
                "/api/card-reads", json={"purpose": "check_in", "digits": "1234"}
            )
        assert read.status_code == 201, read.text
        assert read.json()["family_name"] == "黒桐"

        page = await eventually(
            lambda: _json(admin, f"/api/roster/shelters/{shelter_id}/entries"),
            lambda p: p is not None and len(p["items"]) == 1,
            within=60,
        )
        entry = page["items"][0]
        assert entry["channel"] == 1
        assert (entry["personal"]["family_name"], entry["personal"]["given_name"]) == (
            "黒桐",
            "幹也",
        )
        await eventually(
            lambda: _json(gateway, f"/api/stats/shelters/{shelter_id}"),
            lambda s: s is not None and s["present"] == 1,
            within=60,
        )

        # The same person leaves with a driving licence (same name and birth date).
        licence = DrivingLicenceCard(
            pin1="4321",
            ef01=licence_ef01("黒桐　幹也", "コクトウ　ミキヤ", "3550217", "東京都清瀬市"),
        )
        with InsertedCard(licence, pcscd):
            out = await screen.post(
                "/api/card-reads", json={"purpose": "check_out", "digits": "4321"}
            )
        assert out.status_code == 201, out.text
        await eventually(
            lambda: _json(gateway, f"/api/stats/shelters/{shelter_id}"),
            lambda s: s["present"] == 0 and s["checked_out"] == 1,
            within=60,
        )

        # Notices are for staff only: they type their password again at the kiosk (S6.6).
        unlocked = await screen.post(
            "/api/staff-unlock", json={"user_id": "admin", "password": stack.admin_password()}
        )
        assert unlocked.status_code == 200, unlocked.text
        closed = await screen.post("/api/notices/close")
        assert closed.status_code == 200, closed.text
        shelter = await _json(admin, f"/api/registration/shelters/{shelter_id}")
        assert shelter["is_open"] is False  # the close notice (S6.6) closed it
        assert (await screen.get("/api/state")).json()["signed_in"] is False
