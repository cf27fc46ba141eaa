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
from shelter_testing.tokens import TestIssuer

from ..conftest import RecordedAudit

SHELTER = "13101-0001"
ISSUER = TestIssuer()
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
    app.state.audit = RecordedAudit()
    deps.shelters.by_id[SHELTER] = Shelter(SHELTER, "千代田小学校", 200, is_open=True)  # type: ignore[attr-defined]
    deps.shelters.by_id["closed-1"] = Shelter("closed-1", "閉鎖中", 10)  # type: ignore[attr-defined]
    ISSUER.install(app, "registration")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://registration", headers=ISSUER.headers()
    ) as c:
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


async def test_closed_shelter_refuses_with_a_clear_message(client: httpx.AsyncClient) -> None:
    for path in ("/shelters/closed-1/check-ins", "/shelters/closed-1/staff-check-ins"):
        body = GOOD if path.endswith("/check-ins") else {"personal": GOOD["personal"]}
        problem = _assert_problem(await client.post(path, json=body), 409, "shelter-closed")
        assert problem["title_ja"] == "この避難所は開設されていないため受付できません"


async def test_the_same_person_twice_names_the_existing_stay_to_staff_only(
    client: httpx.AsyncClient,
) -> None:
    first = await client.post(CHECK_INS, json=GOOD)
    assert first.status_code == 201
    staff = {"personal": GOOD["personal"], "remarks": "紙の受付票から"}
    problem = _assert_problem(
        await client.post(f"/shelters/{SHELTER}/staff-check-ins", json=staff),
        409,
        "already-checked-in",
    )
    assert problem["stay_id"] == first.json()["stay_id"]
    # Anyone who knows a name, birth date and address could otherwise check the person out.
    public = _assert_problem(await client.post(CHECK_INS, json=GOOD), 409, "already-checked-in")
    assert "stay_id" not in public
    assert first.json()["stay_id"] not in json.dumps(public)


async def test_a_status_not_offered_is_named(client: httpx.AsyncClient) -> None:
    body = {**GOOD, "statuses": ["要介護", "宇宙人"]}
    problem = _assert_problem(await client.post(CHECK_INS, json=body), 422, "unknown-status")
    assert problem["unknown_statuses"] == ["宇宙人"]
    assert "宇宙人" in problem["detail"]


async def test_a_stale_edit_is_a_conflict(client: httpx.AsyncClient) -> None:
    response = await client.patch(f"/shelters/{SHELTER}", json={"name": "新名称", "version": 7})
    _assert_problem(response, 409, "concurrent-update")


@pytest.mark.parametrize(
    "body",
    [
        {"name": None},
        {"capacity": -1},
        {"latitude": 91},
        {"municipality_code": "abc"},
        {"shelter_type": "castle"},
        {"is_open": True},
    ],
)
async def test_bad_edits_are_named(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    response = await client.patch(f"/shelters/{SHELTER}", json=body)
    _assert_problem(response, 422, "validation-error")


async def test_an_invalid_municipality_code_is_refused(client: httpx.AsyncClient) -> None:
    response = await client.patch(f"/shelters/{SHELTER}", json={"municipality_code": "131017"})
    _assert_problem(response, 422, "invalid-municipality-code")


async def test_reserved_ids_cannot_be_shelters(client: httpx.AsyncClient) -> None:
    for shelter_id in ("import", "qr.html"):
        body = {"shelter_id": shelter_id, "name": "x", "capacity": 1}
        _assert_problem(await client.post("/shelters", json=body), 422, "validation-error")


async def test_import_needs_csv(client: httpx.AsyncClient) -> None:
    response = await client.post("/shelters/import", json={"rows": []})
    _assert_problem(response, 415, "unsupported-media-type")


async def test_import_of_something_else_than_a_shelter_list(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/shelters/import", content=b"a,b\n1,2\n", headers={"content-type": "text/csv"}
    )
    problem = _assert_problem(response, 422, "unreadable-csv")
    assert problem["detail_ja"]


async def test_forced_check_out_of_an_unknown_stay(client: httpx.AsyncClient) -> None:
    response = await client.post(
        f"/shelters/{SHELTER}/stays/6b56fcc8-d2e0-41a5-9ae9-f7bd011816ad/forced-check-out"
    )
    _assert_problem(response, 404, "unknown-stay")
    response = await client.post(f"/shelters/{SHELTER}/stays/not-a-uuid/forced-check-out")
    _assert_problem(response, 422, "validation-error")


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


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    route=st.sampled_from(
        [
            ("POST", f"/shelters/{SHELTER}/staff-check-ins"),
            ("PATCH", f"/shelters/{SHELTER}"),
            ("POST", "/shelters"),
            ("PUT", f"/shelters/{SHELTER}/training"),
            ("POST", f"/shelters/{SHELTER}/open"),
            ("POST", f"/shelters/{SHELTER}/close"),
            ("PUT", "/settings/status-items"),
            ("POST", f"/shelters/{SHELTER}/check-outs"),
        ]
    ),
    body=st.one_of(
        json_values,
        st.dictionaries(
            st.sampled_from(
                [
                    "personal",
                    "statuses",
                    "remarks",
                    "name",
                    "capacity",
                    "latitude",
                    "municipality_code",
                    "version",
                    "training",
                    "items",
                    "actor",
                    "stay_id",
                    "shelter_id",
                ]
            ),
            json_values,
        ),
    ),
)
async def test_no_body_on_any_route_gives_a_server_error(
    client: httpx.AsyncClient, route: tuple[str, str], body: Any
) -> None:
    method, path = route
    response = await client.request(method, path, json=body)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"


EMERGENCY_HEADER = "名称,ID,緯度,経度,想定収容人数,全国地方公共団体コード\n"
DESIGNATED_HEADER = "NO,共通ID,施設・場所名,住所,緯度,経度\n"


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        st.binary(max_size=300),
        st.lists(
            st.lists(st.text(max_size=12), max_size=6).map(",".join), min_size=1, max_size=5
        ).map(
            lambda lines: (
                "名称,ID,緯度,経度,想定収容人数,全国地方公共団体コード\n" + "\n".join(lines)
            )
        ),
        st.lists(
            st.lists(st.text(max_size=12), max_size=9).map(",".join), min_size=1, max_size=5
        ).map(lambda lines: "NO,共通ID,施設・場所名,住所,緯度,経度\n" + "\n".join(lines)),
    ),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp932"]),
)
async def test_no_csv_gives_a_server_error(
    client: httpx.AsyncClient, data: bytes | str, encoding: str
) -> None:
    if isinstance(data, str):
        data = data.encode(encoding, errors="replace")
    response = await client.post(
        "/shelters/import", content=data, headers={"content-type": "text/csv"}
    )
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
