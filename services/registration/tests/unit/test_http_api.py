"""The registration API end to end in one process, with fakes behind the ports.

Shelter management (S10.6, S13.1, S14), QR codes (S1.2), the CSV import, the three check-in
channels (S12) and the status-item settings (S10.7).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import png  # type: ignore[import-untyped]
import pytest
import qrcode  # type: ignore[import-untyped]

from shelter_registration.bootstrap import bootstrap
from shelter_registration.config import Settings
from shelter_registration.service_layer.handlers import Dependencies
from shelter_runtime.settings import Environment
from shelter_testing.tokens import TestIssuer

from ..conftest import RecordedAudit

if TYPE_CHECKING:
    from services.registration.tests.conftest import Fakes

DATA = Path(__file__).parents[1] / "data"
PERSON: dict[str, Any] = {
    "family_name": "山田",
    "given_name": "花子",
    "address": "東京都千代田区千代田1-1",
    "date_of_birth": "1950-04-01",
    "sex": "female",
}
BASE_URL = "https://hinan.city.example"
ISSUER = TestIssuer()
ADMIN = ISSUER.headers("administrator", sub="admin-1")


def _app_settings(**changes: Any) -> Settings:
    return Settings(
        environment=Environment.TEST,
        public_base_url=BASE_URL,  # type: ignore[arg-type]
        max_request_body_bytes=16 * 1024,
        **changes,
    )


async def _client_for(
    settings: Settings, deps: Dependencies, audit: RecordedAudit | None = None
) -> httpx.AsyncClient:
    app = bootstrap(settings)  # no lifespan: nothing connects
    app.state.deps = deps
    app.state.audit = audit or RecordedAudit()
    ISSUER.install(app, "registration")
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    # An administrator by default; tests of other callers send their own Authorization.
    return httpx.AsyncClient(transport=transport, base_url="http://registration", headers=ADMIN)


@pytest.fixture
def audit() -> RecordedAudit:
    return RecordedAudit()


@pytest.fixture
async def client(deps: Dependencies, audit: RecordedAudit) -> AsyncIterator[httpx.AsyncClient]:
    async with await _client_for(_app_settings(), deps, audit) as c:
        yield c


async def _create(client: httpx.AsyncClient, shelter_id: str, **facts: Any) -> dict[str, Any]:
    body = {"shelter_id": shelter_id, "name": "千代田小学校", "capacity": 200, **facts}
    response = await client.post("/shelters", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _open(client: httpx.AsyncClient, shelter_id: str) -> dict[str, Any]:
    response = await client.post(f"/shelters/{shelter_id}/open")
    assert response.status_code == 200, response.text
    opened: dict[str, Any] = response.json()
    return opened


# --- shelters ---------------------------------------------------------------------------------


async def test_shelter_life_cycle(client: httpx.AsyncClient, fakes: Fakes) -> None:
    created = await _create(
        client,
        "13101-0001",
        address="東京都千代田区千代田1-1",
        shelter_type="emergency",
        latitude=35.6852,
        longitude=139.7528,
        open_data_id="0001",
        municipality_code="13101",
    )
    assert created["is_open"] is False and created["version"] == 1
    assert created["municipality_code"] == "131016"
    assert created["check_in_url"] == f"{BASE_URL}/checkin/13101-0001"
    refused = await client.post(
        "/shelters/13101-0001/check-ins", json={"personal": PERSON, "consent": True}
    )
    assert refused.status_code == 409 and refused.json()["type"].endswith("/shelter-closed")

    staff_01 = ISSUER.headers("shelter_staff", shelters=["13101-0001"], sub="staff-01")
    opened = await client.post("/shelters/13101-0001/open", headers=staff_01)
    assert opened.status_code == 200
    assert opened.json()["is_open"] is True and opened.json()["opened_by"] == "staff-01"
    assert opened.json()["opened_at"].startswith("2026-11-25T09:30:00")

    edited = await client.patch("/shelters/13101-0001", json={"capacity": 250, "version": 2})
    assert edited.status_code == 200 and edited.json()["version"] == 3
    assert edited.json()["capacity"] == 250 and edited.json()["is_open"] is True
    stale = await client.patch("/shelters/13101-0001", json={"capacity": 10, "version": 2})
    assert stale.status_code == 409

    training = await client.put("/shelters/13101-0001/training", json={"training": True})
    assert training.json()["training"] is True and training.json()["version"] == 4

    staff_02 = ISSUER.headers("shelter_staff", shelters=["13101-0001"], sub="staff-02")
    closed = await client.post("/shelters/13101-0001/close", headers=staff_02)
    assert closed.json()["closed_by"] == "staff-02" and closed.json()["is_open"] is False

    deleted = await client.delete("/shelters/13101-0001")
    assert deleted.status_code == 204
    assert (await client.get("/shelters/13101-0001")).status_code == 404
    assert (await client.post("/shelters/13101-0001/open")).status_code == 404
    gone = await client.post("/shelters/13101-0001/staff-check-ins", json={"personal": PERSON})
    assert gone.status_code == 409 and gone.json()["type"].endswith("/shelter-closed")
    assert fakes.shelters.by_id["13101-0001"].deleted  # kept, marked deleted
    events = fakes.shelters.events
    assert [e.version for e in events] == [1, 2, 3, 4, 5, 6]  # type: ignore[attr-defined]
    actors = [e.actor for e in events]  # type: ignore[attr-defined]
    assert actors == ["admin-1", "staff-01", "admin-1", "admin-1", "staff-02", "admin-1"]


async def test_who_acts_comes_from_the_token_never_from_the_request(
    client: httpx.AsyncClient, fakes: Fakes
) -> None:
    await _create(client, "13101-0001")
    claimed = await client.post(
        "/shelters/13101-0001/open", json={"actor": "someone-else"}, headers={"X-Actor": "x"}
    )
    assert claimed.status_code == 200, claimed.text
    assert claimed.json()["opened_by"] == "admin-1"
    body_actor = await client.post(
        "/shelters", json={"shelter_id": "s-2", "name": "n", "capacity": 1, "actor": "x"}
    )
    assert body_actor.status_code == 422  # no such field any more: the token says who
    assert {e.actor for e in fakes.shelters.events} == {"admin-1"}  # type: ignore[attr-defined]


async def test_the_public_view_of_a_shelter_names_no_staff_account(
    client: httpx.AsyncClient,
) -> None:
    """The smartphone page reads the shelter anonymously: opened_by/closed_by are staff data."""
    await _create(client, "13101-0001")
    await _open(client, "13101-0001")
    anonymous = await client.get("/shelters/13101-0001", headers={"Authorization": ""})
    assert anonymous.status_code == 200, anonymous.text
    assert anonymous.json()["is_open"] is True and anonymous.json()["opened_at"] is not None
    assert "opened_by" not in anonymous.json() and "closed_by" not in anonymous.json()
    assert "admin-1" not in anonymous.text
    [listed] = (await client.get("/shelters")).json()["items"]
    assert listed["opened_by"] == "admin-1"  # staff see who opened it


async def test_shelters_are_listed_a_page_at_a_time(client: httpx.AsyncClient) -> None:
    for n in range(5):
        await _create(client, f"s-{n}")
    await client.delete("/shelters/s-1")
    page = (await client.get("/shelters", params={"offset": 1, "limit": 2})).json()
    assert [s["shelter_id"] for s in page["items"]] == ["s-2", "s-3"]
    assert (page["total"], page["offset"], page["limit"]) == (4, 1, 2)
    assert (await client.get("/shelters", params={"limit": 0})).status_code == 422


# --- check-ins from the channels --------------------------------------------------------------


async def test_staff_check_in_forced_check_out_and_transfer(
    client: httpx.AsyncClient, fakes: Fakes
) -> None:
    for shelter_id in ("a-1", "b-1"):
        await _create(client, shelter_id)
        await _open(client, shelter_id)
    staff = await client.post(
        "/shelters/a-1/staff-check-ins",
        json={"personal": PERSON, "statuses": ["要介護"], "remarks": "車椅子"},
    )
    assert staff.status_code == 201, staff.text
    assert staff.json()["channel"] == 2 and staff.json()["training"] is False
    stay_id = staff.json()["stay_id"]

    moved = await client.post("/shelters/b-1/check-ins", json={"personal": PERSON, "consent": True})
    assert moved.status_code == 201
    assert moved.json()["transferred_from"] == "a-1"
    moved_id = moved.json()["stay_id"]
    left = await client.post(f"/shelters/a-1/stays/{stay_id}/forced-check-out")
    assert left.status_code == 409  # the transfer already checked it out

    forced = await client.post(f"/shelters/b-1/stays/{moved_id}/forced-check-out")
    assert forced.status_code == 200, forced.text
    assert forced.json()["forced"] is True and forced.json()["channel"] == 2
    kinds = [(e.event_type, e.shelter_id) for e in fakes.stays.events]  # type: ignore[attr-defined]
    assert kinds == [
        ("EvacueeCheckedIn", "a-1"),
        ("EvacueeCheckedIn", "b-1"),
        ("EvacueeCheckedOut", "a-1"),
        ("EvacueeCheckedOut", "b-1"),
    ]


async def test_status_items_are_configurable(client: httpx.AsyncClient) -> None:
    defaults = (await client.get("/settings/status-items")).json()["items"]
    assert {"要介護", "妊娠中", "乳幼児連れ", "障がいあり", "要医療", "ペット同伴"} <= set(defaults)
    put = await client.put("/settings/status-items", json={"items": ["車椅子", "要介護"]})
    assert put.json() == {"items": ["車椅子", "要介護"]}
    assert (await client.get("/settings/status-items")).json() == {"items": ["車椅子", "要介護"]}
    await _create(client, "s-1")
    await _open(client, "s-1")
    body = {"personal": PERSON, "consent": True, "statuses": ["妊娠中"]}
    refused = await client.post("/shelters/s-1/check-ins", json=body)
    assert refused.status_code == 422 and refused.json()["unknown_statuses"] == ["妊娠中"]


# --- QR codes ---------------------------------------------------------------------------------


def _expected_matrix(url: str) -> list[list[bool]]:
    """qrcode's own encoding of the URL (error correction M, quiet zone 4)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(url)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return matrix


