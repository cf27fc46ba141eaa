"""Bad input to the registration API gets an RFC 9457 problem, never a 500 (S16.2)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shelter_registration.bootstrap import bootstrap
from shelter_registration.config import Settings
from shelter_registration.domain.model import Shelter
from shelter_registration.service_layer.handlers import Dependencies
from shelter_runtime.settings import Environment

SHELTER = "13101-0001"
CHECK_INS = f"/shelters/{SHELTER}/check-ins"
GOOD: dict[str, Any] = {
    "personal": {
        "family_name": "山田",
        "given_name": "花子",
        "address": "東京都千代田区千代田1-1",
        "date_of_birth": "1950-04-01",
        "sex": "female",
    },
    "consent": True,
}


@pytest.fixture
async def client(deps: Dependencies) -> AsyncIterator[httpx.AsyncClient]:
    """The real app and routes, with fakes behind the ports (no lifespan: nothing connects)."""
    app = bootstrap(Settings(environment=Environment.TEST, max_request_body_bytes=16 * 1024))
    app.state.deps = deps
    deps.shelters.by_id[SHELTER] = Shelter(SHELTER, "千代田小学校", 200)  # type: ignore[attr-defined]
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://registration") as c:
        yield c


def _assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].endswith(f"/problems/{slug}")
    assert body["title"] and body["title_ja"]
    return body


async def test_good_check_in_is_created(client: httpx.AsyncClient) -> None:
    response = await client.post(CHECK_INS, json=GOOD)
    assert response.status_code == 201, response.text
    assert response.json()["shelter_id"] == SHELTER
    assert response.json()["channel"] == 3


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b["personal"].pop("family_name"), "personal.family_name"),
        (lambda b: b["personal"].pop("date_of_birth"), "personal.date_of_birth"),
        (lambda b: b["personal"].update(sex="unknown"), "personal.sex"),
        (lambda b: b["personal"].update(date_of_birth="1950-13-01"), "personal.date_of_birth"),
        (lambda b: b["personal"].update(address=""), "personal.address"),
        (lambda b: b["personal"].update(email="not-an-address"), "personal.email"),
        (lambda b: b["personal"].update(phone="call me"), "personal.phone"),
        (lambda b: b.update(consent="maybe"), "consent"),
        (lambda b: b.update(statuses=["x" * 41]), "statuses.0"),
        (lambda b: b.update(nickname="hana"), "nickname"),
    ],
)
async def test_missing_or_wrong_fields_are_named(
    client: httpx.AsyncClient, change: Any, field: str
) -> None:
    body = json.loads(json.dumps(GOOD))
    change(body)
    problem = _assert_problem(await client.post(CHECK_INS, json=body), 422, "validation-error")
    assert field in {p["name"] for p in problem["invalid-params"]}
    assert "山田" not in json.dumps(problem, ensure_ascii=False)  # input is never echoed


async def test_missing_consent_is_refused(client: httpx.AsyncClient) -> None:
    _assert_problem(
        await client.post(CHECK_INS, json={**GOOD, "consent": False}), 422, "consent-required"
    )


async def test_unknown_shelter(client: httpx.AsyncClient) -> None:
    response = await client.post("/shelters/13101-9999/check-ins", json=GOOD)
    _assert_problem(response, 404, "unknown-shelter")


async def test_malformed_shelter_id(client: httpx.AsyncClient) -> None:
    response = await client.post("/shelters/..%2Fetc/check-ins", json=GOOD)
    assert response.status_code in (404, 422)
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
async def test_wrong_content_type(client: httpx.AsyncClient, content_type: str) -> None:
    response = await client.post(
        CHECK_INS, content=json.dumps(GOOD), headers={"content-type": content_type}
    )
    _assert_problem(response, 415, "unsupported-media-type")


async def test_missing_content_type(client: httpx.AsyncClient) -> None:
    request = client.build_request("POST", CHECK_INS, content=json.dumps(GOOD).encode())
    assert "content-type" not in request.headers
    _assert_problem(await client.send(request), 415, "unsupported-media-type")


async def test_malformed_json(client: httpx.AsyncClient) -> None:
    response = await client.post(
        CHECK_INS, content=b'{"personal": {', headers={"content-type": "application/json"}
    )
    _assert_problem(response, 422, "validation-error")


async def test_oversize_body(client: httpx.AsyncClient) -> None:
    body = {**GOOD, "message": "あ" * 20_000}
    _assert_problem(await client.post(CHECK_INS, json=body), 413, "payload-too-large")


async def test_oversize_chunked_body(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(40):
            yield b" " * 1024

    response = await client.post(
        CHECK_INS, content=chunks(), headers={"content-type": "application/json"}
    )
    _assert_problem(response, 413, "payload-too-large")


async def test_wrong_method(client: httpx.AsyncClient) -> None:
    _assert_problem(await client.delete(CHECK_INS), 405, "method-not-allowed")


async def test_check_out_of_unknown_stay(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"/shelters/{SHELTER}/check-outs", json={"stay_id": "6b56fcc8-d2e0-41a5-9ae9-f7bd011816ad"}
    )
    _assert_problem(response, 404, "unknown-stay")


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        json_values,
        st.fixed_dictionaries(
            {
                "personal": st.dictionaries(
                    st.sampled_from([*GOOD["personal"], "phone", "email"]), json_values
                )
            },
            optional={"consent": json_values, "statuses": json_values, "message": json_values},
        ),
    )
)
async def test_no_body_gives_a_server_error(client: httpx.AsyncClient, body: Any) -> None:
    response = await client.post(CHECK_INS, json=body)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
