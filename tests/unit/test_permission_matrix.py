"""One table of who may call every endpoint of registration, roster, stats and integration.

S10 and S16: the smartphone and public web pages need no token; administrators manage shelters
and settings; shelter staff work on the shelters assigned to them; headquarters viewers read
everything staff read and change nothing; a kiosk checks people in and out at its one shelter.

Two tests read the table:
- every route of every service has an entry, and its declared requirement is the entry's
  (a new endpoint without an entry, or without `require`, fails);
- every route is called as each test principal through the real app. The ports behind the
  routes are replaced by a tripwire that answers 418, so "reached the data" is 418 and the
  auth decision is all that is measured: no database, no 500, no stream left open. Routes that
  check the shelter of a stay id in the route itself (404, not 403, for another shelter's
  entry) are marked `entry_checked`; services/roster/tests/unit/test_access.py proves that.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any, NoReturn

import httpx
import pytest
from fastapi import FastAPI, HTTPException

from shelter_integration import bootstrap as integration
from shelter_integration.config import Settings as IntegrationSettings
from shelter_integration.entrypoints import http as integration_http
from shelter_integration.entrypoints import webhooks as integration_webhooks
from shelter_registration import bootstrap as registration
from shelter_registration.config import Settings as RegistrationSettings
from shelter_registration.entrypoints import deps as registration_deps
from shelter_roster import bootstrap as roster
from shelter_roster.config import Settings as RosterSettings
from shelter_roster.entrypoints import deps as roster_deps
from shelter_runtime.security import PrincipalKind, Requirement, Role, route_requirements
from shelter_runtime.settings import offline_settings
from shelter_stats import bootstrap as stats
from shelter_stats.config import Settings as StatsSettings
from shelter_stats.entrypoints import http as stats_http
from shelter_testing.tokens import SERVICES, TestIssuer

SHELTER_A = "13101-0001"
SHELTER_B = "13101-0002"
STAY = str(uuid.UUID("6b56fcc8-d2e0-41a5-9ae9-f7bd011816ad"))
WEBHOOK = "0123456789abcdef0123456789abcdef"
REACHED = 418  # the tripwire behind the routes: the caller got through

# --- who calls ---------------------------------------------------------------------------------

ADMINISTRATOR = "administrator"
STAFF_A = "shelter_staff of A"
STAFF_B = "shelter_staff of B"
HQ_VIEWER = "hq_viewer"
KIOSK_A = "kiosk of A"
CLIENT = "integration client"
ANONYMOUS = "no token"
EXPIRED = "expired token"
WRONG_AUDIENCE = "wrong audience"
WRONG_SIGNATURE = "wrong signature"
#: Principals with a valid token: refused with 403. The others are refused with 401.
AUTHENTICATED = frozenset({ADMINISTRATOR, STAFF_A, STAFF_B, HQ_VIEWER, KIOSK_A, CLIENT})
CALLERS = (*sorted(AUTHENTICATED), ANONYMOUS, EXPIRED, WRONG_AUDIENCE, WRONG_SIGNATURE)
EVERYONE = frozenset(CALLERS)


@dataclass(frozen=True, slots=True)
class Access:
    """Who a route admits: the declared requirement and, for shelter A, who gets through."""

    requirement: Requirement | None
    admitted: frozenset[str]
    entry_checked: bool = False


def _requirement(*roles: Role, shelter: bool = False, kiosk: bool = False) -> Requirement:
    kinds = {PrincipalKind.STAFF, PrincipalKind.KIOSK} if kiosk else {PrincipalKind.STAFF}
    return Requirement(frozenset(roles), frozenset(kinds), None, "shelter_id" if shelter else None)


ADMIN, STAFF, HQ = Role.ADMINISTRATOR, Role.SHELTER_STAFF, Role.HQ_VIEWER

#: No token needed: the smartphone, the public web app, the city platforms, the probes.
PUBLIC = Access(None, EVERYONE)
#: Shelter master data, imports, settings changes.
ADMIN_ONLY = Access(_requirement(ADMIN), frozenset({ADMINISTRATOR}))
#: Any staff member reads (no personal data: the shelter list, the disclosure settings).
STAFF_READ = Access(
    _requirement(ADMIN, STAFF, HQ), frozenset({ADMINISTRATOR, STAFF_A, STAFF_B, HQ_VIEWER})
)
#: Every shelter at once: administrators and headquarters, reading.
ALL_SHELTERS_READ = Access(_requirement(ADMIN, HQ), frozenset({ADMINISTRATOR, HQ_VIEWER}))
#: What the staff of the shelter in the path read (its roster, its QR codes).
SHELTER_READ = Access(
    _requirement(ADMIN, STAFF, HQ, shelter=True), frozenset({ADMINISTRATOR, STAFF_A, HQ_VIEWER})
)
#: What the staff of the shelter in the path do (open, close, training mode).
SHELTER_WRITE = Access(
    _requirement(ADMIN, STAFF, shelter=True), frozenset({ADMINISTRATOR, STAFF_A})
)
#: The desk of the shelter in the path: its staff or its kiosk check people in and out.
SHELTER_DESK = Access(
    _requirement(ADMIN, STAFF, shelter=True, kiosk=True),
    frozenset({ADMINISTRATOR, STAFF_A, KIOSK_A}),
)
#: One roster entry by stay id: any staff reads; the route hides other shelters' entries.
ENTRY_READ = Access(STAFF_READ.requirement, STAFF_READ.admitted, entry_checked=True)
#: Correcting an entry: headquarters viewers only read.
ENTRY_WRITE = Access(
    STAFF_READ.requirement, frozenset({ADMINISTRATOR, STAFF_A, STAFF_B}), entry_checked=True
)

MATRIX: dict[tuple[str, str, str], Access] = {
    # registration (S10.6, S12, S13.1, S14, S16.2)
    ("registration", "GET", "/healthz"): PUBLIC,
    ("registration", "GET", "/readyz"): PUBLIC,
    ("registration", "POST", "/shelters"): ADMIN_ONLY,
    ("registration", "GET", "/shelters"): STAFF_READ,
    ("registration", "POST", "/shelters/import"): ADMIN_ONLY,
    ("registration", "GET", "/shelters/{shelter_id}"): PUBLIC,
    ("registration", "PATCH", "/shelters/{shelter_id}"): ADMIN_ONLY,
    ("registration", "DELETE", "/shelters/{shelter_id}"): ADMIN_ONLY,
    ("registration", "POST", "/shelters/{shelter_id}/open"): SHELTER_WRITE,
    ("registration", "POST", "/shelters/{shelter_id}/close"): SHELTER_WRITE,
    ("registration", "PUT", "/shelters/{shelter_id}/training"): SHELTER_WRITE,
    ("registration", "POST", "/shelters/{shelter_id}/check-ins"): PUBLIC,
    ("registration", "POST", "/shelters/{shelter_id}/check-outs"): PUBLIC,
    ("registration", "POST", "/shelters/{shelter_id}/staff-check-ins"): SHELTER_DESK,
    ("registration", "POST", "/shelters/{shelter_id}/stays/{stay_id}/forced-check-out"): (
        SHELTER_DESK
    ),
    ("registration", "GET", "/shelters/qr.html"): ALL_SHELTERS_READ,
    ("registration", "GET", "/shelters/{shelter_id}/qr.png"): SHELTER_READ,
    ("registration", "GET", "/shelters/{shelter_id}/qr.svg"): SHELTER_READ,
    ("registration", "GET", "/shelters/{shelter_id}/qr.html"): SHELTER_READ,
    ("registration", "GET", "/settings/status-items"): PUBLIC,
    ("registration", "PUT", "/settings/status-items"): ADMIN_ONLY,
    ("registration", "GET", "/settings/links"): STAFF_READ,  # S15 home page links
    ("registration", "PUT", "/settings/links"): ADMIN_ONLY,
    ("registration", "POST", "/disaster/close"): ADMIN_ONLY,  # S10.3 disaster closed
    ("registration", "GET", "/disaster/status"): ADMIN_ONLY,
    # roster (S10 public 1, S11-S12, S16.1)
    ("roster", "GET", "/healthz"): PUBLIC,
    ("roster", "GET", "/readyz"): PUBLIC,
    ("roster", "GET", "/public/search"): PUBLIC,
    ("roster", "GET", "/shelters/{shelter_id}/entries"): SHELTER_READ,
    ("roster", "GET", "/shelters/{shelter_id}/entries.csv"): SHELTER_READ,
    ("roster", "GET", "/entries"): ALL_SHELTERS_READ,
    ("roster", "GET", "/entries.csv"): ALL_SHELTERS_READ,
    ("roster", "GET", "/entries/{stay_id}"): ENTRY_READ,
    ("roster", "PATCH", "/entries/{stay_id}"): ENTRY_WRITE,
    ("roster", "GET", "/entries/{stay_id}/history"): ENTRY_READ,
    ("roster", "GET", "/settings/disclosure"): STAFF_READ,
    ("roster", "PUT", "/settings/disclosure"): ADMIN_ONLY,
    ("roster", "GET", "/disaster/export.zip"): ADMIN_ONLY,  # S10.3 the disaster's file
    # S17.2 PULL: clients with roster:read; personal fields need roster:personal (in the route)
    ("roster", "GET", "/pull/entries"): Access(
        Requirement(
            frozenset({ADMIN, HQ}),
            frozenset({PrincipalKind.STAFF, PrincipalKind.INTEGRATION}),
            "roster:read",
        ),
        frozenset({ADMINISTRATOR, HQ_VIEWER, CLIENT}),
    ),
    # stats (S13-S14): shelter-level counts only, published to the city platforms anyway
    ("stats", "GET", "/healthz"): PUBLIC,
    ("stats", "GET", "/readyz"): PUBLIC,
    ("stats", "GET", "/shelters"): PUBLIC,
    ("stats", "GET", "/shelters/{shelter_id}"): PUBLIC,
    ("stats", "GET", "/totals"): PUBLIC,
    ("stats", "GET", "/events"): PUBLIC,
    ("stats", "GET", "/shelters/{shelter_id}/events"): PUBLIC,
    ("stats", "GET", "/shelters/{shelter_id}/history"): PUBLIC,
    # integration (S17.2 PULL, S21.5): administrators, headquarters and integration clients
    ("integration", "GET", "/healthz"): PUBLIC,
    ("integration", "GET", "/readyz"): PUBLIC,
    ("integration", "GET", "/ngsi-ld/context.jsonld"): PUBLIC,
    ("integration", "GET", "/shelters"): Access(
        Requirement(
            frozenset({ADMIN, HQ}),
            frozenset({PrincipalKind.STAFF, PrincipalKind.INTEGRATION}),
            "shelters:read",
        ),
        frozenset({ADMINISTRATOR, HQ_VIEWER, CLIENT}),
    ),
    ("integration", "GET", "/shelters/{shelter_id}"): Access(
        Requirement(
            frozenset({ADMIN, HQ}),
            frozenset({PrincipalKind.STAFF, PrincipalKind.INTEGRATION}),
            "shelters:read",
        ),
        frozenset({ADMINISTRATOR, HQ_VIEWER, CLIENT}),
    ),
    ("integration", "GET", "/totals"): Access(
        Requirement(
            frozenset({ADMIN, HQ}),
            frozenset({PrincipalKind.STAFF, PrincipalKind.INTEGRATION}),
            "stats:read",
        ),
        frozenset({ADMINISTRATOR, HQ_VIEWER, CLIENT}),
    ),
    ("integration", "POST", "/webhooks"): ADMIN_ONLY,
    ("integration", "GET", "/webhooks"): ADMIN_ONLY,
    ("integration", "DELETE", "/webhooks/{webhook_id}"): ADMIN_ONLY,
    ("integration", "GET", "/webhooks/{webhook_id}/deliveries"): ADMIN_ONLY,
    ("integration", "GET", "/webhooks/dead-letters"): ADMIN_ONLY,
    ("integration", "POST", "/webhooks/deliveries/{delivery_id}/redeliver"): ADMIN_ONLY,
}
PROBES = frozenset({"/healthz", "/readyz"})

# --- the apps, unconnected, with a tripwire behind the routes ---------------------------------


def _tripwire() -> NoReturn:
    raise HTTPException(REACHED, "the route reached its data: the caller was admitted")


APPS: dict[str, tuple[Callable[[], FastAPI], list[Callable[..., Any]]]] = {
    "registration": (
        lambda: registration.bootstrap(offline_settings(RegistrationSettings)),
        [registration_deps.get_deps],
    ),
    "roster": (
        lambda: roster.bootstrap(offline_settings(RosterSettings)),
        [roster_deps.get_entries, roster_deps.get_shelters, roster_deps.get_roster_settings],
    ),
    "stats": (lambda: stats.bootstrap(offline_settings(StatsSettings)), [stats_http.get_api]),
    "integration": (
        lambda: integration.bootstrap(offline_settings(IntegrationSettings)),
        [integration_http.get_api, integration_webhooks.get_webhook_api],
    ),
}


@pytest.fixture(scope="module")
def issuer() -> TestIssuer:
    return TestIssuer()


@pytest.fixture(scope="module")
def apps(issuer: TestIssuer) -> dict[str, FastAPI]:
    built: dict[str, FastAPI] = {}
    for service, (build, ports) in APPS.items():
        app = build()
        issuer.install(app, service)
        for port in ports:
            app.dependency_overrides[port] = _tripwire
        built[service] = app
    return built


def _headers(issuer: TestIssuer, caller: str, service: str) -> dict[str, str]:
    tokens: dict[str, Callable[[], dict[str, str]]] = {
        ADMINISTRATOR: lambda: issuer.headers("administrator"),
        STAFF_A: lambda: issuer.headers("shelter_staff", shelters=[SHELTER_A], sub="staff-a"),
        STAFF_B: lambda: issuer.headers("shelter_staff", shelters=[SHELTER_B], sub="staff-b"),
        HQ_VIEWER: lambda: issuer.headers("hq_viewer", sub="hq"),
        KIOSK_A: lambda: issuer.headers(None, kind="kiosk", shelters=[SHELTER_A], sub="kiosk"),
        CLIENT: lambda: issuer.headers(
            None,
            kind="integration",
            scopes=["shelters:read", "stats:read", "roster:read"],
            sub="client",
        ),
        ANONYMOUS: dict,
        EXPIRED: lambda: issuer.headers("administrator", lifetime_seconds=-120),
        WRONG_AUDIENCE: lambda: issuer.headers(
            "administrator", audience=[s for s in SERVICES if s != service]
        ),
        # Same key id and claims, another key: only the signature is wrong.
        WRONG_SIGNATURE: lambda: TestIssuer(issuer.kid).headers("administrator"),
    }
    return tokens[caller]()


def _cases() -> Iterator[Any]:
    for (service, method, path), access in MATRIX.items():
        if path in PROBES:
            continue
        for caller in CALLERS:
            yield pytest.param(
                service, method, path, access, caller, id=f"{service} {method} {path} as {caller}"
            )


# --- the tests ---------------------------------------------------------------------------------


def test_every_route_has_exactly_the_requirement_of_the_table(apps: dict[str, FastAPI]) -> None:
    found = {
        (service, method, path): requirement
        for service, app in apps.items()
        for (method, path), requirement in route_requirements(app).items()
        if method != "HEAD"
    }
    assert sorted(found) == sorted(MATRIX), "a route without an entry, or an entry without a route"
    assert found == {key: access.requirement for key, access in MATRIX.items()}


@pytest.fixture(scope="module")
async def clients(apps: dict[str, FastAPI]) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    opened = {
        service: httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=f"http://{service}"
        )
        for service, app in apps.items()
    }
    yield opened
    for client in opened.values():
        await client.aclose()


@pytest.mark.parametrize(("service", "method", "path", "access", "caller"), list(_cases()))
async def test_each_caller_is_admitted_or_refused_as_the_table_says(
    clients: dict[str, httpx.AsyncClient],
    issuer: TestIssuer,
    service: str,
    method: str,
    path: str,
    access: Access,
    caller: str,
) -> None:
    url = path.format(shelter_id=SHELTER_A, stay_id=STAY, webhook_id=WEBHOOK, delivery_id=WEBHOOK)
    headers = _headers(issuer, caller, service)
    content: bytes | None = None
    if method in {"POST", "PUT", "PATCH", "DELETE"}:
        csv = url.endswith("/import")
        headers["content-type"] = "text/csv" if csv else "application/json"
        content = b"" if csv else b"{}"
    response = await clients[service].request(method, url, headers=headers, content=content)

    if caller in access.admitted:
        assert response.status_code == REACHED, response.text
    elif caller in AUTHENTICATED:
        assert response.status_code == 403, response.text
        assert response.headers["content-type"] == "application/problem+json"
    else:
        assert response.status_code == 401, response.text
        assert response.headers["content-type"] == "application/problem+json"