async def test_qr_png_encodes_the_shelters_check_in_url(client: httpx.AsyncClient) -> None:
    await _create(client, "13101-0001")
    response = await client.get("/shelters/13101-0001/qr.png")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    width, height, rows, _ = png.Reader(bytes=response.content).read()
    pixels = [list(row) for row in rows]
    expected = _expected_matrix(f"{BASE_URL}/checkin/13101-0001")
    box = width // len(expected)
    assert width == height == box * len(expected)
    # Sample the centre of every module: black pixels (0) are dark modules.
    seen = [
        [pixels[y * box + box // 2][x * box + box // 2] == 0 for x in range(len(expected))]
        for y in range(len(expected))
    ]
    assert seen == expected


async def test_qr_svg_has_the_same_modules(client: httpx.AsyncClient) -> None:
    await _create(client, "13101-0001")
    response = await client.get("/shelters/13101-0001/qr.svg")
    assert response.headers["content-type"] == "image/svg+xml"
    expected = _expected_matrix(f"{BASE_URL}/checkin/13101-0001")
    dark = {(int(x), int(y)) for x, y in re.findall(r"M(\d+),(\d+)h1v1h-1z", response.text)}
    assert dark == {
        (x, y) for y, row in enumerate(expected) for x, is_dark in enumerate(row) if is_dark
    }


async def test_print_page_is_self_contained_and_escapes_the_name(
    client: httpx.AsyncClient,
) -> None:
    await _create(client, "s-1", name="<script>alert(1)</script>中央公民館")
    response = await client.get("/shelters/s-1/qr.html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    html = response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;中央公民館" in html and "<script>" not in html
    assert f"{BASE_URL}/checkin/s-1" in html
    assert "<svg" in html and "size: A4" in html
    assert not re.search(r"""(src|href)=["']""", html)  # nothing fetched from elsewhere


async def test_one_sheet_with_every_shelter(client: httpx.AsyncClient) -> None:
    for n in range(3):
        await _create(client, f"s-{n}", name=f"避難所{n}")
    await client.delete("/shelters/s-2")
    html = (await client.get("/shelters/qr.html")).text
    assert html.count("<svg") == 2
    assert "避難所0" in html and "避難所1" in html and "避難所2" not in html


async def test_qr_of_an_unknown_shelter(client: httpx.AsyncClient) -> None:
    for suffix in ("qr.png", "qr.svg", "qr.html"):
        response = await client.get(f"/shelters/none/{suffix}")
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"


# --- CSV import and body limits ---------------------------------------------------------------


async def test_import_by_http_reports_every_row(client: httpx.AsyncClient) -> None:
    data = (DATA / "emergency_sites.sjis.csv").read_bytes()
    response = await client.post(
        "/shelters/import",
        content=data,
        headers={"content-type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["dataset"], report["encoding"]) == ("designated-emergency-sites", "cp932")
    assert (report["accepted"], report["updated"], report["unchanged"], report["refused"]) == (
        3,
        0,
        0,
        7,
    )
    assert report["unknown_headers"] == ["独自項目"]
    refused = next(r for r in report["rows"] if r["row"] == 7)
    assert refused["status"] == "refused"
    assert refused["reason_ja"] == "全国地方公共団体コードが正しくありません"
    again = await client.post(
        "/shelters/import",
        content=(DATA / "emergency_sites.utf8.csv").read_bytes(),
        headers={"content-type": "text/csv; charset=utf-8"},
    )
    assert (again.json()["accepted"], again.json()["unchanged"]) == (0, 3)
    listed = (await client.get("/shelters")).json()
    assert listed["total"] == 3


def _big_csv(rows: int) -> bytes:
    lines = ["全国地方公共団体コード,ID,名称,所在地_連結表記,緯度,経度,想定収容人数,備考"]
    lines += [
        f"092011,{n:05d},避難所{n},栃木県宇都宮市中央{n}番地,36.5,139.8,100人,{'備考' * 30}"
        for n in range(rows)
    ]
    return "\n".join(lines).encode("cp932")


async def test_the_import_takes_bodies_far_above_the_json_limit(
    client: httpx.AsyncClient,
) -> None:
    data = _big_csv(1500)
    assert len(data) > 200 * 1024  # the JSON limit of this app is 16 KiB
    response = await client.post(
        "/shelters/import", content=data, headers={"content-type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 1500
    too_big_json = {"personal": PERSON, "consent": True, "message": "あ" * 20_000}
    refused = await client.post("/shelters/s-1/check-ins", json=too_big_json)
    assert refused.status_code == 413


async def test_the_import_has_its_own_limit(deps: Dependencies) -> None:
    settings = _app_settings(max_import_body_bytes=64 * 1024)
    async with await _client_for(settings, deps) as client:
        response = await client.post(
            "/shelters/import", content=_big_csv(1500), headers={"content-type": "text/csv"}
        )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_the_api_document_lists_every_endpoint() -> None:
    paths = bootstrap(_app_settings()).openapi()["paths"]
    assert set(paths) >= {
        "/shelters",
        "/shelters/import",
        "/shelters/qr.html",
        "/shelters/{shelter_id}",
        "/shelters/{shelter_id}/open",
        "/shelters/{shelter_id}/close",
        "/shelters/{shelter_id}/training",
        "/shelters/{shelter_id}/qr.png",
        "/shelters/{shelter_id}/qr.svg",
        "/shelters/{shelter_id}/qr.html",
        "/shelters/{shelter_id}/check-ins",
        "/shelters/{shelter_id}/staff-check-ins",
        "/shelters/{shelter_id}/check-outs",
        "/shelters/{shelter_id}/stays/{stay_id}/forced-check-out",
        "/settings/status-items",
    }
    assert "text/csv" in paths["/shelters/import"]["post"]["requestBody"]["content"]


# --- audit trail (S10.8) and the actor of check-ins and check-outs ---------------------------


async def test_shelter_changes_and_forced_check_outs_are_audited_without_personal_data(
    client: httpx.AsyncClient, audit: RecordedAudit, fakes: Fakes
) -> None:
    await _create(client, "13101-0001")
    await _open(client, "13101-0001")
    staff = ISSUER.headers("shelter_staff", shelters=["13101-0001"], sub="staff-01")
    checked_in = await client.post(
        "/shelters/13101-0001/check-ins",
        json={"personal": PERSON, "consent": True},
        headers={"Authorization": "", "X-Forwarded-For": "203.0.113.7"},
    )
    stay_id = checked_in.json()["stay_id"]
    forced = await client.post(
        f"/shelters/13101-0001/stays/{stay_id}/forced-check-out",
        headers=staff | {"X-Forwarded-For": "198.51.100.4"},
    )
    assert forced.status_code == 200, forced.text
    await client.patch("/shelters/13101-0001", json={"capacity": 300, "name": "新しい名前"})
    await client.post("/shelters/13101-0001/close")
    await client.delete("/shelters/13101-0001")
    assert audit.actions() == [
        "shelter.registered",
        "shelter.opened",
        "stay.forced_check_out",
        "shelter.edited",
        "shelter.closed",
        "shelter.deleted",
    ]
    out = audit.events[2]
    assert (out.actor, out.actor_kind, out.ip) == ("staff-01", "staff", "198.51.100.4")
    assert (out.target_type, out.target_id, out.shelter_id) == ("stay", stay_id, "13101-0001")
    assert audit.events[3].details == {"fields": "capacity,name"}  # which, not the values
    dumped = " ".join(e.model_dump_json() for e in audit.events)
    for secret in (*PERSON.values(), "新しい名前", "Bearer"):
        assert secret not in dumped
    # The stay events name who registered them: the smartphone's evacuee, the staff account.
    stay_events = [e for e in fakes.stays.events if e.shelter_id == "13101-0001"]
    assert [getattr(e, "actor", None) for e in stay_events] == ["evacuee", "staff-01"]


async def test_settings_changes_and_imports_are_audited(
    client: httpx.AsyncClient, audit: RecordedAudit
) -> None:
    put = await client.put("/settings/status-items", json={"items": ["要介護", "妊娠中"]})
    assert put.status_code == 200
    imported = await client.post(
        "/shelters/import",
        content=(DATA / "emergency_sites.utf8.csv").read_bytes(),
        headers={"content-type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    assert audit.actions() == ["settings.status_items_set", "shelters.imported"]
    assert audit.events[0].details == {"items": "2"} and audit.events[0].actor == "admin-1"
    report = imported.json()
    assert audit.events[1].details["rows"] == str(len(report["rows"]))
    assert audit.events[1].details["accepted"] == str(report["accepted"])


LINKS = [
    {"url": "https://www.jma.go.jp/bosai/risk/", "label_ja": "キキクル", "label_en": "KiKiKuru"},
    {"url": "http://bousai.pref.example.jp/", "label_ja": "県防災ページ", "label_en": "Prefecture"},
]


async def test_administrators_configure_the_home_page_links_that_staff_read(
    client: httpx.AsyncClient, audit: RecordedAudit
) -> None:
    """S15: links to other disaster pages; admin writes, every staff role reads."""
    assert (await client.get("/settings/links")).json() == {"links": []}
    put = await client.put("/settings/links", json={"links": LINKS})
    assert put.status_code == 200, put.text
    assert put.json()["links"] == LINKS
    for role in ("shelter_staff", "hq_viewer"):
        read = await client.get("/settings/links", headers=ISSUER.headers(role, shelters=["x"]))
        assert read.status_code == 200 and read.json()["links"] == LINKS
    staff = ISSUER.headers("shelter_staff", shelters=["13101-0001"])
    refused = await client.put("/settings/links", json={"links": []}, headers=staff)
    assert refused.status_code == 403
    anonymous = await client.get("/settings/links", headers={"Authorization": ""})
    assert anonymous.status_code == 401
    assert audit.actions() == ["settings.links_set"]
    assert audit.events[0].details == {"links": "2"}


@pytest.mark.parametrize(
    "links",
    [
        [{"url": "javascript:alert(1)", "label_ja": "x", "label_en": "x"}],
        [{"url": "data:text/html,hi", "label_ja": "x", "label_en": "x"}],
        [{"url": "ftp://example.jp/", "label_ja": "x", "label_en": "x"}],
        [{"url": "https://example.jp/", "label_ja": " ", "label_en": "x"}],
        [{"url": "https://example.jp/", "label_ja": "x"}],
        [{"url": f"https://example.jp/{n}", "label_ja": "x", "label_en": "x"} for n in range(21)],
        [{"url": "https://example.jp/", "label_ja": "x", "label_en": "x", "target": "_top"}],
    ],
)
async def test_links_that_are_not_plain_web_pages_are_refused(
    client: httpx.AsyncClient, audit: RecordedAudit, links: list[dict[str, str]]
) -> None:
    refused = await client.put("/settings/links", json={"links": links})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["title_ja"]
    assert audit.events == [] and (await client.get("/settings/links")).json() == {"links": []}


async def test_the_same_link_twice_is_refused_by_the_rules_with_a_problem(
    client: httpx.AsyncClient,
) -> None:
    twice = await client.put("/settings/links", json={"links": [LINKS[0], LINKS[0]]})
    assert twice.status_code == 422, twice.text
    assert twice.json()["type"].endswith("/invalid-links")
    assert twice.json()["detail"] == "Link 2: the same address twice"
