"""Every service answers errors as RFC 9457 problems, probes its dependencies, never caches."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shelter_runtime.http import create_app, etag_of, matches_etag
from shelter_runtime.problems import PROBLEM_MEDIA_TYPE, TYPE_BASE

MAX_BODY_BYTES = 1024  # as in conftest.py
JSON_HEADERS = {"content-type": "application/json"}
NAME = "山田花子"


def _problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["cache-control"] == "no-store"
    problem: dict[str, Any] = response.json()
    assert problem["type"] == TYPE_BASE + slug
    assert problem["status"] == status
    assert problem["title"]
    assert problem["title_ja"]
    return problem


async def test_a_valid_body_reaches_the_endpoint(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"name": "毛布", "count": 3})
    assert response.status_code == 201
    assert response.json() == {"count": 3}
    assert response.headers["cache-control"] == "no-store"


async def test_a_validation_error_names_the_fields_without_echoing_values(
    client: httpx.AsyncClient, endpoint_calls: list[Any]
) -> None:
    before = len(endpoint_calls)
    response = await client.post(
        "/things", json={"name": NAME * 20, "count": -7, "family_name": "秘密の値"}
    )

    problem = _problem(response, 422, "validation-error")
    assert problem["title_ja"] == "入力内容に誤りがあります"
    assert problem["instance"] == "/things"
    names = {param["name"] for param in problem["invalid-params"]}
    assert names == {"name", "count", "family_name"}
    assert all(param["reason"] for param in problem["invalid-params"])
    assert NAME not in response.text
    assert "秘密の値" not in response.text
    assert "-7" not in response.text
    assert len(endpoint_calls) == before


async def test_a_missing_field_is_named(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"count": 1})
    problem = _problem(response, 422, "validation-error")
    assert [param["name"] for param in problem["invalid-params"]] == ["name"]


async def test_malformed_json_is_a_validation_problem_without_the_text(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/things", content=f'{{"name": "{NAME}", '.encode(), headers=JSON_HEADERS
    )
    _problem(response, 422, "validation-error")
    assert NAME not in response.text


@pytest.mark.parametrize(
    ("content_type", "shown"),
    [
        ("text/plain", "text/plain"),
        ("application/x-www-form-urlencoded", "application/x-www-form-urlencoded"),
        ("multipart/form-data; boundary=x", "multipart/form-data"),
        (None, "missing"),
    ],
)
async def test_a_body_that_is_not_json_is_refused_with_415(
    client: httpx.AsyncClient, content_type: str | None, shown: str
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await client.post(
        "/things", content=json.dumps({"name": "毛布", "count": 1}).encode(), headers=headers
    )
    problem = _problem(response, 415, "unsupported-media-type")
    assert problem["detail"] == f"Content-Type was {shown}"


@pytest.mark.parametrize(
    "content_type",
    ["application/json; charset=utf-8", "Application/JSON", "application/vnd.x+json"],
)
async def test_json_media_types_are_accepted(client: httpx.AsyncClient, content_type: str) -> None:
    response = await client.post(
        "/things",
        content=json.dumps({"name": "毛布", "count": 1}).encode(),
        headers={"content-type": content_type},
    )
    assert response.status_code == 201, response.text


async def test_a_body_over_the_limit_is_refused_by_its_content_length(
    client: httpx.AsyncClient, endpoint_calls: list[Any]
) -> None:
    before = len(endpoint_calls)
    body = json.dumps({"name": "毛布", "count": 1, "pad": " " * MAX_BODY_BYTES}).encode()
    request = client.build_request("POST", "/things", content=body, headers=JSON_HEADERS)
    assert int(request.headers["content-length"]) > MAX_BODY_BYTES

    response = await client.send(request)

    problem = _problem(response, 413, "payload-too-large")
    assert problem["title_ja"] == "送信データが大きすぎます"
    assert problem["instance"] == "/things"
    assert len(endpoint_calls) == before


async def _chunks(total: int, size: int = 100) -> AsyncIterator[bytes]:
    """A JSON body sent in chunks: `{"name": "x", "count": 1, "pad": "   ..."}`."""
    head, tail = b'{"name": "x", "count": 1, "pad": "', b'"}'
    padding = total - len(head) - len(tail)
    yield head
    for start in range(0, padding, size):
        yield b" " * min(size, padding - start)
    yield tail


async def test_a_chunked_body_over_the_limit_is_refused(
    client: httpx.AsyncClient, endpoint_calls: list[Any]
) -> None:
    before = len(endpoint_calls)
    request = client.build_request(
        "POST", "/things", content=_chunks(MAX_BODY_BYTES * 4), headers=JSON_HEADERS
    )
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"

    response = await client.send(request)

    _problem(response, 413, "payload-too-large")
    assert len(endpoint_calls) == before


async def test_a_chunked_body_within_the_limit_is_read_whole(client: httpx.AsyncClient) -> None:
    request = client.build_request(
        "POST", "/things", content=_chunks(MAX_BODY_BYTES - 100), headers=JSON_HEADERS
    )
    assert "content-length" not in request.headers
    response = await client.send(request)
    # The model forbids `pad`, so the whole body was parsed: 422 naming it, not 413 or 400.
    problem = _problem(response, 422, "validation-error")
    assert [param["name"] for param in problem["invalid-params"]] == ["pad"]


async def test_an_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/nowhere")
    problem = _problem(response, 404, "not-found")
    assert problem["title_ja"] == "見つかりません"
    assert problem["instance"] == "/nowhere"


async def test_a_wrong_method_is_a_405_problem(client: httpx.AsyncClient) -> None:
    response = await client.delete("/things")
    _problem(response, 405, "method-not-allowed")


async def test_a_problem_error_becomes_its_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/stays/s-42")
    problem = _problem(response, 409, "stay-closed")
    assert problem == {
        "type": TYPE_BASE + "stay-closed",
        "title": "The stay is already closed",
        "title_ja": "既に退所済みです",
        "status": 409,
        "detail": "Check the stay id",
        "instance": "/stays/s-42",
        "stay_id": "s-42",
    }


async def test_a_problem_for_a_status_uses_the_shared_titles(client: httpx.AsyncClient) -> None:
    response = await client.get("/busy")
    problem = _problem(response, 503, "unavailable")
    assert problem["title"] == "Service temporarily unavailable"
    assert problem["title_ja"] == "一時的に利用できません"
    assert problem["detail"] == "Kafka is down"


async def test_healthz_answers_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"


async def test_readyz_is_ready_when_every_check_passes(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"kafka": "ok", "database": "ok"}}
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("failing", ["kafka", "database"])
async def test_readyz_is_503_and_names_the_failing_check(
    client: httpx.AsyncClient,
    readiness: dict[str, bool],
    monkeypatch: pytest.MonkeyPatch,
    failing: str,
) -> None:
    monkeypatch.setitem(readiness, failing, False)
    response = await client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "not-ready"
    assert body["checks"][failing] == "unreachable"
    assert [name for name, state in body["checks"].items() if state == "ok"] == [
        name for name in readiness if name != failing
    ]
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("link_up", [True, False])
async def test_a_reported_link_is_shown_but_never_makes_the_service_unready(link_up: bool) -> None:
    async def core() -> bool:
        return True

    async def link() -> bool:
        return link_up

    app = create_app(
        title="t", version="0", routers=[], checks={"kafka": core}, reported_checks={"broker": link}
    )
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    state = "ok" if link_up else "unreachable"
    assert response.json() == {"status": "ready", "checks": {"kafka": "ok", "broker": state}}


async def test_a_route_may_set_its_own_cache_control(client: httpx.AsyncClient) -> None:
    response = await client.get("/cached")
    assert response.headers["cache-control"] == "max-age=60"


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=()))
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.text(st.characters(exclude_categories=())), children, max_size=5)
    ),
    max_leaves=20,
)
BODIES = JSON_VALUES | st.fixed_dictionaries(
    {"name": JSON_VALUES, "count": JSON_VALUES}, optional={"extra": JSON_VALUES}
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=BODIES)
async def test_arbitrary_json_never_gives_a_server_error(app: FastAPI, body: Any) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.post("/things", content=json.dumps(body), headers=JSON_HEADERS)
    assert response.status_code < 500, response.text
    assert response.status_code in {201, 413, 422}
    if response.status_code != 201:
        assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE


def test_one_etag_helper_for_every_service() -> None:
    """Strong tags of the bytes; If-None-Match compares weakly (RFC 9110 13.1.2)."""
    tag = etag_of(b"{}")
    assert tag.startswith('"') and tag.endswith('"')
    assert tag == etag_of(b"{}") != etag_of(b"[]")
    assert matches_etag(tag, tag)
    assert matches_etag(f'"x", W/{tag}', tag)
    assert matches_etag(f"W/{tag}", f"W/{tag}")
    assert matches_etag(" * ", tag)
    assert not matches_etag('"other"', tag)
    assert not matches_etag(None, tag)
    assert not matches_etag("", tag)
