"""The kiosk's local API with a fake card reader: sign-in gate, PIN errors, queue before done."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from shelter_contracts.kiosk import CardRead
from shelter_kiosk.adapters.auth import StaticTokens
from shelter_kiosk.bootstrap import bootstrap
from shelter_kiosk.config import Settings
from shelter_kiosk.domain import cards
from shelter_kiosk.service_layer.ports import CardChannel
from shelter_kiosk.simulator.cards import MyNumberCard
from shelter_runtime.settings import Environment, UnsafeSettingsError

T = TypeVar("T")


class FakeReader:
    """A card that answers in-process (the PC/SC path is covered by the integration tests)."""

    def __init__(self) -> None:
        self.card: MyNumberCard | None = MyNumberCard(pin="1234")
        self.failure: cards.CardError | None = None

    def with_card(self, session: Callable[[CardChannel], T]) -> T:
        if self.failure is not None:
            raise self.failure
        assert self.card is not None
        card: MyNumberCard = self.card

        class Channel:
            def transmit(self, apdu: bytes) -> tuple[bytes, int, int]:
                answer = card.respond(apdu)
                return answer[:-2], answer[-2], answer[-1]

        return session(Channel())


@pytest.fixture
def reader() -> FakeReader:
    return FakeReader()


@pytest.fixture
async def app(tmp_path: Path, reader: FakeReader) -> AsyncIterator[FastAPI]:
    settings = Settings(
        environment=Environment.TEST,
        data_dir=tmp_path,
        kafka_bootstrap_servers="127.0.0.1:1",  # unreachable: reads stay queued
        forward_retry_seconds=60,
    )
    app = bootstrap(settings, reader=reader, tokens=StaticTokens("t"))
    async with LifespanManager(app):
        yield app


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kiosk") as c:
        yield c


def _sign_in(app: FastAPI) -> None:
    app.state.kiosk.session = "s"  # the staff sign-in itself needs auth: see the e2e test


async def test_the_page_and_its_state(client: httpx.AsyncClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200 and "避難所受付" in page.text
    assert (await client.get("/static/kiosk.js")).status_code == 200
    state = (await client.get("/api/state")).json()
    assert state["signed_in"] is False and state["queued"] == 0


async def test_card_reads_need_a_signed_in_kiosk(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/card-reads", json={"purpose": "check_in", "digits": "1234"})
    assert response.status_code == 403
    assert response.json()["title_ja"] == "係員がログインしてください"


async def test_a_read_is_queued_encrypted_before_done(
    app: FastAPI, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    _sign_in(app)
    response = await client.post("/api/card-reads", json={"purpose": "check_in", "digits": "1234"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["family_name"], body["given_name"], body["sequence"]) == ("黒桐", "幹也", 1)
    queue = app.state.kiosk.queue
    [(seq, plain)] = queue.oldest()
    stored = json.loads(plain)
    assert "trace" in stored  # the reading's trace context, continued by the forward
    del stored["trace"]
    read = CardRead.model_validate({**stored, "access_token": "x"})
    assert (seq, read.face.family_name, str(read.event_id)) == (1, "黒桐", body["event_id"])
    assert b"access_token" not in plain  # the token is attached at delivery only


@pytest.mark.parametrize(
    ("failure", "status", "slug"),
    [
        (cards.CardBlockedError(), 422, "card-blocked"),
        (cards.UnknownCardError(), 422, "card-unknown"),
        (cards.CardRemovedError(), 422, "card-removed"),
        (cards.GarbledCardError(), 422, "card-garbled"),
        (cards.NoCardError(), 422, "card-absent"),
        (cards.ReaderUnavailableError(), 503, "reader-unavailable"),
    ],
)
async def test_card_problems_are_clear(
    app: FastAPI,
    client: httpx.AsyncClient,
    reader: FakeReader,
    failure: cards.CardError,
    status: int,
    slug: str,
) -> None:
    _sign_in(app)
    reader.failure = failure
    response = await client.post("/api/card-reads", json={"purpose": "check_in", "digits": "1234"})
    problem: dict[str, Any] = response.json()
    assert response.status_code == status
    assert problem["type"].endswith(slug) and problem["title_ja"]
    assert len(app.state.kiosk.queue) == 0


async def test_wrong_pin_answers_with_the_tries_left(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    _sign_in(app)
    response = await client.post("/api/card-reads", json={"purpose": "check_in", "digits": "0000"})
    assert response.status_code == 422
    assert response.json()["tries_left"] == 2
    assert "残り2回" in response.json()["title_ja"]


async def test_bad_digits_are_a_problem_not_a_crash(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    _sign_in(app)
    response = await client.post("/api/card-reads", json={"purpose": "check_in", "digits": "12"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


class FakeAuth:
    """The auth and registration APIs the kiosk calls at sign-in and unlock (MockTransport)."""

    def __init__(self) -> None:
        self.password = STAFF["password"]
        self.offline = False
        #: The answer's role and shelters for each user id (S10.5).
        self.grants: dict[str, dict[str, Any]] = {
            "admin": {"role": "administrator", "shelters": []},
            "staff-here": {"role": "shelter_staff", "shelters": ["13101-0001"]},
            "staff-there": {"role": "shelter_staff", "shelters": ["13101-0002"]},
            "hq": {"role": "hq_viewer", "shelters": []},
        }
        self.calls: list[str] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.url.path)
        if self.offline:
            raise httpx.ConnectError("offline", request=request)
        if request.url.path == "/api/auth/sign-in":
            body = json.loads(request.content)
            if body["password"] != self.password:
                return httpx.Response(401, json={"title": "refused"})
            grant = self.grants[body["user_id"]]
            return httpx.Response(200, json={"access_token": "staff-token", **grant})
        return httpx.Response(200, json={"is_open": True})  # the open/close notices


@pytest.fixture
async def fake_auth(app: FastAPI) -> AsyncIterator[FakeAuth]:
    fake = FakeAuth()
    kiosk = app.state.kiosk
    original = kiosk.http
    kiosk.http = httpx.AsyncClient(transport=httpx.MockTransport(fake.handle))
    yield fake
    await kiosk.http.aclose()
    kiosk.http = original


SETTINGS = {"shelter_name": "千代田小学校", "api_base_url": "", "voice": False, "era_screen": False}
STAFF = {"user_id": "admin", "password": "staff-password-1"}


async def _staff_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/session", json=STAFF)
    assert response.status_code == 200, response.text


async def test_a_signed_in_kiosk_still_asks_for_the_staff_password(
    app: FastAPI, client: httpx.AsyncClient, fake_auth: FakeAuth
) -> None:
    """Issue 6.2: the browser that signed in is the evacuees' too; its cookies open nothing."""
    await _staff_sign_in(client)
    for method, path, body in [
        ("PUT", "/api/settings", SETTINGS),
        ("POST", "/api/notices/close", None),
        ("POST", "/api/notices/open", None),
        ("DELETE", "/api/session", None),
    ]:
        refused = await client.request(method, path, json=body)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["title_ja"] == "係員のパスワードを入力してください"
    assert (await client.get("/api/state")).json()["signed_in"] is True
    assert "/api/registration/shelters/13101-0001/close" not in fake_auth.calls


