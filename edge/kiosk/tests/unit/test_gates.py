"""One table of what guards every route of the kiosk's local API (S6.1, S6.6).

The kiosk's page is used by evacuees and staff on one touch screen: evacuee screens work once
staff signed the kiosk in; settings, notices and sign-out need the staff password again (an
unlock). A new route without an entry here fails, as does a route whose declared guard is not
the entry's; then every guarded route is called in each state and must refuse or admit.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from enum import StrEnum
from pathlib import Path

import fastapi.routing
import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from fastapi.routing import APIRoute

from shelter_kiosk.adapters.auth import StaticTokens
from shelter_kiosk.bootstrap import bootstrap
from shelter_kiosk.config import Settings
from shelter_kiosk.entrypoints.http import signed_in, staff_session
from shelter_runtime.settings import Environment


class Gate(StrEnum):
    OPEN = "anyone at the screen"
    SIGNED_IN = "after the staff sign-in"
    UNLOCKED = "after the staff password again"


GATES: dict[tuple[str, str], Gate] = {
    ("GET", "/api/state"): Gate.OPEN,
    ("POST", "/api/session"): Gate.OPEN,  # the staff sign-in itself (checked by auth)
    ("POST", "/api/staff-unlock"): Gate.SIGNED_IN,
    ("DELETE", "/api/staff-unlock"): Gate.OPEN,  # locking again is always allowed
    ("DELETE", "/api/session"): Gate.UNLOCKED,
    ("POST", "/api/notices/{kind}"): Gate.UNLOCKED,
    ("PUT", "/api/settings"): Gate.UNLOCKED,
    ("POST", "/api/card-reads"): Gate.SIGNED_IN,
    # Development only: 404 unless the kiosk runs on the virtual reader.
    ("PUT", "/api/simulator/card"): Gate.OPEN,
    ("DELETE", "/api/simulator/card"): Gate.OPEN,
}

#: A body each route accepts, so that a refusal is the guard's and not the validation's.
BODIES: dict[tuple[str, str], object] = {
    ("POST", "/api/staff-unlock"): {"user_id": "admin", "password": "x"},
    ("PUT", "/api/settings"): {"shelter_name": "x", "api_base_url": ""},
    ("POST", "/api/card-reads"): {"purpose": "check_in", "digits": "1234"},
}


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[FastAPI]:
    settings = Settings(
        environment=Environment.TEST,
        data_dir=tmp_path,
        kafka_bootstrap_servers="127.0.0.1:1",
        forward_retry_seconds=60,
    )
    app = bootstrap(settings, tokens=StaticTokens("t"))
    async with LifespanManager(app):
        yield app


def _routes(app: FastAPI) -> dict[tuple[str, str], APIRoute]:
    found: dict[tuple[str, str], APIRoute] = {}
    for route in fastapi.routing.iter_route_contexts(app.routes):  # included routers flattened
        original = getattr(route, "original_route", route)
        if not isinstance(original, APIRoute):
            continue
        path: str = getattr(route, "path", None) or original.path
        methods: set[str] = getattr(route, "methods", None) or original.methods or set()
        if path.startswith("/api/"):
            found.update(((method, path), original) for method in methods)
    return found


def _declared(route: APIRoute) -> Gate:
    calls = {dependency.call for dependency in route.dependant.dependencies}
    if staff_session in calls:
        return Gate.UNLOCKED
    return Gate.SIGNED_IN if signed_in in calls else Gate.OPEN


async def test_every_route_has_an_entry_and_declares_it(app: FastAPI) -> None:
    routes = _routes(app)
    assert set(routes) == set(GATES)
    assert {key: _declared(route) for key, route in routes.items()} == GATES


@pytest.mark.parametrize(
    "key", [key for key, gate in GATES.items() if gate is not Gate.OPEN], ids=" ".join
)
async def test_guarded_routes_refuse_until_their_gate_is_passed(
    app: FastAPI, key: tuple[str, str]
) -> None:
    method, path = key
    url = path.replace("{kind}", "close")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kiosk") as client:
        signed_out = await client.request(method, url, json=BODIES.get(key))
        assert signed_out.status_code == 403
        assert signed_out.json()["title_ja"] == "係員がログインしてください"
        app.state.kiosk.session = "s"  # signed in (the sign-in itself: see test_api)
        after_sign_in = await client.request(method, url, json=BODIES.get(key))
        if GATES[key] is Gate.UNLOCKED:
            assert after_sign_in.status_code == 403
            assert after_sign_in.json()["title_ja"] == "係員のパスワードを入力してください"
        else:
            assert after_sign_in.status_code != 403, after_sign_in.text