async def test_the_staff_password_unlocks_settings_until_locked(
    app: FastAPI, client: httpx.AsyncClient, fake_auth: FakeAuth
) -> None:
    await _staff_sign_in(client)
    wrong = await client.post("/api/staff-unlock", json={**STAFF, "password": "guess-1"})
    assert wrong.status_code == 401
    assert wrong.json()["title_ja"] == "ユーザーIDかパスワードが違います"
    assert "kiosk-staff-unlock" not in client.cookies
    unlocked = await client.post("/api/staff-unlock", json=STAFF)
    assert unlocked.status_code == 200, unlocked.text
    assert (await client.put("/api/settings", json=SETTINGS)).status_code == 200
    state = (await client.get("/api/state")).json()
    assert (state["settings"]["era_screen"], state["settings"]["done_seconds"]) == (False, 20)
    # Leaving the settings screen locks them again.
    assert (await client.delete("/api/staff-unlock")).status_code == 204
    assert (await client.put("/api/settings", json=SETTINGS)).status_code == 403
    # A stolen or replayed cookie value is refused too.
    client.cookies.set("kiosk-staff-unlock", "guessed")
    assert (await client.put("/api/settings", json=SETTINGS)).status_code == 403


async def test_sign_out_and_the_close_notice_after_the_password(
    app: FastAPI, client: httpx.AsyncClient, fake_auth: FakeAuth
) -> None:
    await _staff_sign_in(client)
    assert (await client.post("/api/staff-unlock", json=STAFF)).status_code == 200
    closed = await client.post("/api/notices/close")
    assert closed.status_code == 200, closed.text
    assert fake_auth.calls[-1].endswith("/close")
    state = (await client.get("/api/state")).json()
    assert state["signed_in"] is False
    # The close notice ended the unlock with the session: nothing more without a new sign-in.
    assert (await client.put("/api/settings", json=SETTINGS)).status_code == 403
    assert (await client.post("/api/staff-unlock", json=STAFF)).status_code == 403

    await _staff_sign_in(client)
    assert (await client.post("/api/staff-unlock", json=STAFF)).status_code == 200
    assert (await client.delete("/api/session")).status_code == 204
    assert (await client.get("/api/state")).json()["signed_in"] is False


async def test_offline_the_password_of_the_sign_in_still_unlocks(
    app: FastAPI, client: httpx.AsyncClient, fake_auth: FakeAuth
) -> None:
    """No network after the sign-in: the kiosk checks against what signed it in."""
    await _staff_sign_in(client)
    fake_auth.offline = True
    other = await client.post("/api/staff-unlock", json={**STAFF, "password": "guess-1"})
    assert other.status_code == 401
    assert (await client.post("/api/staff-unlock", json=STAFF)).status_code == 200
    assert (await client.delete("/api/session")).status_code == 204


async def test_guessing_the_password_is_stopped(
    app: FastAPI, client: httpx.AsyncClient, fake_auth: FakeAuth
) -> None:
    await _staff_sign_in(client)
    for _ in range(5):
        guess = await client.post("/api/staff-unlock", json={**STAFF, "password": "guess-1"})
        assert guess.status_code == 401
    blocked = await client.post("/api/staff-unlock", json=STAFF)
    assert blocked.status_code == 429
    assert blocked.json()["title_ja"].startswith("パスワードの誤りが続いたため")


async def test_the_screen_timers_are_settings_with_bounds(
    app: FastAPI, client: httpx.AsyncClient, fake_auth: FakeAuth
) -> None:
    """Issue 6.3: the done screen (the evacuee's name) and idle screens time out."""
    await _staff_sign_in(client)
    assert (await client.post("/api/staff-unlock", json=STAFF)).status_code == 200
    saved = await client.put(
        "/api/settings", json={**SETTINGS, "done_seconds": 5, "idle_seconds": 15}
    )
    assert saved.status_code == 200, saved.text
    settings = (await client.get("/api/state")).json()["settings"]
    assert (settings["done_seconds"], settings["idle_seconds"]) == (5, 15)
    never = await client.put("/api/settings", json={**SETTINGS, "done_seconds": 0})
    assert never.status_code == 422
    assert never.headers["content-type"].startswith("application/problem+json")


async def test_no_card_simulator_without_a_virtual_reader(client: httpx.AsyncClient) -> None:
    state = (await client.get("/api/state")).json()
    assert (state["simulator"], state["card_present"]) == (False, False)
    placed = await client.put("/api/simulator/card", json={"pin": "1234"})
    assert placed.status_code == 404
    assert placed.json()["title_ja"].startswith("このキオスクにはカードシミュレーターがありません")
    assert (await client.put("/api/simulator/card", json={"pin": "12"})).status_code == 422


def test_the_virtual_reader_is_refused_in_production(tmp_path: Path) -> None:
    with pytest.raises(UnsafeSettingsError, match="KIOSK_VIRTUAL_READER"):
        Settings(environment=Environment.PRODUCTION, virtual_reader=True)


def test_the_device_token_may_come_from_a_file(tmp_path: Path) -> None:
    token_file = tmp_path / "device-token"
    token_file.write_text("kiosk-device-token-value\n")
    settings = Settings(environment=Environment.TEST, device_token_file=token_file)
    assert settings.device_token_value() == "kiosk-device-token-value"
    assert "kiosk-device-token-value" not in repr(settings)


@pytest.mark.parametrize("user_id", ["staff-there", "hq"])
async def test_only_staff_of_this_shelter_sign_in_or_unlock(
    app: FastAPI, client: httpx.AsyncClient, fake_auth: FakeAuth, user_id: str
) -> None:
    """S10.5: staff of another shelter and the read-only headquarters viewer may not open this
    shelter from its kiosk nor unlock its settings; its own staff and administrators may."""
    outsider = {**STAFF, "user_id": user_id}
    refused = await client.post("/api/session", json=outsider)
    assert refused.status_code == 403
    assert refused.json()["title_ja"] == "このアカウントはこの避難所の担当ではありません"
    assert not any(call.endswith("/open") for call in fake_auth.calls)
    assert (await client.get("/api/state")).json()["signed_in"] is False

    signed_in = await client.post("/api/session", json={**STAFF, "user_id": "staff-here"})
    assert signed_in.status_code == 200, signed_in.text
    assert (await client.post("/api/staff-unlock", json=outsider)).status_code == 403
    assert (await client.put("/api/settings", json=SETTINGS)).status_code == 403
    unlocked = await client.post("/api/staff-unlock", json={**STAFF, "user_id": "staff-here"})
    assert unlocked.status_code == 200, unlocked.text
    assert (await client.put("/api/settings", json=SETTINGS)).status_code == 200
